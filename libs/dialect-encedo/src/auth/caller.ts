import type { OpContext } from '@kms/core';
import { statusOfOutcome } from '../errors';
import { type LogType, eventName, resultOfStatus } from '../log-events';

export const DIALECT = 'encedo';

/** What a request presented: a bearer token holding one scope, or nothing (a token-less keysearch). */
export type HemCredential = { kind: 'token'; scope: string } | { kind: 'keysearch' };

/** Who a request speaks for: the tenant its user belongs to, the user (audit principal), the credential. */
export interface HemIdentity extends OpContext {
  credential: HemCredential;
}

/** That identity on one route: the route's audit operation, and its HEM event through OpContext.event. */
export interface HemCaller extends HemIdentity {
  op: string;
}

/** A verify that answers false is LOG_RESULT_FAILED, as its 406. */
export function onRoute(identity: HemIdentity, op: string, log: LogType | null): HemCaller {
  if (log === null) return { ...identity, op, event: undefined };
  return { ...identity, op, event: (outcome, result) => eventName(log, outcome === 'ok' ? (result === false ? 'FAILED' : 'OK') : resultOfStatus(statusOfOutcome(outcome))) };
}
