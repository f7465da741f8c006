import type { CipherAlg, HashAlg, KeyFamily, SignParams, Curve } from '@kms/core';

/**
 * The JOSE algorithm names and what each means for the canonical core (RFC 7518). One table per
 * role; a name absent from every table is unknown (400 in a body, 422 in a protected header).
 */
export interface JwsAlg {
  family: KeyFamily;
  curve?: Curve;
  /** When the family holds several specs and the algorithm fits only one (ML-DSA-44 of ML-DSA). */
  spec?: string;
  params: SignParams;
}

const hashOf = (bits: string) => `SHA-${bits}` as HashAlg;

/**
 * A table indexed by names that clients send, without a prototype: on an ordinary object, `in`
 * and `[]` also find `constructor`, `toString` or `__proto__`, which then pass for an algorithm
 * and fail deep inside an operation (a 500) or answer nonsense. Every table below is one.
 */
export const byName = <T>(entries: Record<string, T>): Readonly<Record<string, T>> => Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));

export const JWS = byName<JwsAlg>({
  ...Object.fromEntries(
    ['256', '384', '512'].flatMap((b): [string, JwsAlg][] => [
      [`RS${b}`, { family: 'rsa', params: { scheme: 'RSA-PKCS1', hash: hashOf(b) } }],
      [`PS${b}`, { family: 'rsa', params: { scheme: 'RSA-PSS', hash: hashOf(b), saltLength: Number(b) / 8 } }],
    ]),
  ),
  ES256: { family: 'ec', curve: 'P-256', params: { scheme: 'ECDSA', hash: 'SHA-256', encoding: 'raw' } },
  ES384: { family: 'ec', curve: 'P-384', params: { scheme: 'ECDSA', hash: 'SHA-384', encoding: 'raw' } },
  ES512: { family: 'ec', curve: 'P-521', params: { scheme: 'ECDSA', hash: 'SHA-512', encoding: 'raw' } },
  EdDSA: { family: 'ed25519', params: { scheme: 'EdDSA' } },
  MLDSA44: { family: 'ml-dsa', spec: 'ml-dsa-44', params: { scheme: 'ML-DSA' } },
});

/** Raw R||S sizes per coordinate: the vendor answers an odd-length ES* signature as malformed. */
export const ES_COORD = byName<number>({ ES256: 32, ES384: 48, ES512: 66 });

export const HMAC = byName<{ hash: HashAlg; minKeyBytes: number }>({
  HS256: { hash: 'SHA-256', minKeyBytes: 32 },
  HS384: { hash: 'SHA-384', minKeyBytes: 48 },
  HS512: { hash: 'SHA-512', minKeyBytes: 64 },
});

/** Key management algorithms (`alg` of a JWE). Entries marked `beyond` are not in the vendor's API. */
export type JweAlg =
  | { kind: 'dir' }
  | { kind: 'rsa'; scheme: 'RSA-OAEP' | 'RSA-PKCS1'; hash?: HashAlg; beyond?: true }
  | { kind: 'kw'; kekBytes: number; beyond: true }
  | { kind: 'ecdh'; kwBytes?: number; beyond: true };

export const JWE_ALG = byName<JweAlg>({
  dir: { kind: 'dir' },
  'RSA-OAEP': { kind: 'rsa', scheme: 'RSA-OAEP', hash: 'SHA-1' },
  'RSA-OAEP-256': { kind: 'rsa', scheme: 'RSA-OAEP', hash: 'SHA-256' },
  RSA1_5: { kind: 'rsa', scheme: 'RSA-PKCS1', beyond: true },
  A128KW: { kind: 'kw', kekBytes: 16, beyond: true },
  A192KW: { kind: 'kw', kekBytes: 24, beyond: true },
  A256KW: { kind: 'kw', kekBytes: 32, beyond: true },
  'ECDH-ES': { kind: 'ecdh', beyond: true },
  'ECDH-ES+A128KW': { kind: 'ecdh', kwBytes: 16, beyond: true },
  'ECDH-ES+A192KW': { kind: 'ecdh', kwBytes: 24, beyond: true },
  'ECDH-ES+A256KW': { kind: 'ecdh', kwBytes: 32, beyond: true },
});

/** Content encryption (`enc`). CBC-HMAC is beyond the vendor. */
export interface JweEnc {
  core: CipherAlg;
  keyBytes: number;
  ivBytes: number;
  tagBytes: number;
}
export const JWE_ENC = byName<JweEnc>({
  A128GCM: { core: 'AES-GCM', keyBytes: 16, ivBytes: 12, tagBytes: 16 },
  A192GCM: { core: 'AES-GCM', keyBytes: 24, ivBytes: 12, tagBytes: 16 },
  A256GCM: { core: 'AES-GCM', keyBytes: 32, ivBytes: 12, tagBytes: 16 },
  'A128CBC-HS256': { core: 'AES-CBC-HMAC-SHA2', keyBytes: 32, ivBytes: 16, tagBytes: 16 },
  'A192CBC-HS384': { core: 'AES-CBC-HMAC-SHA2', keyBytes: 48, ivBytes: 16, tagBytes: 24 },
  'A256CBC-HS512': { core: 'AES-CBC-HMAC-SHA2', keyBytes: 64, ivBytes: 16, tagBytes: 32 },
});

/** Every `alg` name the API knows; anything else in a request body is a 400. */
export const isKnownAlg = (alg: string) => alg in JWS || alg in HMAC || alg in JWE_ALG;

/** Curves of ECDH-ES recipients, by canonical spec. */
export const ECDH_CURVES = byName<{ crv: string; kty: 'EC' | 'OKP' }>({
  'ec-p256': { crv: 'P-256', kty: 'EC' },
  'ec-p384': { crv: 'P-384', kty: 'EC' },
  'ec-p521': { crv: 'P-521', kty: 'EC' },
  'okp-x25519': { crv: 'X25519', kty: 'OKP' },
});
