import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesEcb,
  aesGcmDecrypt,
  aesGcmEncrypt,
  cbcHmacDecrypt,
  cbcHmacEncrypt,
  chacha20Poly1305Decrypt,
  chacha20Poly1305Encrypt,
  cryptoFailure,
  randomIv,
  type CipherAlg,
  type DecryptParams,
  type EncryptParams,
  type EncryptResult,
} from '@kms/core';

/**
 * The software engine's symmetric ciphers on raw key bytes (the key itself or a subkey of it), one
 * row per canonical algorithm: encryption picks a fresh IV of the mode's size unless one is given.
 */
interface CipherRow {
  encrypt(key: Buffer, p: EncryptParams): EncryptResult;
  decrypt(key: Buffer, p: DecryptParams): Buffer;
}

const NO_TAG = Buffer.alloc(0);

const sm4: CipherRow = {
  encrypt: (key, p) => {
    const iv = p.iv ?? randomIv(16);
    const c = createCipheriv(p.alg.toLowerCase(), key, iv);
    return { ciphertext: Buffer.concat([c.update(p.plaintext), c.final()]), iv, tag: NO_TAG };
  },
  decrypt: (key, p) => {
    try {
      const d = createDecipheriv(p.alg.toLowerCase(), key, p.iv);
      return Buffer.concat([d.update(p.ciphertext), d.final()]);
    } catch {
      throw cryptoFailure('decryption failed');
    }
  },
};

const CIPHERS: Record<CipherAlg, CipherRow> = {
  'AES-GCM': {
    encrypt: (key, p) => {
      const iv = p.iv ?? randomIv(12);
      return { iv, ...aesGcmEncrypt(key, iv, p.plaintext, p.aad) };
    },
    decrypt: (key, p) => aesGcmDecrypt(key, p.iv, p.ciphertext, p.tag, p.aad),
  },
  'CHACHA20-POLY1305': {
    encrypt: (key, p) => {
      const iv = p.iv ?? randomIv(12);
      return { iv, ...chacha20Poly1305Encrypt(key, iv, p.plaintext, p.aad) };
    },
    decrypt: (key, p) => chacha20Poly1305Decrypt(key, p.iv, p.ciphertext, p.tag, p.aad),
  },
  'AES-CBC-HMAC-SHA2': {
    encrypt: (key, p) => {
      const iv = p.iv ?? randomIv(16);
      return { iv, ...cbcHmacEncrypt(key, iv, p.plaintext, p.aad) };
    },
    decrypt: (key, p) => cbcHmacDecrypt(key, p.iv, p.ciphertext, p.tag, p.aad),
  },
  'SM4-CBC': sm4,
  'SM4-CTR': sm4,
  'AES-CBC': {
    encrypt: (key, p) => {
      const iv = p.iv ?? randomIv(16);
      return { ciphertext: aesCbcEncrypt(key, iv, p.plaintext), iv, tag: NO_TAG };
    },
    decrypt: (key, p) => aesCbcDecrypt(key, p.iv, p.ciphertext),
  },
  'AES-ECB': {
    encrypt: (key, p) => ({ ciphertext: aesEcb(key, p.plaintext, 'encrypt'), iv: Buffer.alloc(0), tag: NO_TAG }),
    decrypt: (key, p) => aesEcb(key, p.ciphertext, 'decrypt'),
  },
};

export const encryptWith = (key: Buffer, p: EncryptParams): EncryptResult => CIPHERS[p.alg].encrypt(key, p);
export const decryptWith = (key: Buffer, p: DecryptParams): Buffer => CIPHERS[p.alg].decrypt(key, p);
