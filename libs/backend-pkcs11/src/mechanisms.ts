import * as pkcs11js from 'pkcs11js';
import type { Curve, HashAlg } from '@kms/core';

/** PKCS#11 3.0 values pkcs11js 2.1 does not name. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EC_MONTGOMERY_KEY_PAIR_GEN = 0x1056;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;
export const CKZ_DATA_SPECIFIED = 1;

const F = pkcs11js;
const ENC = F.CKF_ENCRYPT | F.CKF_DECRYPT;

/**
 * THE table: each canonical mechanism this backend can use, the CKM_* behind it, the flags the
 * token must report for it, and the unit of the token's min/max key size (PKCS#11 gives AES and
 * HMAC sizes in bytes, RSA and EC in bits). What a token can do is this table filtered through
 * C_GetMechanismList / C_GetMechanismInfo; nothing about a particular token is written here.
 */
export interface MechRow {
  name: string;
  ckm: number;
  flags: number;
  unit: 'bits' | 'bytes';
}

const SHA2: Array<[HashAlg, number, number, number, number]> = [
  // hash, CKM digest, HMAC, RSA-PKCS1 with hash, RSA-PSS with hash
  ['SHA-1', F.CKM_SHA_1, F.CKM_SHA_1_HMAC, F.CKM_SHA1_RSA_PKCS, F.CKM_SHA1_RSA_PKCS_PSS],
  ['SHA-224', F.CKM_SHA224, F.CKM_SHA224_HMAC, F.CKM_SHA224_RSA_PKCS, F.CKM_SHA224_RSA_PKCS_PSS],
  ['SHA-256', F.CKM_SHA256, F.CKM_SHA256_HMAC, F.CKM_SHA256_RSA_PKCS, F.CKM_SHA256_RSA_PKCS_PSS],
  ['SHA-384', F.CKM_SHA384, F.CKM_SHA384_HMAC, F.CKM_SHA384_RSA_PKCS, F.CKM_SHA384_RSA_PKCS_PSS],
  ['SHA-512', F.CKM_SHA512, F.CKM_SHA512_HMAC, F.CKM_SHA512_RSA_PKCS, F.CKM_SHA512_RSA_PKCS_PSS],
];

/** CKM digest and MGF1 ids for OAEP / PSS parameters. */
export const HASH_PARAMS: Partial<Record<HashAlg, { ckm: number; mgf: number }>> = {
  'SHA-1': { ckm: F.CKM_SHA_1, mgf: F.CKG_MGF1_SHA1 },
  'SHA-224': { ckm: F.CKM_SHA224, mgf: F.CKG_MGF1_SHA224 },
  'SHA-256': { ckm: F.CKM_SHA256, mgf: F.CKG_MGF1_SHA256 },
  'SHA-384': { ckm: F.CKM_SHA384, mgf: F.CKG_MGF1_SHA384 },
  'SHA-512': { ckm: F.CKM_SHA512, mgf: F.CKG_MGF1_SHA512 },
};

export const MECHANISMS: MechRow[] = [
  { name: 'AES-KEYGEN', ckm: F.CKM_AES_KEY_GEN, flags: F.CKF_GENERATE, unit: 'bytes' },
  { name: 'AES-GCM', ckm: F.CKM_AES_GCM, flags: ENC, unit: 'bytes' },
  { name: 'AES-KW', ckm: F.CKM_AES_KEY_WRAP, flags: F.CKF_WRAP | F.CKF_UNWRAP, unit: 'bytes' },
  { name: 'AES-KWP', ckm: F.CKM_AES_KEY_WRAP_PAD, flags: F.CKF_WRAP | F.CKF_UNWRAP, unit: 'bytes' },
  { name: 'GENERIC-SECRET-KEYGEN', ckm: F.CKM_GENERIC_SECRET_KEY_GEN, flags: F.CKF_GENERATE, unit: 'bytes' },
  ...SHA2.map(([h, , hmac]) => ({ name: `HMAC-${h}`, ckm: hmac, flags: F.CKF_SIGN, unit: 'bytes' as const })),
  { name: 'RSA-KEYGEN', ckm: F.CKM_RSA_PKCS_KEY_PAIR_GEN, flags: F.CKF_GENERATE_KEY_PAIR, unit: 'bits' },
  /** Raw RSA: PKCS#1 v1.5 decryption with implicit rejection, OAEP with hashes the token lacks. */
  { name: 'RSA-RAW', ckm: F.CKM_RSA_X_509, flags: F.CKF_DECRYPT, unit: 'bits' },
  { name: 'RSA-OAEP', ckm: F.CKM_RSA_PKCS_OAEP, flags: F.CKF_DECRYPT, unit: 'bits' },
  { name: 'RSA-PKCS1-SIGN', ckm: F.CKM_RSA_PKCS, flags: F.CKF_SIGN, unit: 'bits' },
  { name: 'RSA-PSS', ckm: F.CKM_RSA_PKCS_PSS, flags: F.CKF_SIGN, unit: 'bits' },
  ...SHA2.map(([h, , , pkcs1]) => ({ name: `RSA-PKCS1-SIGN/${h}`, ckm: pkcs1, flags: F.CKF_SIGN, unit: 'bits' as const })),
  ...SHA2.map(([h, , , , pss]) => ({ name: `RSA-PSS/${h}`, ckm: pss, flags: F.CKF_SIGN, unit: 'bits' as const })),
  { name: 'EC-KEYGEN', ckm: F.CKM_EC_KEY_PAIR_GEN, flags: F.CKF_GENERATE_KEY_PAIR, unit: 'bits' },
  { name: 'ECDSA', ckm: F.CKM_ECDSA, flags: F.CKF_SIGN, unit: 'bits' },
  { name: 'ECDH', ckm: F.CKM_ECDH1_DERIVE, flags: F.CKF_DERIVE, unit: 'bits' },
  { name: 'EDWARDS-KEYGEN', ckm: CKM_EC_EDWARDS_KEY_PAIR_GEN, flags: F.CKF_GENERATE_KEY_PAIR, unit: 'bits' },
  { name: 'EdDSA', ckm: CKM_EDDSA, flags: F.CKF_SIGN, unit: 'bits' },
  { name: 'MONTGOMERY-KEYGEN', ckm: CKM_EC_MONTGOMERY_KEY_PAIR_GEN, flags: F.CKF_GENERATE_KEY_PAIR, unit: 'bits' },
];

export const MECH_BY_NAME = new Map(MECHANISMS.map((m) => [m.name, m]));
export const HMAC_CKM = Object.fromEntries(SHA2.map(([h, , hmac]) => [h, hmac])) as Partial<Record<HashAlg, number>>;

/** What one token offers, computed once at start-up. */
export interface TokenMechanisms {
  /** Canonical name -> the token's size range, in the row's unit. */
  ranges: Map<string, { min: number; max: number }>;
  /** Curves a key pair could actually be generated on (probed, not assumed). */
  curves: Set<Curve | 'Ed25519'>;
  /** The token's CKM_AES_KEY_WRAP_PAD follows RFC 5649 for inputs that are not a multiple of 8. */
  kwpConformant: boolean;
}

/** Reads the mechanism list and infos of a slot through the table. */
export function readMechanisms(p11: pkcs11js.PKCS11, slot: pkcs11js.Handle): Map<string, { min: number; max: number }> {
  const offered = new Set(p11.C_GetMechanismList(slot));
  const ranges = new Map<string, { min: number; max: number }>();
  for (const row of MECHANISMS) {
    if (!offered.has(row.ckm)) continue;
    const info = p11.C_GetMechanismInfo(slot, row.ckm);
    if ((info.flags & row.flags) !== row.flags) continue;
    ranges.set(row.name, { min: info.minKeySize, max: info.maxKeySize });
  }
  return ranges;
}

/** Does the token offer `name` for a key of `bits`? (Sizes converted to the row's unit.) */
export function offers(t: TokenMechanisms, name: string, bits?: number): boolean {
  const r = t.ranges.get(name);
  if (!r) return false;
  if (bits === undefined) return true;
  const size = MECH_BY_NAME.get(name)?.unit === 'bytes' ? bits / 8 : bits;
  // A range of 0..0 means the token states no limit.
  return (r.min === 0 && r.max === 0) || (size >= r.min && size <= r.max);
}

/** HMAC hashes the token accepts for a generic secret of `bits` (tokens bound the key size). */
export function hmacHashes(t: TokenMechanisms, bits: number): HashAlg[] {
  return SHA2.map(([h]) => h).filter((h) => offers(t, `HMAC-${h}`, bits));
}

/**
 * Each canonical mechanism this backend can perform, and what the token must offer for it. `shown`
 * is how capabilities() names it on a token where it is restricted.
 */
const CANONICAL: Array<{ name: string; offered: (t: TokenMechanisms) => boolean; shown?: (t: TokenMechanisms) => string }> = [
  { name: 'AES-GCM', offered: (t) => offers(t, 'AES-GCM') },
  { name: 'AES-KW', offered: (t) => offers(t, 'AES-KW') },
  { name: 'AES-KWP', offered: (t) => offers(t, 'AES-KWP'), shown: (t) => (t.kwpConformant ? 'AES-KWP' : 'AES-KWP (inputs of 8n bytes; unwrap any)') },
  // OAEP with a hash the token lacks, and PKCS#1 v1.5 with implicit rejection, run on raw RSA.
  { name: 'RSA-OAEP', offered: (t) => offers(t, 'RSA-OAEP') || offers(t, 'RSA-RAW') },
  { name: 'RSA-PKCS1', offered: (t) => offers(t, 'RSA-RAW') },
  { name: 'RSA-PKCS1-SIGN', offered: (t) => offers(t, 'RSA-PKCS1-SIGN') },
  { name: 'RSA-PSS', offered: (t) => offers(t, 'RSA-PSS') },
  { name: 'ECDSA', offered: (t) => offers(t, 'ECDSA') },
  { name: 'ECDH', offered: (t) => offers(t, 'ECDH') },
  { name: 'EdDSA', offered: (t) => offers(t, 'EdDSA') && t.curves.has('Ed25519') },
  ...SHA2.map(([h]) => ({ name: `HMAC-${h}`, offered: (t: TokenMechanisms) => offers(t, `HMAC-${h}`) })),
];

/** Canonical mechanism names, for capabilities(). */
export function canonicalMechanisms(t: TokenMechanisms): string[] {
  return CANONICAL.filter((m) => m.offered(t)).map((m) => m.shown?.(t) ?? m.name);
}

/** Every canonical mechanism the backend can perform on a token that offers it; anything else it never does. */
export function possibleMechanisms(): string[] {
  return CANONICAL.map((m) => m.name);
}

/** A human matrix: each table row the token offers, with its size range. */
export function describeMechanisms(t: TokenMechanisms): string[] {
  return MECHANISMS.flatMap((m) => {
    const r = t.ranges.get(m.name);
    return r ? [`${m.name}: ${r.min}..${r.max} ${m.unit}`] : [];
  });
}
