import { CURVES, specInfo, type Curve, type KeyRecord } from '@kms/core';
import { CRYPTOGRAPHIC_ALGORITHM, OBJECT_TYPE } from '../../ttlv';
import { KmipFailure } from '../operation';
import { kmipBag } from './bag';

/** KMIP object types the records of the core stand for. */
export type ObjectType = 'Symmetric Key' | 'Private Key' | 'Public Key' | 'Secret Data';

export function objectTypeOf(record: KeyRecord): ObjectType {
  if (kmipBag(record).objectType === 'Secret Data') return 'Secret Data';
  return record.keyClass === 'secret' ? 'Symmetric Key' : record.keyClass === 'private' ? 'Private Key' : 'Public Key';
}

/** Core key families by the KMIP algorithm names that stand for them. */
const FAMILY_ALGORITHM: Readonly<Record<string, string>> = {
  aes: 'AES',
  rsa: 'RSA',
  ec: 'EC',
  secret: 'HMAC-SHA256',
  chacha20: 'ChaCha20Poly1305',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
};

/** The Cryptographic Algorithm of a record (the one its creator named, for EC keys), if KMIP names its family. */
export function algorithmOf(record: KeyRecord): string | undefined {
  const chosen = kmipBag(record).algorithm;
  if (chosen) return chosen;
  return FAMILY_ALGORITHM[specInfo(record.spec).family];
}

/** EC curves by the Cryptographic Length a client gives them. */
const CURVE_BY_LENGTH: Readonly<Record<number, Curve>> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };

/** The core spec a Create or Create Key Pair asks for: (algorithm, length) by one table. */
export function specFor(algorithm: string, length: number | undefined, object: 'Symmetric Key' | 'Key Pair'): string {
  const need = (): number => {
    if (length === undefined) throw new KmipFailure('Invalid Field', 'Cryptographic Length is required');
    return length;
  };
  if (object === 'Symmetric Key') {
    if (algorithm === 'AES' && [128, 192, 256].includes(need())) return `aes-${length}`;
    // HMAC-SHA3-* (with the dash) is SHA-3; HMAC-SHA384 is SHA-2 and starts with "HMAC-SHA3" all the same.
    if (algorithm.startsWith('HMAC-SHA') && !algorithm.startsWith('HMAC-SHA3-') && need() % 8 === 0) return `secret-${length}`;
    throw new KmipFailure('Invalid Field', `a ${algorithm} symmetric key of ${length ?? '?'} bits is not served (AES 128/192/256, HMAC-SHA2)`);
  }
  if (algorithm === 'RSA' && [2048, 3072, 4096].includes(need())) return `rsa-${length}`;
  if (['EC', 'ECDSA', 'ECDH'].includes(algorithm)) {
    const curve = CURVE_BY_LENGTH[need()];
    if (curve) return CURVES[curve].spec;
  }
  throw new KmipFailure('Invalid Field', `a ${algorithm} key pair of ${length ?? '?'} bits is not served (RSA 2048/3072/4096, EC P-256/384/521)`);
}

export const algorithmName = (code: number): string => {
  const name = Object.entries(CRYPTOGRAPHIC_ALGORITHM).find(([, v]) => v === code)?.[0];
  if (name === undefined) throw new KmipFailure('Invalid Field', `Cryptographic Algorithm ${code} is unknown`);
  return name;
};

export const objectTypeName = (code: number): string => {
  const name = Object.entries(OBJECT_TYPE).find(([, v]) => v === code)?.[0];
  if (name === undefined) throw new KmipFailure('Invalid Field', `Object Type ${code} is unknown`);
  return name;
};
