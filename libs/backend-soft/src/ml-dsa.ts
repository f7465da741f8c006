import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem1024, ml_kem512, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { DerReader, encodeBitString, encodeSequence } from './primitives/der';

/**
 * ML-DSA (FIPS 204) and ML-KEM (FIPS 203) through @noble/post-quantum: node:crypto on Node 20 has
 * neither. Keys are kept as the seed (ML-DSA ξ, 32 bytes; ML-KEM d‖z, 64 bytes) when generated
 * here, or as the expanded secret key with its public key when imported. Public keys travel as
 * SPKI with the NIST OIDs (2.16.840.1.101.3.4.3.17-19 for ML-DSA, .4.4.1-3 for ML-KEM).
 */
interface PqcScheme {
  oid: Buffer;
  seed: number;
  publicKey: number;
  secretKey: number;
  keygen(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
}
const oid = (last: string) => Buffer.from(`0609608648016503040${last}`, 'hex');

const DSA = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const;
const KEM = { 'ml-kem-512': ml_kem512, 'ml-kem-768': ml_kem768, 'ml-kem-1024': ml_kem1024 } as const;
const DSA_OID: Record<keyof typeof DSA, Buffer> = { 'ml-dsa-44': oid('311'), 'ml-dsa-65': oid('312'), 'ml-dsa-87': oid('313') };
const KEM_OID: Record<keyof typeof KEM, Buffer> = { 'ml-kem-512': oid('401'), 'ml-kem-768': oid('402'), 'ml-kem-1024': oid('403') };

function scheme(spec: string): PqcScheme {
  if (spec in DSA) {
    const s = DSA[spec as keyof typeof DSA];
    return { oid: DSA_OID[spec as keyof typeof DSA], seed: 32, publicKey: s.lengths.publicKey!, secretKey: s.lengths.secretKey!, keygen: (seed) => s.keygen(seed) };
  }
  if (spec in KEM) {
    const s = KEM[spec as keyof typeof KEM];
    return { oid: KEM_OID[spec as keyof typeof KEM], seed: 64, publicKey: s.lengths.publicKey!, secretKey: s.lengths.secretKey!, keygen: (seed) => s.keygen(seed) };
  }
  throw new Error(`${spec} is not a post-quantum spec`);
}

export interface MlDsaKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}
/** ML-KEM keys have the same shape: the decapsulation key and the encapsulation key. */
export type MlKemKey = MlDsaKey;

export const pqcSeedLength = (spec: string) => scheme(spec).seed;

/** Seed, or expanded secret key with its public key. */
export function mlDsaFromMaterial(bytes: Uint8Array, publicKey?: Uint8Array, spec = 'ml-dsa-44'): MlDsaKey {
  const s = scheme(spec);
  if (bytes.length === s.seed) return s.keygen(bytes);
  if (bytes.length === s.secretKey && publicKey?.length === s.publicKey) return { secretKey: bytes, publicKey };
  throw new Error(`${spec} material must be a ${s.seed}-byte seed or a ${s.secretKey}-byte secret key with its public key`);
}

export function mlDsaSpki(publicKey: Uint8Array, spec = 'ml-dsa-44'): Buffer {
  return Buffer.from(encodeSequence(encodeSequence(scheme(spec).oid), encodeBitString(publicKey)));
}

export function mlDsaPublicFromSpki(spki: Uint8Array, spec = 'ml-dsa-44'): Uint8Array {
  const s = scheme(spec);
  const top = new DerReader(spki);
  const outer = top.expectSequence();
  top.end();
  const alg = outer.expectSequence();
  if (!Buffer.from(alg.read().raw).equals(s.oid)) throw new Error(`not an ${spec} public key`);
  alg.end();
  const bits = outer.readBitStringOctets();
  outer.end();
  if (bits.length !== s.publicKey) throw new Error(`${spec} public keys are ${s.publicKey} bytes`);
  return bits;
}

const dsa = (spec: string) => DSA[spec as keyof typeof DSA] ?? ml_dsa44;

/** FIPS 204 ML-DSA.Sign with an optional context (≤ 255 bytes; empty by default). */
export const mlDsaSign = (secretKey: Uint8Array, msg: Uint8Array, spec = 'ml-dsa-44', context?: Uint8Array): Uint8Array =>
  dsa(spec).sign(msg, secretKey, context?.length ? { context } : undefined);
export function mlDsaVerify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array, spec = 'ml-dsa-44', context?: Uint8Array): boolean {
  try {
    return dsa(spec).verify(sig, msg, publicKey, context?.length ? { context } : undefined);
  } catch {
    return false;
  }
}

const kem = (spec: string) => KEM[spec as keyof typeof KEM];

export function mlKemEncapsulate(publicKey: Uint8Array, spec: string): { sharedSecret: Buffer; ciphertext: Buffer } {
  const { cipherText, sharedSecret } = kem(spec).encapsulate(publicKey);
  return { sharedSecret: Buffer.from(sharedSecret), ciphertext: Buffer.from(cipherText) };
}

/** FIPS 203 decapsulation: a tampered ciphertext yields an implicit-rejection secret, not an error. */
export function mlKemDecapsulate(secretKey: Uint8Array, ciphertext: Uint8Array, spec: string): Buffer {
  return Buffer.from(kem(spec).decapsulate(ciphertext, secretKey));
}

export const mlKemCiphertextLength = (spec: string) => kem(spec).lengths.cipherText!;
