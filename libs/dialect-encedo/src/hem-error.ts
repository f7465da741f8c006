import { KmsError, type KmsErrorCode } from '@kms/core';

/** The canonical code recorded in the audit row for a refusal the dialect makes itself. */
const OUTCOME_OF: Record<number, KmsErrorCode> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 406: 'UNSUPPORTED' };

/**
 * Whether a refusal still needs its audit row: `due` when the dialect refused on its own (the
 * route's interceptor writes it through the core), `written` when a row already says it (the
 * core's row of a verify that answered false, the guard's scope refusal).
 */
export type HemAudit = 'due' | 'written';

/**
 * The dialect's one error: a HEM answer other than 200. On the wire it is the status alone (the
 * codec writes an empty body), so the reason is for the server log only.
 */
export class HemError extends Error {
  readonly code: KmsErrorCode;

  constructor(
    readonly status: number,
    reason: string,
    readonly audit: HemAudit = 'due',
    code?: KmsErrorCode,
  ) {
    super(reason);
    this.name = 'HemError';
    this.code = code ?? OUTCOME_OF[status] ?? 'INTERNAL';
  }

  /** The canonical refusal its audit row records. */
  asKmsError(): KmsError {
    return new KmsError(this.code, this.message);
  }
}

export const hem = (status: number, reason = 'hem', code?: KmsErrorCode) => new HemError(status, reason, 'due', code);

/** A refusal whose audit row is already written. */
export const answered = (status: number, reason: string) => new HemError(status, reason, 'written');
