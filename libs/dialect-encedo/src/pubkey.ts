import { ECDH, createPublicKey } from 'node:crypto';
import { OKP_CURVES, curveByNodeName, type CurveInfo } from '@kms/core';
import { hem } from './hem-error';
import type { HemTypeInfo } from './key-types';

/**
 * HEM `pubkey` formats (notes §3): SECP keys as compressed X9.63 points, everything else as the
 * raw public key. The core speaks SPKI; these convert both ways.
 */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes = n < 0x100 ? Buffer.of(n) : Buffer.of(n >> 8, n & 0xff);
  return Buffer.concat([Buffer.of(0x80 | bytes.length), bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.of(tag), derLength(body.length), body]);

/** The core's facts of a SECP type's curve (HEM types name curves by their node name). */
function secpCurve(t: HemTypeInfo): CurveInfo {
  const curve = curveByNodeName(t.curve);
  if (!curve) throw new Error(`HEM type ${t.type} names no known curve`);
  return curve;
}

/** Raw public keys: length, and the SPKI AlgorithmIdentifier (RFC 8410 curves from the core's table; FIPS 203/204 OIDs). */
const RAW: Record<string, { len: number; algId: string }> = {
  ...Object.fromEntries(Object.values(OKP_CURVES).map((c) => [`okp-${c.family}`, { len: c.size, algId: tlv(0x30, c.params).toString('hex') }])),
  'ml-dsa-44': { len: 1312, algId: '300b0609608648016503040311' },
  'ml-dsa-65': { len: 1952, algId: '300b0609608648016503040312' },
  'ml-dsa-87': { len: 2592, algId: '300b0609608648016503040313' },
  'ml-kem-512': { len: 800, algId: '300b0609608648016503040401' },
  'ml-kem-768': { len: 1184, algId: '300b0609608648016503040402' },
  'ml-kem-1024': { len: 1568, algId: '300b0609608648016503040403' },
};

/** HEM `pubkey` bytes of a key of type `t` → SPKI DER; a key that does not fit is a 400. */
export function spkiFromHem(t: HemTypeInfo, bytes: Buffer): Buffer {
  if (t.kind === 'secp') {
    const { node: curve, size, jwkCrv } = secpCurve(t);
    if (bytes.length !== size + 1 && bytes.length !== 2 * size + 1) throw hem(400, 'pubkey length');
    let point: Buffer;
    try {
      point = ECDH.convertKey(bytes, curve, undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      throw hem(400, 'pubkey is not a point of the curve');
    }
    const jwk = { kty: 'EC', crv: jwkCrv ?? undefined, x: point.subarray(1, 1 + size).toString('base64url'), y: point.subarray(1 + size).toString('base64url') };
    return createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'der', type: 'spki' });
  }
  const raw = RAW[t.spec];
  if (!raw) throw hem(406, 'no public key for this type');
  if (bytes.length !== raw.len) throw hem(400, 'pubkey length');
  return tlv(0x30, Buffer.concat([Buffer.from(raw.algId, 'hex'), tlv(0x03, Buffer.concat([Buffer.of(0), bytes]))]));
}

/** SPKI DER → the HEM `pubkey` bytes. */
export function hemFromSpki(t: HemTypeInfo, spki: Buffer): Buffer {
  if (t.kind === 'secp') {
    const { node, size } = secpCurve(t);
    return ECDH.convertKey(spki.subarray(spki.length - (2 * size + 1)), node, undefined, undefined, 'compressed') as Buffer;
  }
  const raw = RAW[t.spec];
  return spki.subarray(spki.length - raw.len);
}
