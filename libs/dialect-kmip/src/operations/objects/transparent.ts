import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { CURVES, curveByNodeName, type Curve } from '@kms/core';
import { RECOMMENDED_CURVE, bigInteger, byteString, enumeration, structure, type Item } from '../../ttlv';
import { KmipFailure } from '../operation';
import { required } from '../payload';

/**
 * KMIP's Transparent key formats for RSA and EC keys: the key's numbers as Big Integers (RSA) or
 * the curve and the scalar / point (EC). They go through a JWK, which node:crypto reads and writes.
 */
const b64u = (n: bigint, size = 0): string => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (size > bytes.length ? Buffer.concat([Buffer.alloc(size - bytes.length), bytes]) : bytes).toString('base64url');
};
const big = (s: string | undefined): bigint => BigInt(`0x${Buffer.from(s ?? '', 'base64url').toString('hex') || '0'}`);

const RSA_PRIVATE: ReadonlyArray<[string, keyof JsonWebKey]> = [
  ['Modulus', 'n'],
  ['Private Exponent', 'd'],
  ['Public Exponent', 'e'],
  ['P', 'p'],
  ['Q', 'q'],
  ['Prime Exponent P', 'dp'],
  ['Prime Exponent Q', 'dq'],
  ['CRT Coefficient', 'qi'],
];
const RSA_PUBLIC = RSA_PRIVATE.filter(([name]) => name === 'Modulus' || name === 'Public Exponent');

function rsaJwk(m: Item, fields: ReadonlyArray<[string, keyof JsonWebKey]>): JsonWebKey {
  const jwk: JsonWebKey = { kty: 'RSA' };
  for (const [name, k] of fields) (jwk as Record<string, string>)[k] = b64u(required(m, name, 'BigInteger').value);
  return jwk;
}

const CURVE_OF_ENUM = new Map<number, Curve>((['P-256', 'P-384', 'P-521'] as const).map((c) => [RECOMMENDED_CURVE[c], c]));

function curveOf(material: Item): (typeof CURVES)[Curve] {
  const code = required(material, 'Recommended Curve', 'Enumeration').value;
  const curve = CURVE_OF_ENUM.get(code);
  if (!curve) throw new KmipFailure('Invalid Field', `Recommended Curve ${code} is not served (P-256, P-384, P-521)`);
  return CURVES[curve];
}

function parse(make: () => KeyObject, format: string): KeyObject {
  try {
    return make();
  } catch {
    throw new KmipFailure('Invalid Field', `the Key Material is not a valid ${format}`);
  }
}

/** Formats by name: how a Key Material structure becomes a key, and a key the structure. */
export const TRANSPARENT_PRIVATE: Readonly<Record<string, { read(m: Item): KeyObject; write(k: KeyObject): Item }>> = {
  'Transparent RSA Private Key': {
    read: (m) => parse(() => createPrivateKey({ key: rsaJwk(m, RSA_PRIVATE), format: 'jwk' }), 'Transparent RSA Private Key'),
    write: (k) => {
      const jwk = k.export({ format: 'jwk' });
      return structure(
        'Key Material',
        RSA_PRIVATE.map(([name, f]) => bigInteger(name, big(jwk[f] as string))),
      );
    },
  },
  ...Object.fromEntries(
    ['Transparent EC Private Key', 'Transparent ECDSA Private Key'].map((format) => [
      format,
      {
        read: (m: Item) => {
          const c = curveOf(m);
          const d = required(m, 'D', 'BigInteger').value;
          return parse(() => createPrivateKey({ key: ecPrivateDer(c, d), format: 'der', type: 'sec1' }), format);
        },
        write: (k: KeyObject) => {
          const jwk = k.export({ format: 'jwk' });
          return structure('Key Material', [enumeration('Recommended Curve', RECOMMENDED_CURVE[ecCurve(k)]), bigInteger('D', big(jwk.d))]);
        },
      },
    ]),
  ),
};

export const TRANSPARENT_PUBLIC: Readonly<Record<string, { read(m: Item): KeyObject; write(k: KeyObject): Item }>> = {
  'Transparent RSA Public Key': {
    read: (m) => parse(() => createPublicKey({ key: rsaJwk(m, RSA_PUBLIC), format: 'jwk' }), 'Transparent RSA Public Key'),
    write: (k) => {
      const jwk = k.export({ format: 'jwk' });
      return structure(
        'Key Material',
        RSA_PUBLIC.map(([name, f]) => bigInteger(name, big(jwk[f] as string))),
      );
    },
  },
  ...Object.fromEntries(
    ['Transparent EC Public Key', 'Transparent ECDSA Public Key'].map((format) => [
      format,
      {
        read: (m: Item) => {
          const c = curveOf(m);
          const q = required(m, 'Q String', 'ByteString').value;
          if (q.length !== 1 + 2 * c.size || q[0] !== 4) throw new KmipFailure('Invalid Field', 'Q String is an uncompressed point (04 || X || Y) on the curve');
          const x = q.subarray(1, 1 + c.size).toString('base64url');
          const y = q.subarray(1 + c.size).toString('base64url');
          return parse(() => createPublicKey({ key: { kty: 'EC', crv: c.curve, x, y }, format: 'jwk' }), format);
        },
        write: (k: KeyObject) => {
          const jwk = k.export({ format: 'jwk' });
          const q = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
          return structure('Key Material', [enumeration('Recommended Curve', RECOMMENDED_CURVE[ecCurve(k)]), byteString('Q String', q)]);
        },
      },
    ]),
  ),
};

function ecCurve(k: KeyObject): Curve {
  const c = curveByNodeName(k.asymmetricKeyDetails?.namedCurve);
  if (!c || RECOMMENDED_CURVE[c.curve] === undefined) throw new KmipFailure('Key Format Type Not Supported', 'a Transparent EC key is served for P-256, P-384 and P-521');
  return c.curve;
}

/** SEC 1 ECPrivateKey of a scalar, without the optional public key: OpenSSL computes the point on import. */
function ecPrivateDer(c: (typeof CURVES)[Curve], d: bigint): Buffer {
  const scalar = Buffer.from(b64u(d, c.size), 'base64url');
  const tlv = (tag: number, body: Buffer): Buffer => {
    const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
  };
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([1])), tlv(0x04, scalar), tlv(0xa0, c.params)]));
}

export const isTransparent = (format: string): boolean => format.startsWith('Transparent') && format !== 'Transparent Symmetric Key';
