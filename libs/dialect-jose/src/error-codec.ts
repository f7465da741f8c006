import type { FastifyRequest } from 'fastify';
import { KmsError, UUID_RE, type KeyOperations, type KmsErrorCode } from '@kms/core';
import { type DialectErrorCodec, type WireError, findCaller } from '@kms/dialect-kit';
import { JoseError, type JoseErrorCode, STATUS, toJoseError } from './errors';

/** The paths whose failures JOSE answers: its API and the JWKS it publishes. */
export const isJosePath = (path: string) => path.startsWith('/v1/crypto') || path === '/.well-known/jwks.json';

/** The canonical code of a refusal the dialect makes itself, for its audit row. */
const CANONICAL: Record<Exclude<JoseErrorCode, 'internal_error'>, KmsErrorCode> = {
  bad_request: 'INVALID_ARGUMENT',
  unauthorized: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  unsupported_algorithm: 'UNSUPPORTED',
  crypto_failure: 'CRYPTO_FAILURE',
  decryption_failed: 'CRYPTO_FAILURE',
};

/**
 * Every failure on a JOSE route as `{error, description}` with the vendor's status: the dialect's
 * own JoseError, a canonical KmsError from the core, and Fastify's refusal of a body. A refusal of
 * the dialect's own after the guard let the caller in (its DTO pipe, a key of the wrong kind, an
 * unknown kid) gets its audit row through the core first; a core operation's failure has its row.
 */
export class JoseErrorCodec implements DialectErrorCodec {
  readonly dialect = 'jose';
  readonly owns = isJosePath;

  constructor(private readonly keys: KeyOperations) {}

  encode(exception: unknown): WireError {
    const err = toJoseError(exception);
    // A body too large stays a 413 (the status says why) under the vendor's bad_request code.
    const status = err.code === 'bad_request' && (exception as { statusCode?: number } | null)?.statusCode === 413 ? 413 : STATUS[err.code];
    return { status, body: { error: err.code, description: err.description }, internal: err.code === 'internal_error' };
  }

  audit(exception: unknown, req: FastifyRequest): Promise<void> | null {
    const caller = findCaller(req);
    if (!caller || !(exception instanceof JoseError) || !exception.auditDue || exception.code === 'internal_error') return null;
    // A kid in the path (a key id or an alias) is not part of the operation's name.
    const route = (req.url ?? '')
      .split('?', 1)[0]
      .replace(/^\/v1\/crypto\//, '')
      .replace(/^keys\/(?!unwrap$).*$/, 'keys');
    return this.keys.refusal(caller, `jose-${route}`.slice(0, 48), new KmsError(CANONICAL[exception.code], exception.description), keyIdOf(req));
  }
}

/** The key the request names (body `kid` or the path's), when it is a key id. */
function keyIdOf(req: FastifyRequest): string | null {
  const body = req.body as { kid?: unknown } | null | undefined;
  const kid = (req.params as { kid?: unknown } | undefined)?.kid ?? (typeof body === 'object' && body !== null ? body.kid : undefined);
  return typeof kid === 'string' && UUID_RE.test(kid) ? kid : null;
}
