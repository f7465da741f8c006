import type { KeyFamily } from './specs';

/**
 * Canonical operation parameters. Dialects translate their names into these; backends implement
 * them. Anything a dialect can say must be expressible here, and nothing here is dialect-shaped.
 */
export type HashAlg = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512' | 'SM3';

/** Digest sizes in bytes, and the names node:crypto knows them by. */
export const HASHES: Record<HashAlg, { size: number; node: string }> = {
  'SHA-1': { size: 20, node: 'sha1' },
  'SHA-224': { size: 28, node: 'sha224' },
  'SHA-256': { size: 32, node: 'sha256' },
  'SHA-384': { size: 48, node: 'sha384' },
  'SHA-512': { size: 64, node: 'sha512' },
  'SHA3-256': { size: 32, node: 'sha3-256' },
  'SHA3-384': { size: 48, node: 'sha3-384' },
  'SHA3-512': { size: 64, node: 'sha3-512' },
  SM3: { size: 32, node: 'sm3' },
};

/**
 * AES-CBC (PKCS#7 padding) and AES-ECB (no padding: whole blocks only) are unauthenticated: they
 * return an empty tag. They exist for dialects whose wire API offers them (Encedo HEM).
 * CHACHA20-POLY1305 is RFC 8439's AEAD: 96-bit nonce, 16-byte tag.
 */
export type CipherAlg = 'AES-GCM' | 'AES-CBC-HMAC-SHA2' | 'SM4-CBC' | 'SM4-CTR' | 'AES-CBC' | 'AES-ECB' | 'CHACHA20-POLY1305';

/**
 * Encryption under a subkey derived per context instead of the key itself (see crypto/subkeys.ts):
 * subkey = HKDF-SHA256(ikm = key, salt = empty, info = context, length = key length). `convergent`
 * also makes the nonce deterministic, so equal (context, AAD, plaintext) give equal ciphertexts:
 * nonce = HMAC-SHA256(subkey, AAD length (8 bytes, big-endian) || AAD || plaintext)[0..12).
 * Only for the AEAD modes with a 96-bit nonce (AES-GCM, CHACHA20-POLY1305).
 */
export type SubkeyEncryption = { mode: 'derived'; context: Buffer } | { mode: 'convergent'; context: Buffer };
/** Decryption needs only the context: a convergent nonce travels with the ciphertext like any other. */
export interface SubkeyDecryption {
  context: Buffer;
}

export interface EncryptParams {
  alg: CipherAlg;
  plaintext: Buffer;
  /** Authenticated, not encrypted (AES-GCM, AES-CBC-HMAC, ChaCha20-Poly1305); SM4 modes ignore it. */
  aad?: Buffer;
  /** Caller-chosen IV, for known-answer tests and JOSE interop; a fresh random one otherwise (never with `convergent`). */
  iv?: Buffer;
  /** Encrypt under a per-context subkey; absent: under the key itself. */
  derive?: SubkeyEncryption;
}
export interface EncryptResult {
  ciphertext: Buffer;
  iv: Buffer;
  /** Empty for the unauthenticated SM4 modes. */
  tag: Buffer;
}
export interface DecryptParams {
  alg: CipherAlg;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  aad?: Buffer;
  /** Decrypt under the subkey of this context (the one the encryption named). */
  derive?: SubkeyDecryption;
}

export type AsymScheme = 'RSA-OAEP' | 'RSA-PKCS1' | 'SM2';
export interface AsymParams {
  scheme: AsymScheme;
  /** OAEP hash (MGF1 uses the same); ignored otherwise. */
  hash?: HashAlg;
}

export type SignScheme = 'RSA-PKCS1' | 'RSA-PSS' | 'ECDSA' | 'SM2' | 'EdDSA' | 'ML-DSA';
export interface SignParams {
  scheme: SignScheme;
  /** Required by RSA, ECDSA; SM2 uses SM3; EdDSA and ML-DSA take the message whole. */
  hash?: HashAlg;
  /** The input is already the digest (RSA, ECDSA, SM2 e-value), not the message. */
  prehashed?: boolean;
  /** PSS salt length in bytes; defaults to the digest size. */
  saltLength?: number;
  /** ECDSA and SM2 signature encoding: DER (X9.62) or raw r||s (JOSE). Default DER. */
  encoding?: 'der' | 'raw';
  /** SM2 distinguishing identifier; default "1234567812345678". */
  sm2Id?: Buffer;
  /** EdDSA context (RFC 8032: Ed25519ctx, Ed25519ph, Ed448, Ed448ph), at most 255 bytes. */
  context?: Buffer;
  /** EdDSA pre-hash variant (Ed25519ph, Ed448ph): the message is hashed (SHA-512 / SHAKE256) inside. */
  variant?: 'ph';
}

export type WrapAlg = 'AES-KW' | 'AES-KWP';

/**
 * Which key an HMAC is keyed with: the key itself (an HMAC key, family `secret`), or the HMAC
 * subkey every AES and ChaCha20 key version has (HKDF-SHA256 of the key with the fixed info
 * HMAC_SUBKEY_INFO, 32 bytes; see crypto/subkeys.ts), for APIs that MAC with any key.
 */
export type MacKeyChoice = 'key' | 'hmac-subkey';

/** Which schemes fit which key family: checked once in the core, before any backend is called. */
export const SIGN_SCHEMES: Partial<Record<KeyFamily, readonly SignScheme[]>> = {
  rsa: ['RSA-PKCS1', 'RSA-PSS'],
  ec: ['ECDSA'],
  sm2: ['SM2'],
  ed25519: ['EdDSA'],
  ed448: ['EdDSA'],
  'ml-dsa': ['ML-DSA'],
};
export const ASYM_SCHEMES: Partial<Record<KeyFamily, readonly AsymScheme[]>> = {
  rsa: ['RSA-OAEP', 'RSA-PKCS1'],
  sm2: ['SM2'],
};
export const CIPHER_ALGS: Partial<Record<KeyFamily, readonly CipherAlg[]>> = {
  aes: ['AES-GCM', 'AES-CBC-HMAC-SHA2', 'AES-CBC', 'AES-ECB'],
  sm4: ['SM4-CBC', 'SM4-CTR'],
  secret: ['AES-CBC-HMAC-SHA2'],
  chacha20: ['CHACHA20-POLY1305'],
};
/** The AEAD modes with a 96-bit nonce: the ones per-context subkeys and convergent nonces are for. */
export const SUBKEY_CIPHERS: readonly CipherAlg[] = ['AES-GCM', 'CHACHA20-POLY1305'];
/** Which families MAC with which key (the `mac` usage is needed either way). */
export const MAC_KEY_FAMILIES: Record<MacKeyChoice, readonly KeyFamily[]> = {
  key: ['secret'],
  'hmac-subkey': ['aes', 'chacha20'],
};
export const MAC_HASHES: readonly HashAlg[] = ['SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'SM3'];
