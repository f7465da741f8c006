import { KmsError, type KmsErrorCode } from '@kms/core';

/**
 * A refusal in Vault's terms: `{"errors": [...]}` with Vault's status. Vault answers almost every
 * refusal of a transit request with 400 and the reason; 403 "permission denied" for a token it
 * does not know; 404 with an empty list for a read of something that does not exist.
 */
export class VaultError extends Error {
  /** Set once the core wrote this refusal's audit row (it came from a core operation). */
  audited = false;
  constructor(
    readonly status: number,
    message: string,
    /** The canonical code of the refusal, for its audit row. */
    readonly code: KmsErrorCode = status === 404 ? 'NOT_FOUND' : status === 403 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT',
  ) {
    super(message);
    this.name = 'VaultError';
  }

  /** The `errors` list: empty for a plain 404 (Vault's answer to a read of nothing). */
  get errors(): string[] {
    return this.message ? [this.message] : [];
  }
}

export const badRequest = (message: string, code?: KmsErrorCode) => new VaultError(400, message, code);
export const permissionDenied = () => new VaultError(403, 'permission denied', 'UNAUTHENTICATED');
/** What Vault answers a read (or a list) of nothing: 404 with no message. */
export const nothingHere = () => new VaultError(404, '');
/** A path no route of ours serves; Vault words it so. */
export const noRoute = (path: string) => new VaultError(404, `no handler for route "${path}". route entry not found.`);
/** A feature of Vault's transit engine that a later part of this dialect will serve. */
export const notYet = (what: string) => new VaultError(400, `${what} not supported yet by this gateway`, 'UNSUPPORTED');

/**
 * The core's refusals a Vault client branches on, in Vault's words. Anything else keeps the
 * core's own message (written for clients) with status 400, as Vault reports a user error.
 */
const WORDING: ReadonlyArray<{ code: KmsErrorCode; match: RegExp; message: string }> = [
  { code: 'INVALID_ARGUMENT', match: /below the key's minimum decryption version/, message: 'ciphertext or signature version is disallowed by policy (too old)' },
  { code: 'CRYPTO_FAILURE', match: /./, message: 'cipher: message authentication failed' },
  { code: 'INTERNAL', match: /./, message: 'internal error' },
];

/** The status of each canonical failure: a server fault is 500, every refusal 400. */
const STATUS: Record<KmsErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 403,
  FORBIDDEN: 400,
  NOT_FOUND: 400,
  ALREADY_EXISTS: 400,
  WRONG_KEY_STATE: 400,
  UNSUPPORTED: 400,
  CRYPTO_FAILURE: 400,
  INTERNAL: 500,
};

export function toVaultError(err: unknown): VaultError {
  if (err instanceof VaultError) return err;
  if (err instanceof KmsError) {
    const message = WORDING.find((w) => w.code === err.code && w.match.test(err.message))?.message ?? err.message;
    const out = new VaultError(STATUS[err.code], message, err.code);
    out.audited = true;
    return out;
  }
  const status = (err as { statusCode?: number; status?: number } | null)?.statusCode ?? (err as { status?: number } | null)?.status;
  if (status === 404) return nothingHere();
  if (status === 413) return badRequest('request body is too large');
  if (status !== undefined && status >= 400 && status < 500) return badRequest('failed to parse JSON input');
  return new VaultError(500, 'internal error', 'INTERNAL');
}

/** The same refusal, marked as one the core did not audit (the dialect's codec writes its row). */
export function unaudited(err: unknown): VaultError {
  const out = toVaultError(err);
  if (out.audited) {
    const copy = new VaultError(out.status, out.message, out.code);
    return copy;
  }
  return out;
}
