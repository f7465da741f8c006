import type { KmsErrorCode } from '@kms/core';
import { MSG } from './envelope';

type Wire = [code: number, message: string];

/** Which of the dialect's two APIs a request speaks: `/ehsm` by key id, or the v1 blob path. */
export type EhsmApi = 'keyid' | 'v1';

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

type ActionWording = Record<string, Partial<Record<KmsErrorCode, Wire>>>;

/** Where one action words an error differently from the table above. */
const KEYID_BY_ACTION: ActionWording = {
  Decrypt: { CRYPTO_FAILURE: [400, MSG.decryptFailed] },
};

/** v1 words a failed ExportDataKey as the keyid API's action does in its own handler. */
const BY_ACTION: Record<EhsmApi, ActionWording> = {
  keyid: KEYID_BY_ACTION,
  v1: { ...KEYID_BY_ACTION, ExportDataKey: { CRYPTO_FAILURE: [400, 'Failed, Please confirm that your parameters are correct.'] } },
};

/** The `{code, message}` of a canonical error raised by `action`. */
export function kmsErrorWire(api: EhsmApi, action: string, code: KmsErrorCode): Wire {
  return (Object.hasOwn(BY_ACTION[api], action) ? BY_ACTION[api][action][code] : undefined) ?? BY_CODE[code];
}
