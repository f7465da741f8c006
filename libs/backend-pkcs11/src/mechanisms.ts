import * as pkcs11js from 'pkcs11js';
import type { Curve, HashAlg, KeyClass, SpecInfo } from '@kms/core';
import { EC_CURVES } from './curves';

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
  const size = MECH_BY_NAME.get(name)!.unit === 'bytes' ? bits / 8 : bits;
  // A range of 0..0 means the token states no limit.
  return (r.min === 0 && r.max === 0) || (size >= r.min && size <= r.max);
}

/** The mechanisms a spec needs before a key of it is worth creating on this token. */
export function canHoldSpec(t: TokenMechanisms, spec: SpecInfo, keyClass: KeyClass): boolean {
  if (keyClass === 'public') return false; // public keys stay in the software engine
  const b = keyBits(spec);
  switch (spec.family) {
    case 'aes':
      return offers(t, 'AES-KEYGEN', b) && offers(t, 'AES-GCM', b);
    case 'secret':
      return offers(t, 'GENERIC-SECRET-KEYGEN', b) && hmacHashes(t, b).length > 0;
    case 'rsa':
      return offers(t, 'RSA-KEYGEN', b) && (offers(t, 'RSA-PKCS1-SIGN', b) || offers(t, 'RSA-PSS', b));
    case 'ec':
      return offers(t, 'EC-KEYGEN', b) && offers(t, 'ECDSA', b) && t.curves.has(spec.curve!);
    case 'ed25519':
      return offers(t, 'EDWARDS-KEYGEN') && offers(t, 'EdDSA') && t.curves.has('Ed25519');
    case 'x25519':
      // Needs CKM_EC_MONTGOMERY_KEY_PAIR_GEN and ECDH on Montgomery keys; not implemented here.
      return false;
    default:
      // sm2, sm4, ml-dsa: no PKCS#11 mechanism in the table.
      return false;
  }
}

/** HMAC hashes the token accepts for a generic secret of `bits` (tokens bound the key size). */
export function hmacHashes(t: TokenMechanisms, bits: number): HashAlg[] {
  return SHA2.map(([h]) => h).filter((h) => offers(t, `HMAC-${h}`, bits));
}

/** Canonical mechanism names, for capabilities(). */
export function canonicalMechanisms(t: TokenMechanisms): string[] {
  const out: string[] = [];
  const add = (cond: boolean, name: string) => cond && out.push(name);
  add(offers(t, 'AES-GCM'), 'AES-GCM');
  add(offers(t, 'AES-KW'), 'AES-KW');
  add(offers(t, 'AES-KWP'), t.kwpConformant ? 'AES-KWP' : 'AES-KWP (inputs of 8n bytes; unwrap any)');
  add(offers(t, 'RSA-OAEP') || offers(t, 'RSA-RAW'), 'RSA-OAEP');
  add(offers(t, 'RSA-RAW'), 'RSA-PKCS1');
  add(offers(t, 'RSA-PKCS1-SIGN'), 'RSA-PKCS1-SIGN');
  add(offers(t, 'RSA-PSS'), 'RSA-PSS');
  add(offers(t, 'ECDSA'), 'ECDSA');
  add(offers(t, 'ECDH'), 'ECDH');
  add(offers(t, 'EdDSA') && t.curves.has('Ed25519'), 'EdDSA');
  for (const [h] of SHA2) add(offers(t, `HMAC-${h}`), `HMAC-${h}`);
  return out;
}

/** Spec names (sized families as `rsa-*`, `secret-*`) for capabilities(). */
export function canonicalSpecs(t: TokenMechanisms, all: SpecInfo[]): string[] {
  const out = all.filter((s) => s.family !== 'rsa' && s.family !== 'secret' && canHoldSpec(t, s, s.symmetric ? 'secret' : 'private')).map((s) => s.spec);
  if (offers(t, 'RSA-KEYGEN')) out.push('rsa-*');
  if (offers(t, 'GENERIC-SECRET-KEYGEN') && SHA2.some(([h]) => offers(t, `HMAC-${h}`))) out.push('secret-*');
  return out;
}

/** A human matrix: each table row the token offers, with its size range. */
export function describeMechanisms(t: TokenMechanisms): string[] {
  return MECHANISMS.filter((m) => t.ranges.has(m.name)).map((m) => {
    const r = t.ranges.get(m.name)!;
    return `${m.name}: ${r.min}..${r.max} ${m.unit}`;
  });
}

/** Key size as tokens count it (for EC the field size of the curve, not the spec's `bits`). */
export function keyBits(spec: SpecInfo): number {
  return spec.family === 'ec' && spec.curve ? EC_CURVES[spec.curve].bits : spec.bits;
}
