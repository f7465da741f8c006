import type { CipherAlg, KeyRecord, KeyUsage } from '@kms/core';
import { badRequest, notYet } from './errors';

/** How a key type is used: an AEAD (AES-GCM, ChaCha20-Poly1305), RSA (OAEP encryption and signatures), a signing curve, or HMAC. */
export type KeyKind = 'aead' | 'rsa' | 'ecdsa' | 'ed25519' | 'hmac';

export interface VaultKeyType {
  readonly type: string;
  readonly kind: KeyKind;
  /** The canonical spec; HMAC keys take theirs from key_size. */
  readonly spec: (keySizeBytes: number) => string;
  readonly usages: readonly KeyUsage[];
  readonly supports: { encryption: boolean; decryption: boolean; signing: boolean; derivation: boolean };
  /** The curve name Vault reports beside each version's public key. */
  readonly publicName?: string;
  /** AEAD types: the core's cipher (both lay out nonce (12) ‖ ciphertext ‖ tag (16)). */
  readonly cipher?: CipherAlg;
}

const fixed = (spec: string) => () => spec;
/**
 * AEAD keys also MAC: Vault gives every key an HMAC key, which here is the core's HMAC subkey of
 * the AES or ChaCha20 key (the `mac` usage it needs is never a default, so it is asked for).
 */
const AEAD_USAGES: KeyUsage[] = ['encrypt', 'decrypt', 'mac'];
const ENC: KeyUsage[] = ['encrypt', 'decrypt'];
const SIG: KeyUsage[] = ['sign', 'verify'];
const AEAD = { encryption: true, decryption: true, signing: false, derivation: true };
const SIGNS = { encryption: false, decryption: false, signing: true, derivation: false };
const RSA = { encryption: true, decryption: true, signing: true, derivation: false };

/** Vault's key types (api-docs/secret/transit, Create Key) and the canonical key each is. */
export const KEY_TYPES: Readonly<Record<string, VaultKeyType>> = {
  'aes128-gcm96': { type: 'aes128-gcm96', kind: 'aead', spec: fixed('aes-128'), usages: AEAD_USAGES, supports: AEAD, cipher: 'AES-GCM' },
  'aes256-gcm96': { type: 'aes256-gcm96', kind: 'aead', spec: fixed('aes-256'), usages: AEAD_USAGES, supports: AEAD, cipher: 'AES-GCM' },
  'chacha20-poly1305': { type: 'chacha20-poly1305', kind: 'aead', spec: fixed('chacha20-poly1305'), usages: AEAD_USAGES, supports: AEAD, cipher: 'CHACHA20-POLY1305' },
  // Vault derives Ed25519 signing keys per context; the core has no such derivation, so ed25519 keys are never derived here.
  ed25519: { type: 'ed25519', kind: 'ed25519', spec: fixed('okp-ed25519'), usages: SIG, supports: SIGNS, publicName: 'ed25519' },
  'ecdsa-p256': { type: 'ecdsa-p256', kind: 'ecdsa', spec: fixed('ec-p256'), usages: SIG, supports: SIGNS, publicName: 'P-256' },
  'ecdsa-p384': { type: 'ecdsa-p384', kind: 'ecdsa', spec: fixed('ec-p384'), usages: SIG, supports: SIGNS, publicName: 'P-384' },
  'ecdsa-p521': { type: 'ecdsa-p521', kind: 'ecdsa', spec: fixed('ec-p521'), usages: SIG, supports: SIGNS, publicName: 'P-521' },
  'rsa-2048': { type: 'rsa-2048', kind: 'rsa', spec: fixed('rsa-2048'), usages: [...SIG, ...ENC], supports: RSA, publicName: 'rsa-2048' },
  'rsa-3072': { type: 'rsa-3072', kind: 'rsa', spec: fixed('rsa-3072'), usages: [...SIG, ...ENC], supports: RSA, publicName: 'rsa-3072' },
  'rsa-4096': { type: 'rsa-4096', kind: 'rsa', spec: fixed('rsa-4096'), usages: [...SIG, ...ENC], supports: RSA, publicName: 'rsa-4096' },
  hmac: {
    type: 'hmac',
    kind: 'hmac',
    spec: (size) => `secret-${size * 8}`,
    usages: ['mac'],
    supports: { encryption: false, decryption: false, signing: false, derivation: false },
  },
};

/** Types Vault has that a later part of this dialect serves. */
const LATER: Readonly<Record<string, string>> = {
  managed_key: 'managed keys are',
};

/** Vault's bounds and default for an HMAC key's size, in bytes. */
export const HMAC_KEY_SIZE = { min: 32, max: 512, default: 32 } as const;

export function keyTypeNamed(type: string): VaultKeyType {
  const t = Object.hasOwn(KEY_TYPES, type) ? KEY_TYPES[type] : undefined;
  if (t) return t;
  if (Object.hasOwn(LATER, type)) throw notYet(LATER[type]);
  throw badRequest(`unknown key type ${type}`);
}

/** The canonical spec of each type, for keys made by another dialect (which carry no Vault type). */
const BY_SPEC: Readonly<Record<string, string>> = {
  'aes-128': 'aes128-gcm96',
  'aes-256': 'aes256-gcm96',
  'chacha20-poly1305': 'chacha20-poly1305',
  'okp-ed25519': 'ed25519',
  'ec-p256': 'ecdsa-p256',
  'ec-p384': 'ecdsa-p384',
  'ec-p521': 'ecdsa-p521',
  'rsa-2048': 'rsa-2048',
  'rsa-3072': 'rsa-3072',
  'rsa-4096': 'rsa-4096',
};

/**
 * The Vault type of a key: the one it was made with here, or the one its spec is (a key of another
 * dialect); null for a key no Vault type describes (AES-192, SM2, ...), which is readable but
 * serves no transit operation. A generic secret is an HMAC key whatever its size.
 */
export function keyTypeOf(record: KeyRecord, stored?: string): VaultKeyType | null {
  if (stored && Object.hasOwn(KEY_TYPES, stored)) return KEY_TYPES[stored];
  const type = BY_SPEC[record.spec] ?? (/^secret-\d+$/.test(record.spec) ? 'hmac' : undefined);
  return type ? KEY_TYPES[type] : null;
}

/** The name a key's type has in answers: its Vault type, or the canonical spec when it has none. */
export const typeName = (record: KeyRecord, t: VaultKeyType | null) => t?.type ?? record.spec;
