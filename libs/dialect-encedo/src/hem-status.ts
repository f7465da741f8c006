import { HttpException } from '@nestjs/common';
import type { KmsErrorCode } from '@kms/core';

/** The canonical code recorded in the audit row for a refusal the dialect makes itself. */
const OUTCOME_OF: Record<number, KmsErrorCode> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 406: 'UNSUPPORTED' };

/**
 * A HEM answer other than 200. HEM error responses are the status code alone: the HTTP hook in
 * http-hooks.ts empties the body, so the reason here is for the server log only.
 */
export class HemStatus extends HttpException {
  readonly outcome: KmsErrorCode;

  constructor(status: number, reason = 'hem', code?: KmsErrorCode) {
    super(reason, status);
    this.outcome = code ?? OUTCOME_OF[status] ?? 'INTERNAL';
  }
}

export const hem = (status: number, reason?: string, code?: KmsErrorCode) => new HemStatus(status, reason, code);
