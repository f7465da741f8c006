import type { ReplayLedger } from './replay-ledger';

export interface EhsmDialectOptions {
  /** Serve `GET ?Action=Enroll` (anyone may create a tenant). Default on, as upstream. */
  enroll?: boolean;
  /** Where accepted requests are remembered; in-process memory by default. */
  replayLedger?: ReplayLedger;
  /** Where the v1 CMK-blob API is served (`POST <path>?Action=...`); null: not served. */
  legacyPath?: string | null;
}

export const EHSM_OPTIONS = Symbol('EHSM_OPTIONS');
