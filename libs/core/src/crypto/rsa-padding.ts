import { createHash, createHmac, randomBytes } from 'node:crypto';
import { HASHES, type HashAlg } from '../algorithms';

/**
 * RSA encodings done around a raw RSA operation, shared by every backend: PKCS#1 v1.5 decryption
 * with implicit rejection (draft-irtf-cfrg-rsa-guidance: node refuses PKCS#1 v1.5 private
 * decryption, and a token's CKM_RSA_PKCS decryption is a padding oracle), OAEP decoding for hashes
 * a token refuses, and the EMSA-PKCS1-v1_5 / EMSA-PSS encodings for signing a client's digest
 * (node:crypto only signs what it hashed itself). Secret-dependent decisions use masks, not
 * branches; JavaScript gives no hard constant-time guarantee.
 */

const isZero = (x: number): number => (((x | -x) >>> 31) ^ 1) & 1;
const eq = (a: number, b: number): number => isZero(a ^ b);
const lt = (a: number, b: number): number => ((a - b) >>> 31) & 1;
const select = (bit: number, a: number, b: number): number => {
  const mask = -bit;
  return (a & mask) | (b & ~mask);
};

function irprf(kdk: Buffer, label: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  const bitLen = bytes * 8;
  for (let i = 0, pos = 0; pos < bytes; i++, pos += 32) {
    const block = createHmac('sha256', kdk)
      .update(Buffer.from([i >>> 8, i & 0xff]))
      .update(label, 'ascii')
      .update(Buffer.from([bitLen >>> 8, bitLen & 0xff]))
      .digest();
    block.copy(out, pos, 0, Math.min(32, bytes - pos));
  }
  return out;
}

/**
 * Unpads EM = RSA_d(c). A bad padding yields a synthetic message derived from `kdkKey` (a secret
 * only the key's holder can compute) and the ciphertext, never an error.
 */
export function pkcs1v15ImplicitUnpad(em: Buffer, ciphertext: Buffer, kdkKey: Buffer): Buffer {
  const k = em.length;
  const kdk = createHmac('sha256', kdkKey).update(ciphertext).digest();
  const synthetic = irprf(kdk, 'message', k);
  const candidates = irprf(kdk, 'length', 256);
  const maxSepOffset = k - 2 - 8;
  let lenMask = maxSepOffset;
  lenMask |= lenMask >>> 1;
  lenMask |= lenMask >>> 2;
  lenMask |= lenMask >>> 4;
  lenMask |= lenMask >>> 8;
  let synthLen = 0;
  for (let i = 0; i < candidates.length; i += 2) {
    const cand = ((candidates[i] << 8) | candidates[i + 1]) & lenMask;
    synthLen = select(lt(cand, maxSepOffset), cand, synthLen);
  }
  let good = isZero(em[0]) & eq(em[1], 2);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const isSep = isZero(em[i]);
    zeroIndex = select(isSep & (found ^ 1), i, zeroIndex);
    found |= isSep;
  }
  good &= lt(2 + 8 - 1, zeroIndex);
  const msgIndex = select(good, zeroIndex + 1, k - synthLen);
  const out = Buffer.alloc(k - msgIndex);
  const mask = -good & 0xff;
  for (let i = msgIndex, j = 0; i < k; i++, j++) out[j] = (em[i] & mask) | (synthetic[i] & ~mask & 0xff);
  synthetic.fill(0);
  return out;
}

function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let c = 0, n = 0; n < length; c++) {
    const block = createHash(hash)
      .update(seed)
      .update(Buffer.from([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff]))
      .digest();
    out.push(block);
    n += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** EME-OAEP decoding (RFC 8017 §7.1.2, empty label); null on any failure, decided at the end. */
export function oaepUnpad(em: Buffer, hash: HashAlg): Buffer | null {
  const h = HASHES[hash];
  const k = em.length;
  const hLen = h.size;
  if (k < 2 * hLen + 2) return null;
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seed = Buffer.from(maskedSeed);
  const seedMask = mgf1(h.node, maskedDb, hLen);
  for (let i = 0; i < hLen; i++) seed[i] ^= seedMask[i];
  const db = Buffer.from(maskedDb);
  const dbMask = mgf1(h.node, seed, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= dbMask[i];
  const lHash = createHash(h.node).digest();
  let good = isZero(em[0]);
  let diff = 0;
  for (let i = 0; i < hLen; i++) diff |= db[i] ^ lHash[i];
  good &= isZero(diff);
  // After lHash: zero bytes, then 0x01, then the message. Any other byte first is an error.
  let found = 0;
  let oneIndex = 0;
  let bad = 0;
  for (let i = hLen; i < db.length; i++) {
    const isOne = eq(db[i], 1);
    const isZ = isZero(db[i]);
    oneIndex = select(isOne & (found ^ 1), i, oneIndex);
    bad |= (found ^ 1) & (isOne ^ 1) & (isZ ^ 1);
    found |= isOne;
  }
  good &= found & (bad ^ 1);
  const msg = Buffer.from(db.subarray(oneIndex + 1));
  db.fill(0);
  seed.fill(0);
  return good ? msg : null;
}

/** DigestInfo prefixes (RFC 8017 §9.2 note 1) for CKM_RSA_PKCS signatures over a digest. */
export const DIGEST_INFO: Partial<Record<HashAlg, Buffer>> = {
  'SHA-1': Buffer.from('3021300906052b0e03021a05000414', 'hex'),
  'SHA-224': Buffer.from('302d300d06096086480165030402040500041c', 'hex'),
  'SHA-256': Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  'SHA-384': Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  'SHA-512': Buffer.from('3051300d060960864801650304020305000440', 'hex'),
  'SHA3-256': Buffer.from('3031300d060960864801650304020805000420', 'hex'),
  'SHA3-384': Buffer.from('3041300d060960864801650304020905000430', 'hex'),
  'SHA3-512': Buffer.from('3051300d060960864801650304020a05000440', 'hex'),
};

/** EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of a digest, `k` bytes long. */
export function pkcs1Encode(hash: HashAlg, digest: Buffer, k: number): Buffer {
  const prefix = DIGEST_INFO[hash];
  if (!prefix) throw new Error(`no DigestInfo for ${hash}`);
  const t = Buffer.concat([prefix, digest]);
  if (k < t.length + 11) throw new Error('modulus too short');
  const em = Buffer.alloc(k, 0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t.length - 1] = 0;
  t.copy(em, k - t.length);
  return em;
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
