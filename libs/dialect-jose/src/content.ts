import { aesGcmDecrypt, aesGcmEncrypt, cbcHmacDecrypt, cbcHmacEncrypt, randomIv } from '@kms/core';
import type { JweEnc } from './algorithms';

/**
 * Content encryption under a one-time CEK (RSA, AES-KW and ECDH-ES paths). The CEK exists only for
 * this request; stored keys go through the core instead (the `dir` path).
 */
export function encryptContent(enc: JweEnc, cek: Buffer, plaintext: Buffer, aad: Buffer) {
  const iv = randomIv(enc.ivBytes);
  const out = enc.core === 'AES-GCM' ? aesGcmEncrypt(cek, iv, plaintext, aad) : cbcHmacEncrypt(cek, iv, plaintext, aad);
  return { iv, ...out };
}

export function decryptContent(enc: JweEnc, cek: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  return enc.core === 'AES-GCM' ? aesGcmDecrypt(cek, iv, ciphertext, tag, aad) : cbcHmacDecrypt(cek, iv, ciphertext, tag, aad);
}

/** RFC 7516 §5.1 step 14: ASCII(protected) or ASCII(protected || '.' || aad), strings as sent. */
export const jweAad = (protectedB64: string, aadB64?: string) => Buffer.from(aadB64 === undefined ? protectedB64 : `${protectedB64}.${aadB64}`, 'ascii');
