import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Subkeys of a symmetric key version, for APIs that encrypt per context (a subkey per tenant,
 * user or record) or MAC with any key. Each is a pure function of the version's key bytes, so an
 * engine that holds those bytes computes them when used and keeps nothing; an engine that does
 * not (a token) cannot offer them without letting the subkey leave it.
 */

/** The longest context accepted: node's HKDF takes at most 1024 bytes of info. */
export const MAX_SUBKEY_CONTEXT = 1024;

/**
 * The HKDF info of the HMAC subkey (MacKeyChoice 'hmac-subkey'). Fixed and documented, so that a
 * holder of an exported key can recompute it. A caller context equal to it is refused, so that no
 * encryption subkey is ever the HMAC subkey.
 */
export const HMAC_SUBKEY_INFO = Buffer.from('kms-gateway/hmac-subkey/v1');
export const HMAC_SUBKEY_BYTES = 32;

/** HKDF-SHA256 (RFC 5869) with an empty salt: subkey = HKDF(ikm = key, info = context, L = key length). */
export function deriveSubkey(key: Buffer, context: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), context, key.length));
}

/** The key version's HMAC subkey: HKDF-SHA256(ikm = key, salt = empty, info = HMAC_SUBKEY_INFO, L = 32). */
export function hmacSubkey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), HMAC_SUBKEY_INFO, HMAC_SUBKEY_BYTES));
}

/**
 * The deterministic 96-bit nonce of convergent encryption: the first 12 bytes of
 * HMAC-SHA256(subkey, u64be(AAD length) || AAD || plaintext). The AAD is in it on purpose: one
 * nonce used with one key for two AADs would, under GCM, give away the authentication key; the
 * length prefix keeps (AAD, plaintext) pairs that concatenate alike apart.
 */
export function convergentNonce(subkey: Buffer, aad: Buffer | undefined, plaintext: Buffer): Buffer {
  const a = aad ?? Buffer.alloc(0);
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(a.length));
  return createHmac('sha256', subkey).update(length).update(a).update(plaintext).digest().subarray(0, 12);
}
