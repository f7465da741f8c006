import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual, type CipherGCMTypes } from 'node:crypto';
import { cryptoFailure } from '../errors';

/** Cipher names by key length, not built per call (the hot path encrypts with these). */
const GCM: Record<number, CipherGCMTypes> = { 16: 'aes-128-gcm', 24: 'aes-192-gcm', 32: 'aes-256-gcm' };
const gcmName = (key: Buffer) => GCM[key.length] ?? (`aes-${key.length * 8}-gcm` as CipherGCMTypes);

/**
 * Content-encryption primitives on raw keys. Backends use them on stored keys; dialects use them
 * on transient keys that never enter the store (a JWE's one-time CEK). Every authentication
 * failure is the same CRYPTO_FAILURE, whichever check failed.
 */
export function aesGcmEncrypt(key: Buffer, iv: Buffer, plaintext: Buffer, aad?: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv(gcmName(key), key, iv, { authTagLength: 16 });
  if (aad?.length) c.setAAD(aad);
  const head = c.update(plaintext);
  // GCM is a stream mode: final() adds nothing, so the update output is the ciphertext (no copy).
  const rest = c.final();
  return { ciphertext: rest.length ? Buffer.concat([head, rest]) : head, tag: c.getAuthTag() };
}

export function aesGcmDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad?: Buffer): Buffer {
  if (tag.length !== 16) throw cryptoFailure('decryption failed');
  try {
    const d = createDecipheriv(gcmName(key), key, iv, { authTagLength: 16 });
    if (aad?.length) d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw cryptoFailure('decryption failed');
  }
}

/** RFC 8439 ChaCha20-Poly1305: 256-bit key, 96-bit nonce, 16-byte tag. */
export function chacha20Poly1305Encrypt(key: Buffer, nonce: Buffer, plaintext: Buffer, aad?: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  if (aad?.length) c.setAAD(aad, { plaintextLength: plaintext.length });
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext, tag: c.getAuthTag() };
}

/** The tag length is checked here: node would take a shorter ChaCha20-Poly1305 tag. */
export function chacha20Poly1305Decrypt(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad?: Buffer): Buffer {
  if (tag.length !== 16 || nonce.length !== 12) throw cryptoFailure('decryption failed');
  try {
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    if (aad?.length) d.setAAD(aad, { plaintextLength: ciphertext.length });
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw cryptoFailure('decryption failed');
  }
}

/** RFC 7518 §5.2: the composite key size picks the AES key size and the HMAC. */
const CBC_HMAC: Record<number, { cipher: string; hash: string; tag: number }> = {
  32: { cipher: 'aes-128-cbc', hash: 'sha256', tag: 16 },
  48: { cipher: 'aes-192-cbc', hash: 'sha384', tag: 24 },
  64: { cipher: 'aes-256-cbc', hash: 'sha512', tag: 32 },
};

export const cbcHmacTagLength = (keyBytes: number) => CBC_HMAC[keyBytes]?.tag;

/** HMAC over AAD || IV || ciphertext || AL (AAD length in bits, 64-bit big-endian). */
function cbcHmacTag(hash: string, macKey: Buffer, aad: Buffer, iv: Buffer, ct: Buffer, tagLen: number): Buffer {
  const al = Buffer.alloc(8);
  al.writeBigUInt64BE(BigInt(aad.length) * 8n);
  return createHmac(hash, macKey).update(aad).update(iv).update(ct).update(al).digest().subarray(0, tagLen);
}

export function cbcHmacEncrypt(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer = Buffer.alloc(0)): { ciphertext: Buffer; tag: Buffer } {
  const p = CBC_HMAC[key.length];
  if (!p) throw cryptoFailure('AES-CBC-HMAC-SHA2 needs a 32, 48 or 64-byte key');
  const half = key.length / 2;
  const c = createCipheriv(p.cipher, key.subarray(half), iv);
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext, tag: cbcHmacTag(p.hash, key.subarray(0, half), aad, iv, ciphertext, p.tag) };
}

/** The tag is checked (in constant time) before anything is decrypted. */
export function cbcHmacDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer = Buffer.alloc(0)): Buffer {
  const p = CBC_HMAC[key.length];
  if (!p || iv.length !== 16) throw cryptoFailure('decryption failed');
  const half = key.length / 2;
  const expected = cbcHmacTag(p.hash, key.subarray(0, half), aad, iv, ciphertext, p.tag);
  if (tag.length !== p.tag || !timingSafeEqual(expected, tag)) throw cryptoFailure('decryption failed');
  try {
    const d = createDecipheriv(p.cipher, key.subarray(half), iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw cryptoFailure('decryption failed');
  }
}

const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KWP_IV = Buffer.from('a65959a6', 'hex');

/** RFC 3394 (AES-KW) and RFC 5649 (AES-KWP) with the default initial values. */
export function aesKeyWrap(kek: Buffer, data: Buffer, padded = false): Buffer {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap${padded ? '-pad' : ''}`, kek, padded ? KWP_IV : KW_IV);
  return Buffer.concat([c.update(data), c.final()]);
}

export function aesKeyUnwrap(kek: Buffer, data: Buffer, padded = false): Buffer {
  try {
    const d = createDecipheriv(`id-aes${kek.length * 8}-wrap${padded ? '-pad' : ''}`, kek, padded ? KWP_IV : KW_IV);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw cryptoFailure('unwrap failed');
  }
}

/** AES-CBC with PKCS#7 padding (unauthenticated; for dialects whose API offers it, e.g. Encedo). */
export function aesCbcEncrypt(key: Buffer, iv: Buffer, plaintext: Buffer): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
  return Buffer.concat([c.update(plaintext), c.final()]);
}

/** A bad padding is the same CRYPTO_FAILURE as any other failure. */
export function aesCbcDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  try {
    const d = createDecipheriv(`aes-${key.length * 8}-cbc`, key, iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw cryptoFailure('decryption failed');
  }
}

/** AES-ECB on whole blocks, no padding: the caller checks the length (16-byte multiple). */
export function aesEcb(key: Buffer, data: Buffer, dir: 'encrypt' | 'decrypt'): Buffer {
  const c = dir === 'encrypt' ? createCipheriv(`aes-${key.length * 8}-ecb`, key, null) : createDecipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  try {
    return Buffer.concat([c.update(data), c.final()]);
  } catch {
    throw cryptoFailure('the data is not a whole number of blocks');
  }
}
