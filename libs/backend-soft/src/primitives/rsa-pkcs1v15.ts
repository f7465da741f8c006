/**
 * RSAES-PKCS1-v1_5 with implicit rejection (draft-irtf-cfrg-rsa-guidance, formerly
 * draft-kario-rsa-guidance; the algorithm OpenSSL 3.2+ ships as rsa_pkcs1_implicit_rejection).
 *
 * Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, Marvin) because its
 * OpenSSL 3.0 has no implicit rejection. So we do the raw RSA operation with RSA_NO_PADDING
 * (OpenSSL keeps blinding on) and unpad here. A bad padding never raises: it yields a synthetic
 * message derived from the private key and the ciphertext, so the caller cannot tell a forged
 * ciphertext from a real one, and the unpadding uses masks instead of branches on secret bytes.
 * JavaScript gives no hard constant-time guarantee; this removes the data-dependent control flow
 * and the error oracle, which is what the attacks exploit.
 */
import { constants, createHash, createHmac, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';

/** Decrypts a ciphertext of exactly the modulus length; never throws on bad padding. */
export type RsaPkcs1v15Decryptor = (ciphertext: Uint8Array) => Buffer;

const MAX_LEN_CANDIDATES = 128;

function b64urlToBuffer(s: string | undefined, what: string): Buffer {
  if (typeof s !== 'string' || s.length === 0) throw new Error(`RSA JWK is missing ${what}`);
  return Buffer.from(s, 'base64url');
}

function stripLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function leftPad(b: Uint8Array, len: number): Buffer {
  const out = Buffer.alloc(len);
  out.set(b, len - b.length);
  return out;
}

/** Big-endian, equal-length comparison of public values: is a >= b? */
function geBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! > b[i]!;
  }
  return true;
}

// Branch-free helpers over small non-negative ints (< 2^31). Each returns 0 or 1.
const isZero = (x: number): number => (((x | -x) >>> 31) ^ 1) & 1;
const eq = (a: number, b: number): number => isZero(a ^ b);
const lt = (a: number, b: number): number => ((a - b) >>> 31) & 1;
const ge = (a: number, b: number): number => lt(a, b) ^ 1;
/** bit ? a : b, with bit in {0,1}. */
const select = (bit: number, a: number, b: number): number => {
  const mask = -bit;
  return (a & mask) | (b & ~mask);
};

/**
 * IRPRF from the draft: concatenation of HMAC-SHA256(KDK, I || label || L) for I = 0, 1, ...,
 * with I and the output bit length L as 16-bit big-endian integers, truncated to `bytes`.
 */
function irprf(kdk: Uint8Array, label: string, bytes: number): Buffer {
  const bitLen = bytes * 8;
  if (bitLen > 0xffff) throw new Error('RSA modulus too large for the implicit-rejection PRF');
  const out = Buffer.alloc(bytes);
  const lenBytes = Buffer.from([bitLen >>> 8, bitLen & 0xff]);
  const labelBytes = Buffer.from(label, 'ascii');
  for (let iter = 0, pos = 0; pos < bytes; iter++, pos += 32) {
    const block = createHmac('sha256', kdk)
      .update(Buffer.from([iter >>> 8, iter & 0xff]))
      .update(labelBytes)
      .update(lenBytes)
      .digest();
    block.copy(out, pos, 0, Math.min(32, bytes - pos));
  }
  return out;
}

/**
 * Returns a reusable decryptor with SHA-256(d) (the KDK's HMAC key) precomputed, so the private
 * exponent is exported once per key instead of once per call.
 */
export function prepareRsaPkcs1v15(privateKey: KeyObject): RsaPkcs1v15Decryptor {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new Error('RSAES-PKCS1-v1_5 decryption needs an RSA private key');
  }
  const jwk = privateKey.export({ format: 'jwk' });
  const n = stripLeadingZeros(b64urlToBuffer(jwk.n, 'n'));
  const k = n.length;
  if (k < 11 + 1) throw new Error('RSA modulus too small');
  const dPadded = leftPad(b64urlToBuffer(jwk.d, 'd'), k);
  const dHash = createHash('sha256').update(dPadded).digest();
  dPadded.fill(0);

  // Largest possible message: k minus 0x00 0x02, at least 8 bytes of PS, and the 0x00 separator.
  const maxSepOffset = k - 2 - 8;
  let lenMask = maxSepOffset;
  lenMask |= lenMask >>> 1;
  lenMask |= lenMask >>> 2;
  lenMask |= lenMask >>> 4;
  lenMask |= lenMask >>> 8;

  return (ciphertext: Uint8Array): Buffer => {
    // Both checks concern only public data, so failing loudly leaks nothing.
    if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== k) {
      throw new Error(`RSA ciphertext must be exactly ${k} bytes`);
    }
    if (geBytes(ciphertext, n)) throw new Error('RSA ciphertext is not smaller than the modulus');

    const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
    if (em.length !== k) throw new Error('unexpected raw RSA output length');

    const kdk = createHmac('sha256', dHash).update(ciphertext).digest();
    const synthetic = irprf(kdk, 'message', k);
    const candidates = irprf(kdk, 'length', MAX_LEN_CANDIDATES * 2);

    // The last candidate below maxSepOffset wins; masking (not modulo) avoids a bias and a DIV.
    let synthLen = 0;
    for (let i = 0; i < candidates.length; i += 2) {
      const cand = ((candidates[i]! << 8) | candidates[i + 1]!) & lenMask;
      synthLen = select(lt(cand, maxSepOffset), cand, synthLen);
    }

    let good = isZero(em[0]!) & eq(em[1]!, 2);
    let foundZero = 0;
    let zeroIndex = 0;
    for (let i = 2; i < k; i++) {
      const isSep = isZero(em[i]!);
      zeroIndex = select(isSep & (foundZero ^ 1), i, zeroIndex);
      foundZero |= isSep;
    }
    // PS must be at least 8 bytes; zeroIndex stays 0 when no separator exists, failing this too.
    good &= ge(zeroIndex, 2 + 8);

    const msgIndex = select(good, zeroIndex + 1, k - synthLen);
    // The output length is not a padding oracle: a bad padding has its own plausible length.
    const out = Buffer.alloc(k - msgIndex);
    const mask = -good & 0xff;
    for (let i = msgIndex, j = 0; i < k; i++, j++) {
      out[j] = (em[i]! & mask) | (synthetic[i]! & ~mask & 0xff);
    }
    em.fill(0);
    synthetic.fill(0);
    kdk.fill(0);
    return out;
  };
}

const decryptors = new WeakMap<KeyObject, RsaPkcs1v15Decryptor>();

export function rsaPkcs1v15Decrypt(privateKey: KeyObject, ciphertext: Uint8Array): Buffer {
  let decrypt = decryptors.get(privateKey);
  if (!decrypt) {
    decrypt = prepareRsaPkcs1v15(privateKey);
    decryptors.set(privateKey, decrypt);
  }
  return decrypt(ciphertext);
}

/** Encryption stays allowed in Node; the k-11 limit is checked here for a clear error. */
export function rsaPkcs1v15Encrypt(publicKey: KeyObject, plaintext: Uint8Array): Buffer {
  if (publicKey.asymmetricKeyType !== 'rsa') throw new Error('RSAES-PKCS1-v1_5 encryption needs an RSA key');
  const bits = publicKey.asymmetricKeyDetails?.modulusLength;
  if (!bits) throw new Error('RSA key without modulus length');
  const k = Math.ceil(bits / 8);
  if (plaintext.length > k - 11) {
    throw new Error(`RSAES-PKCS1-v1_5 plaintext too long: ${plaintext.length} > ${k - 11} bytes`);
  }
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
}
