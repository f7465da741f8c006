import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { ECDH_CURVES } from './algorithms';
import { badRequest } from './errors';

/**
 * ECDH-ES (RFC 7518 §4.6): an ephemeral key on the recipient's curve, Z from it, and the Concat KDF
 * of NIST SP 800-56A §5.8.1 with SHA-256. AlgorithmID is `enc` for direct agreement and `alg` when
 * the result is a key-wrapping key.
 */
export function concatKdf(z: Buffer, keyBits: number, algorithmId: string, apu: Buffer = Buffer.alloc(0), apv: Buffer = Buffer.alloc(0)): Buffer {
  const lenPrefixed = (b: Buffer) => Buffer.concat([u32(b.length), b]);
  const otherInfo = Buffer.concat([lenPrefixed(Buffer.from(algorithmId, 'ascii')), lenPrefixed(apu), lenPrefixed(apv), u32(keyBits)]);
  const rounds = Math.ceil(keyBits / 256);
  const out: Buffer[] = [];
  for (let i = 1; i <= rounds; i++) out.push(createHash('sha256').update(u32(i)).update(z).update(otherInfo).digest());
  return Buffer.concat(out).subarray(0, keyBits / 8);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A fresh ephemeral pair on the recipient's curve, and Z with the recipient's public key. */
export function ephemeralAgreement(spec: string, recipientSpki: Buffer): { z: Buffer; epk: JsonWebKey } {
  const curve = ECDH_CURVES[spec];
  const pair = curve.kty === 'OKP' ? generateKeyPairSync('x25519') : generateKeyPairSync('ec', { namedCurve: curve.node });
  const z = diffieHellman({ privateKey: pair.privateKey, publicKey: createPublicKey({ key: recipientSpki, format: 'der', type: 'spki' }) });
  const { kty, crv, x, y } = pair.publicKey.export({ format: 'jwk' });
  return { z, epk: y === undefined ? { kty, crv, x } : { kty, crv, x, y } };
}

/** The header's `epk` as SPKI, refused unless it is a public key on the recipient's curve. */
export function epkToSpki(epk: unknown, spec: string): Buffer {
  const curve = ECDH_CURVES[spec];
  if (!epk || typeof epk !== 'object') throw badRequest('ECDH-ES needs an `epk` header member');
  const jwk = epk as Record<string, unknown>;
  if (jwk.kty !== curve.kty || jwk.crv !== curve.crv || 'd' in jwk) throw badRequest('The `epk` is not a public key on the recipient key\'s curve');
  try {
    return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JsonWebKey, format: 'jwk' }).export({ format: 'der', type: 'spki' });
  } catch {
    throw badRequest('The `epk` is not a valid public key');
  }
}
