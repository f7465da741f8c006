import type { HashAlg, SignParams } from '@kms/core';
import type { HemType } from './key-types';

/** HEM hash names (`alg` of hmac/ecdh, notes §4) → canonical digests. */
export const HEM_HASHES: Record<string, HashAlg> = {
  'SHA2-256': 'SHA-256',
  'SHA2-384': 'SHA-384',
  'SHA2-512': 'SHA-512',
  'SHA3-256': 'SHA3-256',
  'SHA3-384': 'SHA3-384',
  'SHA3-512': 'SHA3-512',
};

/**
 * ExDSA `alg` → the key types it fits and the canonical sign parameters. ECDSA signatures are
 * emitted as raw r‖s (fixed width, like every other HEM signature); verify accepts r‖s or DER.
 */
export interface ExdsaAlg {
  types: readonly HemType[];
  params: SignParams;
  /** Ed25519ctx needs a context; the others take one optionally. */
  needsCtx?: boolean;
  /** Pure Ed25519 has no context (RFC 8032 §5.1). */
  noCtx?: boolean;
}
const SECP: HemType[] = ['SECP256R1', 'SECP384R1', 'SECP521R1', 'SECP256K1'];
export const EXDSA_ALGS: Record<string, ExdsaAlg> = {
  SHA256WithECDSA: { types: SECP, params: { scheme: 'ECDSA', hash: 'SHA-256', encoding: 'raw' } },
  SHA384WithECDSA: { types: SECP, params: { scheme: 'ECDSA', hash: 'SHA-384', encoding: 'raw' } },
  SHA512WithECDSA: { types: SECP, params: { scheme: 'ECDSA', hash: 'SHA-512', encoding: 'raw' } },
  Ed25519: { types: ['ED25519'], params: { scheme: 'EdDSA' }, noCtx: true },
  Ed25519ph: { types: ['ED25519'], params: { scheme: 'EdDSA', variant: 'ph' } },
  Ed25519ctx: { types: ['ED25519'], params: { scheme: 'EdDSA' }, needsCtx: true },
  Ed448: { types: ['ED448'], params: { scheme: 'EdDSA' } },
  Ed448ph: { types: ['ED448'], params: { scheme: 'EdDSA', variant: 'ph' } },
};

/** Cipher `alg`: AES<bits>-<mode> (notes §4). */
export function cipherAlg(alg: unknown): { bits: number; mode: 'ECB' | 'CBC' | 'GCM' } | null {
  const m = typeof alg === 'string' ? /^AES(128|192|256)-(ECB|CBC|GCM)$/.exec(alg) : null;
  return m ? { bits: Number(m[1]), mode: m[2] as 'ECB' | 'CBC' | 'GCM' } : null;
}
