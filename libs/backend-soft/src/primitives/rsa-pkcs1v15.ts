/**
 * RSAES-PKCS1-v1_5 with implicit rejection (draft-irtf-cfrg-rsa-guidance, formerly
 * draft-kario-rsa-guidance; the algorithm OpenSSL 3.2+ ships as rsa_pkcs1_implicit_rejection).
 *
 * Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, Marvin) because its
 * OpenSSL 3.0 has no implicit rejection. So we do the raw RSA operation with RSA_NO_PADDING
 * (OpenSSL keeps blinding on) and unpad here. A bad padding never raises: it yields a synthetic
 * message derived from the private key and the ciphertext, so the caller cannot tell a forged
 * ciphertext from a real one; the unpadding (shared with the PKCS#11 backend, in the core) uses
 * masks instead of branches on secret bytes.
 * JavaScript gives no hard constant-time guarantee; this removes the data-dependent control flow
 * and the error oracle, which is what the attacks exploit.
 */
import { constants, createHash, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { pkcs1v15ImplicitUnpad } from '@kms/core';

/** Decrypts a ciphertext of exactly the modulus length; never throws on bad padding. */
export type RsaPkcs1v15Decryptor = (ciphertext: Uint8Array) => Buffer;

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
    if (a[i] !== b[i]) return a[i] > b[i];
  }
  return true;
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

  return (ciphertext: Uint8Array): Buffer => {
    // Both checks concern only public data, so failing loudly leaks nothing.
    if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== k) {
      throw new Error(`RSA ciphertext must be exactly ${k} bytes`);
    }
    if (geBytes(ciphertext, n)) throw new Error('RSA ciphertext is not smaller than the modulus');

    const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
    if (em.length !== k) throw new Error('unexpected raw RSA output length');

    const out = pkcs1v15ImplicitUnpad(em, Buffer.from(ciphertext), dHash);
    em.fill(0);
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
