import type { ReplayGuard } from './replay-guard';

export interface EhsmDialectOptions {
  /** Serve `GET ?Action=Enroll` (anyone may create a tenant). Default on, as upstream. */
  enroll?: boolean;
  /** Where accepted requests are remembered; in-process memory by default. */
  replayGuard?: ReplayGuard;
}

export const EHSM_OPTIONS = Symbol('EHSM_OPTIONS');
