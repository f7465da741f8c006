import { constants, createHash, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { HASHES, type HashAlg } from '@kms/core';

/**
 * RSA signatures over a digest the client computed (eHSM `EH_DIGEST`). node:crypto always hashes
 * the input itself, so the encoding (EMSA-PKCS1-v1_5 or EMSA-PSS, RFC 8017 §9) is built here and
 * the raw RSA operation done with NO_PADDING; OpenSSL still applies blinding to it.
 */
const DIGEST_INFO_PREFIX: Partial<Record<HashAlg, string>> = {
  'SHA-1': '3021300906052b0e03021a05000414',
  'SHA-224': '302d300d06096086480165030402040500041c',
  'SHA-256': '3031300d060960864801650304020105000420',
  'SHA-384': '3041300d060960864801650304020205000430',
  'SHA-512': '3051300d060960864801650304020305000440',
  'SHA3-256': '3031300d060960864801650304020805000420',
  'SHA3-384': '3041300d060960864801650304020905000430',
  'SHA3-512': '3051300d060960864801650304020a05000440',
};

export function pkcs1Encode(hash: HashAlg, digest: Buffer, k: number): Buffer {
  const prefix = DIGEST_INFO_PREFIX[hash];
  if (!prefix) throw new Error(`no DigestInfo for ${hash}`);
  const t = Buffer.concat([Buffer.from(prefix, 'hex'), digest]);
  if (k < t.length + 11) throw new Error('modulus too short');
  const em = Buffer.alloc(k, 0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t.length - 1] = 0;
  t.copy(em, k - t.length);
  return em;
}

function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, have = 0; have < length; i++) {
    counter.writeUInt32BE(i);
    const block = createHash(hash).update(seed).update(counter).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

export function pssEncode(hash: HashAlg, digest: Buffer, modBits: number, saltLen: number): Buffer {
  const h = HASHES[hash].node;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < digest.length + saltLen + 2) throw new Error('modulus too short');
  const salt = randomBytes(saltLen);
  const mHash = createHash(h).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.alloc(emLen - mHash.length - 1);
  db[db.length - saltLen - 1] = 0x01;
  salt.copy(db, db.length - saltLen);
  const mask = mgf1(h, mHash, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([db, mHash, Buffer.of(0xbc)]);
  return em;
}

export function pssVerify(hash: HashAlg, digest: Buffer, em: Buffer, modBits: number, saltLen: number): boolean {
  const h = HASHES[hash].node;
  const hLen = HASHES[hash].size;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // The raw RSA output has the modulus length; EM is its last emLen bytes.
  if (em.length > emLen) {
    if (em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false;
    em = em.subarray(em.length - emLen);
  }
  if (emLen < hLen + saltLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const mHash = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0] & ~(0xff >> (8 * emLen - emBits))) !== 0) return false;
  const mask = mgf1(h, mHash, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  const psLen = emLen - hLen - saltLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - saltLen);
  const expected = createHash(h).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return expected.equals(mHash);
}

export const rawRsaPrivate = (key: KeyObject, em: Buffer) => privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, em);
export const rawRsaPublic = (key: KeyObject, sig: Buffer) => publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, sig);
