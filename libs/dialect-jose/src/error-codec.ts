import type { DialectErrorCodec, WireError } from '@kms/dialect-kit';
import { STATUS, toJoseError } from './errors';

/** The paths whose failures JOSE answers: its API and the JWKS it publishes. */
export const isJosePath = (path: string) => path.startsWith('/v1/crypto') || path === '/.well-known/jwks.json';

/**
 * Every failure on a JOSE route as `{error, description}` with the vendor's status: the dialect's
 * own JoseError, a canonical KmsError from the core, and Fastify's refusal of a body.
 */
export const joseErrorCodec: DialectErrorCodec = {
  dialect: 'jose',
  owns: isJosePath,
  encode(exception): WireError {
    const err = toJoseError(exception);
    // A body too large stays a 413 (the status says why) under the vendor's bad_request code.
    const status = err.code === 'bad_request' && (exception as { statusCode?: number } | null)?.statusCode === 413 ? 413 : STATUS[err.code];
    return { status, body: { error: err.code, description: err.description }, internal: err.code === 'internal_error' };
  },
};
