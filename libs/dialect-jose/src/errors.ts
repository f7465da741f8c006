import { HttpException } from '@nestjs/common';
import { KmsError, type KmsErrorCode } from '@kms/core';

/**
 * The JOSE API's error body `{error, description}` and its seven codes (notes §2.0). Vendor
 * behaviour decides the status, so dialect code throws JoseError with the code the vendor uses at
 * that point; canonical errors from the core are mapped by the table below.
 */
export type JoseErrorCode = 'bad_request' | 'unauthorized' | 'unsupported_algorithm' | 'crypto_failure' | 'decryption_failed' | 'forbidden' | 'not_found' | 'internal_error';

export const STATUS: Record<JoseErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unsupported_algorithm: 422,
  crypto_failure: 422,
  decryption_failed: 422,
  internal_error: 500,
};

/** Codes whose description is fixed: nothing about the key or the data leaks through them. */
const FIXED: Partial<Record<JoseErrorCode, string>> = {
  forbidden: 'Access denied',
  not_found: 'Key not found',
  decryption_failed: 'Decryption failed',
  internal_error: 'Internal server error',
};

export class JoseError extends Error {
  /** Set where the failure follows a core call that wrote the request's audit row already. */
  private rowWritten = false;

  constructor(
    readonly code: JoseErrorCode,
    readonly description: string = FIXED[code] ?? code,
  ) {
    super(description);
  }

  get auditDue(): boolean {
    return !this.rowWritten && this.code !== 'internal_error';
  }

  /** This failure came after a core operation on the key, whose row records the request. */
  afterCoreRow(): this {
    this.rowWritten = true;
    return this;
  }
}

export const badRequest = (d: string) => new JoseError('bad_request', d);
export const unsupportedAlg = (d: string) => new JoseError('unsupported_algorithm', d);
export const cryptoFail = (d: string) => new JoseError('crypto_failure', d);
export const notFound = () => new JoseError('not_found');
export const decryptionFailed = () => new JoseError('decryption_failed');

const FROM_CANONICAL: Record<KmsErrorCode, JoseErrorCode> = {
  INVALID_ARGUMENT: 'bad_request',
  ALREADY_EXISTS: 'bad_request',
  UNAUTHENTICATED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  WRONG_KEY_STATE: 'crypto_failure',
  UNSUPPORTED: 'unsupported_algorithm',
  CRYPTO_FAILURE: 'crypto_failure',
  INTERNAL: 'internal_error',
};

export function toJoseError(err: unknown): JoseError {
  if (err instanceof JoseError) return err;
  if (err instanceof KmsError) {
    const code = FROM_CANONICAL[err.code];
    return new JoseError(code, FIXED[code] ?? err.message);
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    // Fastify's own refusals (malformed JSON, empty JSON body, too large) are client mistakes.
    if (status === 413) return new JoseError('bad_request', 'Request body too large');
    if (status === 404) return new JoseError('not_found', 'Not found');
    if (status < 500) return new JoseError('bad_request', `Invalid request body: ${err.message}`);
  }
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new JoseError('bad_request', e.statusCode === 413 ? 'Request body too large' : `Invalid request body: ${e.message ?? 'malformed'}`);
  }
  return new JoseError('internal_error');
}
