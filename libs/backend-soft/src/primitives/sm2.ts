/**
 * SM2 (GB/T 32918.1-5) on the recommended curve sm2p256v1.
 *
 * Node's OpenSSL binding can neither create SM2 keys nor set the distinguishing ID, so the
 * curve arithmetic comes from @noble/curves (its constant-time `multiply` for secret scalars)
 * and SM3 from node:crypto. Wire formats follow what OpenSSL 3 produces and accepts:
 * DER SEQUENCE{r,s} signatures, GM/T 0009 DER ciphertexts (C1 x/y, C3, C2), id-ecPublicKey +
 * namedCurve 1.2.156.10197.1.301 in SPKI and PKCS#8.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { invertCt } from '@noble/curves/abstract/modular.js';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { EC_PUBLIC_KEY_OID, oidDer } from '@kms/core';
import {
  DerReader,
  TAG_OCTET_STRING,
  bytesEqual,
  concatBytes,
  encodeBigInt,
  encodeBitString,
  encodeOctetString,
  encodeSequence,
  encodeSmallInteger,
  encodeTlv,
  tagContext,
} from './der';

// GB/T 32918.5-2017 recommended parameters.
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

const Point = weierstrass({ p: P, n: N, h: 1n, a: A, b: B, Gx: GX, Gy: GY });
type SmPoint = InstanceType<typeof Point>;
const G = Point.BASE;

/** GM/T 0009-2012 §10 default user ID, also OpenSSL's. */
export const SM2_DEFAULT_ID: Uint8Array = new TextEncoder().encode('1234567812345678');

export interface Sm2KeyPair {
  /** 32-byte big-endian scalar d in [1, n-2]. */
  privateKey: Uint8Array;
  /** 65-byte uncompressed point 04||x||y. */
  publicKey: Uint8Array;
}

// SM2 keys are EC keys (id-ecPublicKey) on sm2p256v1.
const OID_EC_PUBLIC_KEY = oidDer(EC_PUBLIC_KEY_OID);
const OID_SM2 = oidDer('1.2.156.10197.1.301');
const ALGORITHM_ID = encodeSequence(OID_EC_PUBLIC_KEY, OID_SM2);

const ZA_CURVE_PART = concatBytes(to32(A), to32(B), to32(GX), to32(GY));

function to32(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function sm3(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Uniform scalar in [1, max] by rejection sampling (rejects ~2^-32 of draws for this n). */
function randomScalar(max: bigint): bigint {
  for (;;) {
    const v = toBigInt(randomBytes(32));
    if (v >= 1n && v <= max) return v;
  }
}

function privateScalar(privateKey: Uint8Array): bigint {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new Error('SM2 private key must be 32 bytes');
  }
  const d = toBigInt(privateKey);
  // d = n-1 is excluded by GB/T 32918.1 because signing needs (1+d)^-1 mod n.
  if (d < 1n || d > N - 2n) throw new Error('SM2 private key out of range [1, n-2]');
  return d;
}

function decodePublic(publicKey: Uint8Array): SmPoint {
  if (!(publicKey instanceof Uint8Array)) throw new Error('invalid SM2 public key');
  const head = publicKey[0];
  const okShape = (publicKey.length === 65 && head === 0x04) || (publicKey.length === 33 && (head === 0x02 || head === 0x03));
  if (!okShape) throw new Error('invalid SM2 public key encoding');
  let pt: SmPoint;
  try {
    // fromBytes checks coordinates < p and the curve equation; cofactor is 1, so on-curve
    // non-identity points are in the prime-order group.
    pt = Point.fromBytes(publicKey);
  } catch {
    throw new Error('invalid SM2 public key: not a point on sm2p256v1');
  }
  if (pt.is0()) throw new Error('invalid SM2 public key: point at infinity');
  return pt;
}

function encodeUncompressed(pt: SmPoint): Uint8Array {
  return concatBytes(Uint8Array.of(0x04), to32(pt.x), to32(pt.y));
}

export function sm2ValidatePrivate(privateKey: Uint8Array): void {
  privateScalar(privateKey);
}

export function sm2ValidatePublic(publicKey: Uint8Array): void {
  decodePublic(publicKey);
}

export function sm2PublicFromPrivate(privateKey: Uint8Array): Uint8Array {
  return encodeUncompressed(G.multiply(privateScalar(privateKey)));
}

export function sm2GenerateKeyPair(): Sm2KeyPair {
  const d = randomScalar(N - 2n);
  return { privateKey: to32(d), publicKey: encodeUncompressed(G.multiply(d)) };
}

/** Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2). */
export function sm2Za(publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  return zaOf(decodePublic(publicKey), id);
}

function zaOf(pt: SmPoint, id: Uint8Array): Uint8Array {
  const entl = id.length * 8;
  if (entl > 0xffff) throw new Error('SM2 ID too long (ENTL is 16 bits)');
  return sm3(Uint8Array.of(entl >>> 8, entl & 0xff), id, ZA_CURVE_PART, to32(pt.x), to32(pt.y));
}

/** e = SM3(Z_A || M). */
export function sm2Digest(publicKey: Uint8Array, message: Uint8Array, id?: Uint8Array): Uint8Array {
  return sm3(sm2Za(publicKey, id), message);
}

function digestOf(pt: SmPoint, message: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): bigint {
  return toBigInt(sm3(zaOf(pt, id), message));
}

function encodeSignature(r: bigint, s: bigint): Uint8Array {
  return encodeSequence(encodeBigInt(r), encodeBigInt(s));
}

function checkFixedK(k: bigint): bigint {
  if (k < 1n || k >= N) throw new Error('SM2 k out of range [1, n-1]');
  return k;
}

/** GB/T 32918.2 signature steps A3-A7 over an already computed e. */
function signScalar(d: bigint, e: bigint, fixedK: bigint | undefined): Uint8Array {
  const dPlus1Inv = invertCt(d + 1n, N);
  for (;;) {
    const k = fixedK === undefined ? randomScalar(N - 1n) : checkFixedK(fixedK);
    const x1 = G.multiply(k).x;
    const r = mod(e + x1, N);
    // The standard restarts with a fresh k on r = 0 or r + k = n, and on s = 0.
    if (r === 0n || r + k === N) {
      if (fixedK !== undefined) throw new Error('SM2: supplied k yields r = 0 or r + k = n');
      continue;
    }
    const s = mod(dPlus1Inv * mod(k - r * d, N), N);
    if (s === 0n) {
      if (fixedK !== undefined) throw new Error('SM2: supplied k yields s = 0');
      continue;
    }
    return encodeSignature(r, s);
  }
}

export function sm2SignDigest(privateKey: Uint8Array, e: Uint8Array, opts?: { k?: bigint }): Uint8Array {
  const d = privateScalar(privateKey);
  if (!(e instanceof Uint8Array) || e.length !== 32) throw new Error('SM2 digest e must be 32 bytes');
  return signScalar(d, toBigInt(e), opts?.k);
}

export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, opts?: { id?: Uint8Array; k?: bigint }): Uint8Array {
  const d = privateScalar(privateKey);
  return signScalar(d, digestOf(G.multiply(d), message, opts?.id), opts?.k);
}

function parseSignature(sig: Uint8Array): [bigint, bigint] {
  const outer = new DerReader(sig);
  const seq = outer.expectSequence();
  outer.end();
  const r = seq.readUnsignedInteger();
  const s = seq.readUnsignedInteger();
  seq.end();
  return [r, s];
}

function verifyScalar(pub: SmPoint, e: bigint, sig: Uint8Array): boolean {
  const [r, s] = parseSignature(sig);
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  // Public scalars only, so the variable-time double multiplication is fine here.
  const X = G.mulAddUnsafe(s, pub, t);
  if (X.is0()) return false;
  return mod(e + X.x, N) === r;
}

export function sm2VerifyDigest(publicKey: Uint8Array, e: Uint8Array, signatureDer: Uint8Array): boolean {
  try {
    if (!(e instanceof Uint8Array) || e.length !== 32) return false;
    return verifyScalar(decodePublic(publicKey), toBigInt(e), signatureDer);
  } catch {
    return false;
  }
}

export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signatureDer: Uint8Array, opts?: { id?: Uint8Array }): boolean {
  try {
    const pub = decodePublic(publicKey);
    return verifyScalar(pub, digestOf(pub, message, opts?.id), signatureDer);
  } catch {
    return false;
  }
}

/** GB/T 32918.4 KDF with SM3: Ha_i = SM3(Z || ct_i), ct counting from 1 (32-bit BE). */
function kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const ct = new Uint8Array(4);
  const view = new DataView(ct.buffer);
  for (let off = 0, i = 1; off < length; off += 32, i++) {
    view.setUint32(0, i);
    const block = sm3(z, ct);
    out.set(block.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

function xorInto(out: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array {
  for (let i = 0; i < out.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/**
 * GB/T 32918.4 encryption, serialised as OpenSSL does (GM/T 0009 SEQUENCE{x, y, C3, C2},
 * i.e. C1C3C2 order). `opts.k` exists only to reproduce the standard's known-answer test.
 */
export function sm2Encrypt(publicKey: Uint8Array, plaintext: Uint8Array, opts?: { k?: bigint }): Uint8Array {
  const pub = decodePublic(publicKey);
  // An empty message gives an empty KDF output, which step A5 treats as "all zero" forever.
  if (plaintext.length === 0) throw new Error('SM2 plaintext must not be empty');
  for (;;) {
    const k = opts?.k === undefined ? randomScalar(N - 1n) : checkFixedK(opts.k);
    const c1 = G.multiply(k);
    const shared = pub.multiply(k);
    const x2 = to32(shared.x);
    const y2 = to32(shared.y);
    const t = kdf(concatBytes(x2, y2), plaintext.length);
    if (isAllZero(t)) {
      if (opts?.k !== undefined) throw new Error('SM2: supplied k yields an all-zero KDF output');
      continue;
    }
    const c2 = xorInto(new Uint8Array(plaintext.length), plaintext, t);
    const c3 = sm3(x2, plaintext, y2);
    return encodeSequence(encodeBigInt(c1.x), encodeBigInt(c1.y), encodeOctetString(c3), encodeOctetString(c2));
  }
}

function decryptionFailed(): Error {
  return new Error('decryption failed');
}

export function sm2Decrypt(privateKey: Uint8Array, ciphertextDer: Uint8Array): Uint8Array {
  const d = privateScalar(privateKey);
  let x: bigint, y: bigint, c3: Uint8Array, c2: Uint8Array;
  try {
    const outer = new DerReader(ciphertextDer);
    const seq = outer.expectSequence();
    outer.end();
    x = seq.readUnsignedInteger();
    y = seq.readUnsignedInteger();
    c3 = seq.expect(TAG_OCTET_STRING);
    c2 = seq.expect(TAG_OCTET_STRING);
    seq.end();
  } catch {
    throw decryptionFailed();
  }
  if (x >= P || y >= P || c3.length !== 32 || c2.length === 0) throw decryptionFailed();
  let c1: SmPoint;
  try {
    c1 = Point.fromAffine({ x, y });
    c1.assertValidity(); // B1: C1 must be on the curve (rules out invalid-curve attacks)
  } catch {
    throw decryptionFailed();
  }
  if (c1.is0()) throw decryptionFailed();
  const shared = c1.multiply(d);
  const x2 = to32(shared.x);
  const y2 = to32(shared.y);
  const t = kdf(concatBytes(x2, y2), c2.length);
  if (isAllZero(t)) throw decryptionFailed();
  const m = xorInto(new Uint8Array(c2.length), c2, t);
  const u = sm3(x2, m, y2);
  if (!timingSafeEqual(u, c3)) {
    m.fill(0);
    throw decryptionFailed();
  }
  return m;
}

export function sm2SpkiDer(publicKey: Uint8Array): Buffer {
  const pt = decodePublic(publicKey);
  return Buffer.from(encodeSequence(ALGORITHM_ID, encodeBitString(encodeUncompressed(pt))));
}

export function sm2PublicFromSpki(spki: Uint8Array): Uint8Array {
  try {
    const outer = new DerReader(spki);
    const seq = outer.expectSequence();
    outer.end();
    const alg = seq.read();
    if (!bytesEqual(alg.raw, ALGORITHM_ID)) throw new Error('not an SM2 key');
    const point = seq.readBitStringOctets();
    seq.end();
    return encodeUncompressed(decodePublic(point));
  } catch (err) {
    throw new Error(`invalid SM2 SubjectPublicKeyInfo: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * PKCS#8 PrivateKeyInfo exactly as `openssl genpkey -algorithm SM2` writes it: version 0,
 * id-ecPublicKey + sm2p256v1, and an RFC 5915 ECPrivateKey (version 1, 32-byte key, no [0]
 * parameters, [1] public key).
 */
export function sm2Pkcs8Der(privateKey: Uint8Array): Buffer {
  const d = privateScalar(privateKey);
  const ecPrivateKey = encodeSequence(encodeSmallInteger(1), encodeOctetString(to32(d)), encodeTlv(tagContext(1), encodeBitString(encodeUncompressed(G.multiply(d)))));
  return Buffer.from(encodeSequence(encodeSmallInteger(0), ALGORITHM_ID, encodeOctetString(ecPrivateKey)));
}

function parseEcPrivateKey(der: Uint8Array): Uint8Array {
  const outer = new DerReader(der);
  const seq = outer.expectSequence();
  outer.end();
  if (seq.readSmallInteger() !== 1) throw new Error('ECPrivateKey version must be 1');
  const raw = seq.expect(TAG_OCTET_STRING);
  // RFC 5915 fixes the length to the order size, but older encoders dropped leading zeros.
  if (raw.length === 0 || raw.length > 32) throw new Error('bad private key length');
  const privateKey = new Uint8Array(32);
  privateKey.set(raw, 32 - raw.length);
  const d = privateScalar(privateKey);
  if (seq.peekTag() === tagContext(0)) {
    const params = seq.expect(tagContext(0));
    if (!bytesEqual(params, OID_SM2)) throw new Error('ECPrivateKey parameters are not sm2p256v1');
  }
  if (seq.peekTag() === tagContext(1)) {
    const inner = new DerReader(seq.expect(tagContext(1)));
    const embedded = inner.readBitStringOctets();
    inner.end();
    if (!bytesEqual(encodeUncompressed(decodePublic(embedded)), encodeUncompressed(G.multiply(d)))) {
      throw new Error('embedded public key does not match the private key');
    }
  }
  seq.end();
  return privateKey;
}

export function sm2PrivateFromPkcs8(der: Uint8Array): Uint8Array {
  try {
    const outer = new DerReader(der);
    const seq = outer.expectSequence();
    outer.end();
    const version = seq.readSmallInteger();
    if (version !== 0 && version !== 1) throw new Error('unsupported PKCS#8 version');
    const alg = seq.read();
    if (!bytesEqual(alg.raw, ALGORITHM_ID)) throw new Error('not an SM2 key');
    const privateKey = parseEcPrivateKey(seq.expect(TAG_OCTET_STRING));
    // RFC 5958 OneAsymmetricKey: optional [0] attributes and, for v2, [1] publicKey.
    if (seq.peekTag() === tagContext(0)) seq.read();
    if (version === 1 && seq.peekTag() === 0x81) seq.read();
    seq.end();
    return privateKey;
  } catch (err) {
    throw new Error(`invalid SM2 PKCS#8: ${(err as Error).message}`, { cause: err });
  }
}
