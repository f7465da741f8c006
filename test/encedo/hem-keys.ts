import { ECDH, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** HEM key material for the tests, computed with node:crypto only (independent of the gateway). */
export const SECP: Record<string, { node: string; jwk: string; size: number }> = {
  SECP256R1: { node: 'prime256v1', jwk: 'P-256', size: 32 },
  SECP384R1: { node: 'secp384r1', jwk: 'P-384', size: 48 },
  SECP521R1: { node: 'secp521r1', jwk: 'P-521', size: 66 },
  SECP256K1: { node: 'secp256k1', jwk: 'secp256k1', size: 32 },
};

/** HEM pubkey (compressed X9.63 / raw) → node KeyObject. */
export function nodePublic(type: string, pub: Buffer): KeyObject {
  const c = SECP[type];
  if (c) {
    const point = ECDH.convertKey(pub, c.node, undefined, undefined, 'uncompressed') as Buffer;
    return createPublicKey({
      key: { kty: 'EC', crv: c.jwk, x: point.subarray(1, 1 + c.size).toString('base64url'), y: point.subarray(1 + c.size).toString('base64url') },
      format: 'jwk',
    });
  }
  const crv = { CURVE25519: 'X25519', CURVE448: 'X448', ED25519: 'Ed25519', ED448: 'Ed448' }[type]!;
  return createPublicKey({ key: { kty: 'OKP', crv, x: pub.toString('base64url') }, format: 'jwk' });
}

/** A local ECDH key pair of a HEM type and its HEM pubkey. */
export function localPair(type: string): { priv: KeyObject; hemPub: Buffer } {
  const c = SECP[type];
  const { privateKey, publicKey } = c ? generateKeyPairSync('ec', { namedCurve: c.node }) : type === 'CURVE25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
  const jwk = publicKey.export({ format: 'jwk' });
  if (!c) return { priv: privateKey, hemPub: Buffer.from(jwk.x!, 'base64url') };
  const uncompressed = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return { priv: privateKey, hemPub: ECDH.convertKey(uncompressed, c.node, undefined, undefined, 'compressed') as Buffer };
}
