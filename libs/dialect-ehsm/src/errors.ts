import type { KmsErrorCode } from '@kms/core';
import { type EhsmReply, MSG, fail } from './envelope';

type Wire = [code: number, message: string];

/**
 * Canonical errors in eHSM's words. Upstream, whatever the enclave refuses (wrong usage, padding
 * or key type, data too long) is `500 "Server exception."`, and clients test for exactly that.
 * Key lookup and state errors never get here: the actions check them first with their own texts.
 */
const BY_CODE: Record<KmsErrorCode, Wire> = {
  INVALID_ARGUMENT: [500, MSG.serverException],
  UNAUTHENTICATED: [400, MSG.signError],
  FORBIDDEN: [500, MSG.serverException],
  NOT_FOUND: [400, MSG.keyidError],
  ALREADY_EXISTS: [500, MSG.serverException],
  WRONG_KEY_STATE: [400, MSG.keyDisabled],
  UNSUPPORTED: [500, MSG.serverException],
  CRYPTO_FAILURE: [500, MSG.serverException],
  INTERNAL: [500, MSG.internal],
};

/** Where one action words an error differently from the table above. */
const BY_ACTION: Record<string, Partial<Record<KmsErrorCode, Wire>>> = {
  Decrypt: { CRYPTO_FAILURE: [400, MSG.decryptFailed] },
};

export function kmsErrorReply(action: string, code: KmsErrorCode): EhsmReply {
  const [c, m] = BY_ACTION[action]?.[code] ?? BY_CODE[code];
  return fail(c, m);
}
