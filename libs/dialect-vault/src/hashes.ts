import type { HashAlg } from '@kms/core';
import { badRequest } from './errors';

/**
 * Vault's hash names (sign, verify, hmac, hash) and the canonical digest each is. SHA3-224 has
 * no canonical digest: signatures and HMACs refuse it; the hash endpoint computes it itself.
 */
export const HASH_NAMES: Readonly<Record<string, { canonical: HashAlg | null; node: string; size: number }>> = {
  sha1: { canonical: 'SHA-1', node: 'sha1', size: 20 },
  'sha2-224': { canonical: 'SHA-224', node: 'sha224', size: 28 },
  'sha2-256': { canonical: 'SHA-256', node: 'sha256', size: 32 },
  'sha2-384': { canonical: 'SHA-384', node: 'sha384', size: 48 },
  'sha2-512': { canonical: 'SHA-512', node: 'sha512', size: 64 },
  'sha3-224': { canonical: null, node: 'sha3-224', size: 28 },
  'sha3-256': { canonical: 'SHA3-256', node: 'sha3-256', size: 32 },
  'sha3-384': { canonical: 'SHA3-384', node: 'sha3-384', size: 48 },
  'sha3-512': { canonical: 'SHA3-512', node: 'sha3-512', size: 64 },
};

export function hashNamed(name: string) {
  const h = Object.hasOwn(HASH_NAMES, name) ? HASH_NAMES[name] : undefined;
  if (!h) throw badRequest(`unsupported hash algorithm ${name}`);
  return h;
}

/** A digest the core signs and MACs with; SHA3-224 is refused as not yet served. */
export function canonicalHash(name: string): { alg: HashAlg; size: number } {
  const h = hashNamed(name);
  if (!h.canonical) throw badRequest(`hash algorithm ${name} is not supported yet by this gateway`, 'UNSUPPORTED');
  return { alg: h.canonical, size: h.size };
}
