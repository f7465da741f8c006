import { createECDH, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Checks a dialect makes on private key material a client imports, before the core stores it.
 * They compute with the key, so they live here rather than in a dialect.
 */

/** The uncompressed public point (0x04 || X || Y) of the private scalar `d` on `curve` (OpenSSL name); throws on an invalid scalar. */
export function ecPublicPoint(curve: string, d: Buffer): Buffer {
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(d);
  return ecdh.getPublicKey();
}

/** Whether an RSA private key's members agree with its public part: Node accepts inconsistent CRT members. */
export function rsaKeyIsConsistent(privateKey: KeyObject): boolean {
  const probe = Buffer.from('kms-gateway rsa import check');
  return verify('sha256', probe, createPublicKey(privateKey), sign('sha256', probe, privateKey));
}
