import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { DerReader, encodeBitString, encodeSequence } from './primitives/der';


/**
 * ML-DSA-44 (FIPS 204) through @noble/post-quantum: node:crypto on Node 20 has no ML-DSA. Keys
 * are kept as the 32-byte seed (FIPS 204 ξ) when generated here, or as the expanded secret key
 * when imported. Public keys travel as SPKI with the NIST OID 2.16.840.1.101.3.4.3.17.
 */
const OID = Buffer.from('0609608648016503040311', 'hex');
const PUBLIC_KEY_BYTES = ml_dsa44.lengths.publicKey ?? 1312;
const SECRET_KEY_BYTES = ml_dsa44.lengths.secretKey ?? 2560;

export interface MlDsaKey {
  secretKey?: Uint8Array;
  publicKey: Uint8Array;
}

export function mlDsaGenerateSeed(seed: Uint8Array): MlDsaKey {
  return ml_dsa44.keygen(seed);
}

/** Seed (32 bytes) or expanded secret key (2560 bytes, with its public key). */
export function mlDsaFromMaterial(bytes: Uint8Array, publicKey?: Uint8Array): MlDsaKey {
  if (bytes.length === 32) return ml_dsa44.keygen(bytes);
  if (bytes.length === SECRET_KEY_BYTES && publicKey?.length === PUBLIC_KEY_BYTES) return { secretKey: bytes, publicKey };
  throw new Error('ML-DSA-44 material must be a 32-byte seed or a 2560-byte secret key with its public key');
}

export function mlDsaSpki(publicKey: Uint8Array): Buffer {
  return Buffer.from(encodeSequence(encodeSequence(OID), encodeBitString(publicKey)));
}

export function mlDsaPublicFromSpki(spki: Uint8Array): Uint8Array {
  const top = new DerReader(spki);
  const outer = top.expectSequence();
  top.end();
  const alg = outer.expectSequence();
  if (!Buffer.from(alg.read().raw).equals(OID)) throw new Error('not an ML-DSA-44 public key');
  alg.end();
  const bits = outer.readBitStringOctets();
  outer.end();
  if (bits.length !== PUBLIC_KEY_BYTES) throw new Error('ML-DSA-44 public keys are 1312 bytes');
  return bits;
}

export const mlDsaSign = (secretKey: Uint8Array, msg: Uint8Array): Uint8Array => ml_dsa44.sign(msg, secretKey);
export function mlDsaVerify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return ml_dsa44.verify(sig, msg, publicKey);
  } catch {
    return false;
  }
}
