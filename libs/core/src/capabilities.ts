import { CIPHER_ALGS, ASYM_SCHEMES, MAC_HASHES, SIGN_SCHEMES, type WrapAlg } from './algorithms';
import type { BackendCapabilities } from './backend';
import { listedSpecs, specInfo, type KeyFamily, type SpecInfo } from './specs';

/**
 * Canonical mechanism names per key family, for `capabilities()` (what GET /backends shows). The
 * scheme tables of algorithms.ts give signing, asymmetric encryption and symmetric ciphers; the
 * rest are the operations of the other usages, named here once.
 */
const WRAP_ALGS: Partial<Record<KeyFamily, readonly WrapAlg[]>> = { aes: ['AES-KW', 'AES-KWP'] };
const AGREEMENT: Partial<Record<KeyFamily, readonly string[]>> = { ec: ['ECDH'], x25519: ['X25519'], x448: ['X448'] };
/** Key derivation from a stored secret (KeyOperations.deriveFromKey). */
const SECRET_KDFS = ['PBKDF2', 'HMAC-KDF'];
const KDFS: Partial<Record<KeyFamily, readonly string[]>> = { aes: SECRET_KDFS, secret: SECRET_KDFS };
const KEM: Partial<Record<KeyFamily, readonly string[]>> = { 'ml-kem': ['ML-KEM'] };
const SUBKEY_MACS = MAC_HASHES.map((h) => `HMAC-SUBKEY-${h}`);
/** HMAC keys MAC with themselves; AES and ChaCha20 keys with their HMAC subkey (MacKeyChoice). */
const MACS: Partial<Record<KeyFamily, readonly string[]>> = { secret: MAC_HASHES.map((h) => `HMAC-${h}`), aes: SUBKEY_MACS, chacha20: SUBKEY_MACS };
const MECHANISM_TABLES: ReadonlyArray<Partial<Record<KeyFamily, readonly string[]>>> = [CIPHER_ALGS, WRAP_ALGS, ASYM_SCHEMES, SIGN_SCHEMES, AGREEMENT, KEM, MACS, KDFS];

/** Families sized by the caller (`rsa-3072`, `secret-384`): listed by their wildcard. */
const SIZED: Partial<Record<KeyFamily, string>> = { rsa: 'rsa-*', secret: 'secret-*' };

/** Every canonical mechanism a key of `family` can be used with. */
export function familyMechanisms(family: KeyFamily): string[] {
  return MECHANISM_TABLES.flatMap((t) => t[family] ?? []);
}

/** Spec names as capabilities list them: fixed specs by name, sized families once by wildcard. */
export function specNames(specs: readonly SpecInfo[]): string[] {
  return unique(specs.map((s) => SIZED[s.family] ?? s.spec));
}

/** The capability matrix of a backend that can do everything the tables define for `specs`. */
export function capabilitiesOf(specs: readonly SpecInfo[]): BackendCapabilities {
  return { specs: specNames(specs), mechanisms: unique(specs.flatMap((s) => familyMechanisms(s.family))) };
}

/** Every spec the core defines (sized families by representative members). */
export function listedSpecInfos(): SpecInfo[] {
  return listedSpecs().map((s) => specInfo(s));
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
