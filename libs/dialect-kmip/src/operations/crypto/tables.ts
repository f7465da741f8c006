import type { CipherAlg, HashAlg, SignScheme } from '@kms/core';

/** KMIP Hashing Algorithm names the core hashes with (MD2, MD5, RIPEMD-160, SHA-512/t... are not). */
export const HASH: Readonly<Record<string, HashAlg>> = {
  'SHA-1': 'SHA-1',
  'SHA-224': 'SHA-224',
  'SHA-256': 'SHA-256',
  'SHA-384': 'SHA-384',
  'SHA-512': 'SHA-512',
  'SHA3-256': 'SHA3-256',
  'SHA3-384': 'SHA3-384',
  'SHA3-512': 'SHA3-512',
};

/** The core's key families the crypto operations serve, by the Cryptographic Algorithm names a request may give for them. */
export const KEY_ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  aes: ['AES'],
  rsa: ['RSA'],
  ec: ['ECDSA', 'EC'],
  secret: ['HMAC-SHA1', 'HMAC-SHA224', 'HMAC-SHA256', 'HMAC-SHA384', 'HMAC-SHA512', 'HMAC-SHA3-256', 'HMAC-SHA3-384', 'HMAC-SHA3-512'],
};

/** The hash an HMAC Cryptographic Algorithm names. */
export const HMAC_HASH: Readonly<Record<string, HashAlg>> = {
  'HMAC-SHA1': 'SHA-1',
  'HMAC-SHA224': 'SHA-224',
  'HMAC-SHA256': 'SHA-256',
  'HMAC-SHA384': 'SHA-384',
  'HMAC-SHA512': 'SHA-512',
  'HMAC-SHA3-256': 'SHA3-256',
  'HMAC-SHA3-384': 'SHA3-384',
  'HMAC-SHA3-512': 'SHA3-512',
};

/**
 * AES modes by Block Cipher Mode: the core's cipher, the Padding Methods it takes (the first is
 * the default when a request names none), the IV lengths in bytes (none: the mode takes no IV),
 * and whether it carries an Authenticated Encryption Tag. PKCS5 is KMIP's name for PKCS#7
 * padding on 16-byte blocks; CBC without padding and ECB with padding are not in the core.
 */
export interface SymmetricMode {
  alg: CipherAlg;
  paddings: readonly string[];
  ivBytes: readonly number[];
  authenticated: boolean;
}
export const SYMMETRIC_MODES: Readonly<Record<string, SymmetricMode>> = {
  CBC: { alg: 'AES-CBC', paddings: ['PKCS5'], ivBytes: [16], authenticated: false },
  ECB: { alg: 'AES-ECB', paddings: ['None'], ivBytes: [], authenticated: false },
  GCM: { alg: 'AES-GCM', paddings: ['None'], ivBytes: [12, 16], authenticated: true },
};
/** The one GCM tag length the core makes and checks, in bytes. */
export const GCM_TAG_BYTES = 16;

/** RSA encryption by Padding Method: the core's scheme. */
export const RSA_PADDINGS: Readonly<Record<string, 'RSA-OAEP' | 'RSA-PKCS1'>> = {
  OAEP: 'RSA-OAEP',
  'PKCS1 v1.5': 'RSA-PKCS1',
};

/** Digital Signature Algorithms: the scheme and hash each names (RSASSA-PSS takes its hash from Hashing Algorithm). */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, { family: string; scheme: SignScheme; hash?: HashAlg }>> = {
  'SHA-1 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA-1' },
  'SHA-224 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA-224' },
  'SHA-256 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA-256' },
  'SHA-384 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA-384' },
  'SHA-512 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA-512' },
  'SHA3-256 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA3-256' },
  'SHA3-384 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA3-384' },
  'SHA3-512 with RSA Encryption': { family: 'rsa', scheme: 'RSA-PKCS1', hash: 'SHA3-512' },
  'RSASSA-PSS': { family: 'rsa', scheme: 'RSA-PSS' },
  'ECDSA with SHA-1': { family: 'ec', scheme: 'ECDSA', hash: 'SHA-1' },
  'ECDSA with SHA224': { family: 'ec', scheme: 'ECDSA', hash: 'SHA-224' },
  'ECDSA with SHA256': { family: 'ec', scheme: 'ECDSA', hash: 'SHA-256' },
  'ECDSA with SHA384': { family: 'ec', scheme: 'ECDSA', hash: 'SHA-384' },
  'ECDSA with SHA512': { family: 'ec', scheme: 'ECDSA', hash: 'SHA-512' },
};

/** RSA signatures by Padding Method, when a request names no Digital Signature Algorithm. */
export const RSA_SIGNATURE_PADDINGS: Readonly<Record<string, SignScheme>> = {
  'PKCS1 v1.5': 'RSA-PKCS1',
  PSS: 'RSA-PSS',
};
