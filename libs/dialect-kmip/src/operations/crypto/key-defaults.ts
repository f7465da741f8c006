import type { HashAlg, SpecInfo } from '@kms/core';

/**
 * What this server uses for the members a request's Cryptographic Parameters leave out (or all of
 * them, when the request has none). KMIP 1.4 lets the server take them from the key's
 * Cryptographic Parameters attribute; keys made through the other dialects have none, so these
 * defaults are the server's, per key family, and docs/kmip.md lists them:
 * - AES: CBC with PKCS5 padding (what KMIP clients most often mean; the IV is made and returned);
 * - RSA encryption: OAEP with SHA-1 for the hash and MGF1 (PKCS#1's own defaults);
 * - RSA signatures: PKCS#1 v1.5 with SHA-256; PSS salt: the digest's length;
 * - ECDSA: the hash of the curve's strength (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512);
 * - HMAC: the hash of the HMAC algorithm the key was made or registered with over KMIP, else SHA-256.
 */
export const DEFAULT_AES_MODE = 'CBC';
export const DEFAULT_RSA_ENCRYPTION = { padding: 'OAEP', hash: 'SHA-1' as HashAlg };
export const DEFAULT_RSA_SIGNATURE = { padding: 'PKCS1 v1.5', hash: 'SHA-256' as HashAlg };
export const DEFAULT_MAC_HASH: HashAlg = 'SHA-256';

export function defaultEcdsaHash(info: SpecInfo): HashAlg {
  if (info.bits <= 256) return 'SHA-256';
  return info.bits <= 384 ? 'SHA-384' : 'SHA-512';
}
