import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { ECDH_CURVES } from './algorithms';
import { badRequest } from './errors';

/**
 * The `epk` header member of ECDH-ES (RFC 7518 §4.6.1.1) to and from the SPKI the core takes and
 * gives: format conversions only. The agreement and the Concat KDF are the core's
 * (KeyOperations.ecdhEsSend / ecdhEsReceive).
 */

/** The sender's ephemeral public key as the header's `epk`: kty, crv, x (and y on EC curves), in that order. */
export function epkFromSpki(spki: Buffer): JsonWebKey {
  const { kty, crv, x, y } = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

/** The header's `epk` as SPKI, refused unless it is a public key on the recipient's curve. */
export function epkToSpki(epk: unknown, spec: string): Buffer {
  const curve = ECDH_CURVES[spec];
  if (!epk || typeof epk !== 'object') throw badRequest('ECDH-ES needs an `epk` header member');
  const jwk = epk as Record<string, unknown>;
  if (jwk.kty !== curve.kty || jwk.crv !== curve.crv || 'd' in jwk) throw badRequest("The `epk` is not a public key on the recipient key's curve");
  try {
    return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JsonWebKey, format: 'jwk' }).export({ format: 'der', type: 'spki' });
  } catch {
    throw badRequest('The `epk` is not a valid public key');
  }
}
