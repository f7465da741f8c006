import type { KmsErrorCode } from '@kms/core';

/**
 * Canonical error → HEM status (notes §6). HEM has one "operation failed" code, 406, for an
 * unknown KID, a key of the wrong type or usage, a duplicate import and a failed check; 400 is for
 * what the request itself got wrong. A client's mistake is never a 500.
 */
export const STATUS_OF: Record<KmsErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 406,
  NOT_FOUND: 406,
  ALREADY_EXISTS: 406,
  WRONG_KEY_STATE: 406,
  UNSUPPORTED: 406,
  CRYPTO_FAILURE: 406,
  INTERNAL: 500,
};

export const statusOfOutcome = (outcome: string): number => (outcome === 'ok' ? 200 : (STATUS_OF[outcome as KmsErrorCode] ?? 500));
