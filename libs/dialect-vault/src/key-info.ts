import { createPublicKey } from 'node:crypto';
import type { KeyRecord } from '@kms/core';
import { CONVERGENT_VERSION } from './derivation';
import { keyTypeOf, typeName } from './key-types';
import { settingsOf } from './settings';

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * A key as Vault's Read Key answers it, plus `id`, the canonical key's UUID (by which every other
 * dialect names it). `keys` holds each kept version's creation time (symmetric keys) or its
 * public key (asymmetric: PEM SPKI, Ed25519 as raw base64, as Vault formats them).
 */
export function keyInfo(name: string, record: KeyRecord): Record<string, unknown> {
  const s = settingsOf(record);
  const t = keyTypeOf(record, s.type);
  const oldest = record.versions[0]?.version ?? record.currentVersion;
  const info: Record<string, unknown> = {
    name,
    id: record.id,
    type: typeName(record, t),
    derived: s.derived,
    deletion_allowed: s.deletion_allowed,
    exportable: s.exportable,
    allow_plaintext_backup: s.allow_plaintext_backup,
    latest_version: record.currentVersion,
    min_available_version: oldest > 1 ? oldest : 0,
    min_decryption_version: record.minDecryptVersion,
    min_encryption_version: s.min_encryption_version,
    supports_encryption: t?.supports.encryption ?? false,
    supports_decryption: t?.supports.decryption ?? false,
    supports_signing: t?.supports.signing ?? false,
    supports_derivation: t?.supports.derivation ?? false,
    auto_rotate_period: record.rotation ? seconds(record.rotation.periodMs) : 0,
    imported_key: record.origin !== 'generated',
  };
  if (record.origin !== 'generated') info.imported_key_allow_rotation = s.allow_rotation === true;
  if (s.derived) {
    info.kdf = 'hkdf_sha256';
    info.convergent_encryption = s.convergent_encryption;
    if (s.convergent_encryption) info.convergent_encryption_version = CONVERGENT_VERSION;
  }
  if (t?.kind === 'hmac') info.key_size = s.key_size ?? Number(/^secret-(\d+)$/.exec(record.spec)?.[1] ?? 0) / 8;
  if (t?.kind !== 'hmac') info.keys = Object.fromEntries(record.versions.map((v) => [String(v.version), t?.publicName ? publicEntry(t.publicName, v) : seconds(v.createdAt)]));
  return info;
}

function publicEntry(name: string, v: { publicKey: Buffer | null; createdAt: number }): Record<string, unknown> {
  return { name, public_key: v.publicKey ? formatPublicKey(name, v.publicKey) : '', certificate_chain: '', creation_time: new Date(v.createdAt).toISOString() };
}

/** Vault's formatting: Ed25519 as the raw 32 bytes in base64, every other key as a PEM SPKI. */
function formatPublicKey(name: string, spki: Buffer): string {
  if (name === 'ed25519') return spki.subarray(spki.length - 32).toString('base64');
  return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
}
