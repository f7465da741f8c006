import { KmsError, cryptoFailure, unsupported } from '@kms/core';

/** The CKR_* name of a pkcs11js error (`Pkcs11Error.message` is the name), or null. */
export function ckr(err: unknown): string | null {
  const m = /^(CKR_[A-Z0-9_]+)/.exec(String((err as Error)?.message ?? ''));
  return m ? m[1] : null;
}

/** Errors after which a session is no use: close it, open another (and log in again if needed). */
const DEAD_SESSION = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_DEVICE_ERROR',
  'CKR_OPERATION_ACTIVE',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
]);
export const isDeadSession = (err: unknown) => DEAD_SESSION.has(ckr(err) ?? '');

/** The cached object handle went stale (token re-inserted, all sessions closed...): find it again. */
export const isStaleHandle = (err: unknown) => ['CKR_OBJECT_HANDLE_INVALID', 'CKR_KEY_HANDLE_INVALID'].includes(ckr(err) ?? '');

/** The token refuses the mechanism or its parameters: say so as UNSUPPORTED. */
const REFUSED = new Set([
  'CKR_MECHANISM_INVALID',
  'CKR_MECHANISM_PARAM_INVALID',
  'CKR_KEY_SIZE_RANGE',
  'CKR_KEY_TYPE_INCONSISTENT',
  'CKR_KEY_FUNCTION_NOT_PERMITTED',
  'CKR_ARGUMENTS_BAD',
  'CKR_FUNCTION_NOT_SUPPORTED',
  'CKR_CURVE_NOT_SUPPORTED',
  'CKR_DOMAIN_PARAMS_INVALID',
]);
export const isRefused = (err: unknown) => REFUSED.has(ckr(err) ?? '');

export function refusedAsUnsupported(err: unknown, what: string): never {
  if (err instanceof KmsError) throw err;
  if (isRefused(err)) throw unsupported(`${what} is not available on this token (${ckr(err)})`);
  throw err;
}

/** For decrypt/unwrap: anything the token says about the input is one indistinct failure. */
export function asCryptoFailure(err: unknown, message: string): never {
  if (err instanceof KmsError || !ckr(err)) throw err;
  if (isDeadSession(err) || isStaleHandle(err)) throw err;
  if (isRefused(err)) throw unsupported(`the token refuses this operation (${ckr(err)})`);
  throw cryptoFailure(message);
}
