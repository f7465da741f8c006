import type { HashAlg, KeyRecord, KeyUsage } from '@kms/core';

/**
 * HEM key types (notes §3) ↔ canonical specs. One row per type: what the core holds it as, how
 * its public key travels (`pubkey` format), and which modes it has. Types whose spec the core
 * cannot hold are refused with 406 at create/import (see `isKnownSpec`).
 */
export type HemType =
  | 'SECP256R1'
  | 'SECP384R1'
  | 'SECP521R1'
  | 'SECP256K1'
  | 'CURVE25519'
  | 'CURVE448'
  | 'ED25519'
  | 'ED448'
  | 'SHA2-256'
  | 'SHA2-384'
  | 'SHA2-512'
  | 'SHA3-256'
  | 'SHA3-384'
  | 'SHA3-512'
  | 'AES128'
  | 'AES192'
  | 'AES256'
  | 'MLKEM512'
  | 'MLKEM768'
  | 'MLKEM1024'
  | 'MLDSA44'
  | 'MLDSA65'
  | 'MLDSA87';

export type PubkeyFormat = 'x962-compressed' | 'raw';
type Kind = 'secp' | 'ecdh' | 'eddsa' | 'hmac' | 'aes' | 'mlkem' | 'mldsa';

export interface HemTypeInfo {
  type: HemType;
  spec: string;
  kind: Kind;
  /** SPKI tail length for raw keys / node curve name for SECP. */
  curve?: string;
  /** HMAC digest of a SHA* key (fixed by the type; `alg` is ignored). */
  hash?: HashAlg;
  /** Import accepts only asymmetric types (notes §3). */
  importable: boolean;
}

const row = (type: HemType, spec: string, kind: Kind, extra: Partial<HemTypeInfo> = {}): HemTypeInfo => ({
  type,
  spec,
  kind,
  importable: !['hmac', 'aes'].includes(kind),
  ...extra,
});

export const HEM_TYPES: readonly HemTypeInfo[] = [
  row('SECP256R1', 'ec-p256', 'secp', { curve: 'prime256v1' }),
  row('SECP384R1', 'ec-p384', 'secp', { curve: 'secp384r1' }),
  row('SECP521R1', 'ec-p521', 'secp', { curve: 'secp521r1' }),
  row('SECP256K1', 'ec-secp256k1', 'secp', { curve: 'secp256k1' }),
  row('CURVE25519', 'okp-x25519', 'ecdh'),
  row('CURVE448', 'okp-x448', 'ecdh'),
  row('ED25519', 'okp-ed25519', 'eddsa'),
  row('ED448', 'okp-ed448', 'eddsa'),
  // HMAC keys are as long as their digest (the device does not say; RFC 2104 recommends >= L).
  row('SHA2-256', 'secret-256', 'hmac', { hash: 'SHA-256' }),
  row('SHA2-384', 'secret-384', 'hmac', { hash: 'SHA-384' }),
  row('SHA2-512', 'secret-512', 'hmac', { hash: 'SHA-512' }),
  row('SHA3-256', 'secret-256', 'hmac', { hash: 'SHA3-256' }),
  row('SHA3-384', 'secret-384', 'hmac', { hash: 'SHA3-384' }),
  row('SHA3-512', 'secret-512', 'hmac', { hash: 'SHA3-512' }),
  row('AES128', 'aes-128', 'aes'),
  row('AES192', 'aes-192', 'aes'),
  row('AES256', 'aes-256', 'aes'),
  row('MLKEM512', 'ml-kem-512', 'mlkem'),
  row('MLKEM768', 'ml-kem-768', 'mlkem'),
  row('MLKEM1024', 'ml-kem-1024', 'mlkem'),
  row('MLDSA44', 'ml-dsa-44', 'mldsa'),
  row('MLDSA65', 'ml-dsa-65', 'mldsa'),
  row('MLDSA87', 'ml-dsa-87', 'mldsa'),
];

const BY_TYPE = new Map(HEM_TYPES.map((t) => [t.type, t]));
export const hemType = (name: unknown): HemTypeInfo | undefined => (typeof name === 'string' ? BY_TYPE.get(name as HemType) : undefined);

/**
 * A key made by another dialect has no stored HEM type: its spec decides. A `secret-N` key reads
 * as SHA2-N (HMAC is what HEM does with a generic secret); specs HEM has no type for are not
 * shown to this dialect at all.
 */
const DEFAULT_FOR_SPEC = new Map<string, HemTypeInfo>();
for (const t of HEM_TYPES) if (!DEFAULT_FOR_SPEC.has(t.spec)) DEFAULT_FOR_SPEC.set(t.spec, t);

/** Where this dialect keeps its own attributes on a key record. */
export interface EncedoAttributes {
  type?: HemType;
  mode?: string;
  label?: string;
  /** base64, as the client sent it. */
  descr?: string;
}
export const encedoAttrs = (r: KeyRecord): EncedoAttributes => (r.attributes?.encedo as EncedoAttributes | undefined) ?? {};

/** JOSE HMAC keys of any length (e.g. an imported 131-byte RFC 4231 key) read as their SHA2 type. */
const JOSE_HMAC_TYPES: Record<string, HemType> = { HS256: 'SHA2-256', HS384: 'SHA2-384', HS512: 'SHA2-512' };

export function typeOfRecord(r: KeyRecord): HemTypeInfo | undefined {
  const stored = encedoAttrs(r).type;
  const t = stored ? BY_TYPE.get(stored) : undefined;
  if (t && t.spec === r.spec) return t;
  const joseAlg = (r.attributes?.jose as { alg?: string } | undefined)?.alg;
  const hmac = joseAlg && r.spec.startsWith('secret-') ? BY_TYPE.get(JOSE_HMAC_TYPES[joseAlg]) : undefined;
  return hmac ? { ...hmac, spec: r.spec } : DEFAULT_FOR_SPEC.get(r.spec);
}

/** `mode` (notes §3) matters only for SECP keys; missing means ECDH only, as on the device. */
export function secpModes(mode: string | undefined): { ecdh: boolean; exdsa: boolean } {
  const parts = (mode ?? 'ECDH').split(',').map((s) => s.trim());
  return { ecdh: parts.includes('ECDH'), exdsa: parts.includes('ExDSA') };
}

/** The core usages that carry a HEM type and mode, so the core itself refuses a disallowed use. */
export function usagesFor(t: HemTypeInfo, mode: string | undefined, publicOnly: boolean): KeyUsage[] {
  switch (t.kind) {
    case 'secp': {
      const m = secpModes(mode);
      const u: KeyUsage[] = [...(m.ecdh ? (['derive'] as KeyUsage[]) : []), ...(m.exdsa ? ((publicOnly ? ['verify'] : ['sign', 'verify']) as KeyUsage[]) : [])];
      // Junk mode (SDKJS sends the type name) is tolerated and means ECDH, the device default.
      return u.length ? u : ['derive'];
    }
    case 'ecdh':
      return ['derive'];
    case 'eddsa':
    case 'mldsa':
      return publicOnly ? ['verify'] : ['sign', 'verify'];
    case 'hmac':
      return ['mac'];
    case 'aes':
      return ['encrypt', 'decrypt', 'wrap', 'unwrap'];
    case 'mlkem':
      return publicOnly ? ['encrypt'] : ['encrypt', 'decrypt'];
  }
}

/**
 * The `type` string of list/search entries: flags, then the algorithm (notes §3). ATT = made on
 * the device (here: generated by the gateway, any dialect), PKEY = the private or secret half is
 * held, then ECDH / ExDSA by what the key may do, PQC for ML-* keys.
 */
export function listTypeString(r: KeyRecord, t: HemTypeInfo): string {
  const flags: string[] = [];
  if (r.origin === 'generated') flags.push('ATT');
  if (r.keyClass !== 'public') flags.push('PKEY');
  if (r.usages.includes('derive') && (t.kind === 'secp' || t.kind === 'ecdh')) flags.push('ECDH');
  if ((r.usages.includes('sign') || r.usages.includes('verify')) && (t.kind === 'secp' || t.kind === 'eddsa')) flags.push('ExDSA');
  if (t.kind === 'mlkem' || t.kind === 'mldsa') flags.push('PQC');
  return [...flags, t.type].join(',');
}
