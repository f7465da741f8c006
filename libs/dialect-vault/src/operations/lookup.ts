import { KmsError, atVersion, isInternalKey, type KeyRef, type KeyRecord } from '@kms/core';
import { VaultError, badRequest } from '../errors';
import { type VaultKeyType, keyTypeOf, typeName } from '../key-types';
import { type VaultSettings, settingsOf } from '../settings';
import type { VaultCall } from './context';

/** A named key with what the dialect needs to use it: its Vault type and settings. */
export interface NamedKey {
  record: KeyRecord;
  type: VaultKeyType | null;
  settings: VaultSettings;
}

/**
 * The key a name (an alias of the tenant, or a key's UUID) names; null when there is none. The
 * gateway's internal keys (BYOK wrapping keys, default secret keys) are none of transit's.
 */
export async function findKey(c: VaultCall, name: string): Promise<NamedKey | null> {
  try {
    const record = await c.keys.get(c.caller, name);
    if (isInternalKey(record)) return null;
    const settings = settingsOf(record);
    return { record, settings, type: keyTypeOf(record, settings.type) };
  } catch (err) {
    if (err instanceof KmsError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** The key, or Vault's refusal for the operation (`encryption key not found`...). */
export async function requireKey(c: VaultCall, name: string, missing: string): Promise<NamedKey> {
  const key = await findKey(c, name);
  if (!key) throw badRequest(missing, 'NOT_FOUND');
  return key;
}

/** The key's type, when it serves `what` (encryption, signing...); Vault's refusal otherwise. */
export function requireKind<K extends VaultKeyType['kind']>(key: NamedKey, kinds: readonly K[], what: string): VaultKeyType & { kind: K } {
  const t = key.type;
  if (!t || !(kinds as readonly string[]).includes(t.kind)) throw badRequest(`key type ${typeName(key.record, t)} does not support ${what}`, 'FORBIDDEN');
  return t as VaultKeyType & { kind: K };
}

/**
 * The version an encryption, signature or HMAC uses: the latest unless `key_version` names one,
 * which must be within [min_encryption_version, latest] (Vault's rule). The bare id lets the core
 * pick the current version at the moment it runs.
 */
export function encryptionRef(key: NamedKey, requested: number | undefined): { ref: KeyRef; version: number | null } {
  if (requested === undefined || requested === 0) return { ref: key.record.id, version: null };
  if (requested < 0) throw badRequest('requested version for encryption is negative');
  if (requested > key.record.currentVersion) throw badRequest('requested version for encryption is higher than the latest key version');
  if (key.settings.min_encryption_version > 0 && requested < key.settings.min_encryption_version)
    throw badRequest('requested version for encryption is less than the minimum encryption key version');
  return { ref: atVersion(key.record.id, requested), version: requested };
}

/** Vault's words for a version the core refused: newer than the key has, or no longer kept. */
export function versionRefusal(err: unknown, version: number, key: NamedKey, what: string): unknown {
  if (!(err instanceof KmsError) || err.code !== 'INVALID_ARGUMENT' || !/has no version/.test(err.message)) return err;
  const out = new VaultError(
    400,
    version > key.record.currentVersion ? `invalid ${what}: version is too new` : 'ciphertext or signature version is disallowed by policy (too old)',
  );
  out.audited = true;
  return out;
}

/** The input bytes of an item (`input`), required as Vault requires them. */
export function inputBytes(item: { base64(name: string): Buffer | undefined }, missing = 'missing input'): Buffer {
  const data = item.base64('input');
  if (data === undefined) throw badRequest(missing);
  return data;
}
