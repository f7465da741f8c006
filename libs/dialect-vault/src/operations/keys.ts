import { KmsError, UUID_RE, isInternalKey, type KeyRecord, type RotationConsent } from '@kms/core';
import { checkDerivation } from '../derivation';
import { badRequest, nothingHere, toVaultError } from '../errors';
import type { Input } from '../input';
import { keyInfo } from '../key-info';
import { HMAC_KEY_SIZE, keyTypeNamed } from '../key-types';
import { ATTRIBUTE, DEFAULT_SETTINGS, type VaultSettings } from '../settings';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { findKey } from './lookup';

/** Vault's floor for automatic rotation; 0 turns it off. */
const HOUR_MS = 3_600_000;

/** Vault's key names (framework.GenericNameRegex): word characters, and - . @ inside. */
export const NAME = String.raw`\w(?:[\w.@-]*\w)?`;
export const VAULT_NAME = new RegExp(`^${NAME}$`);

const name = (c: VaultCall) => c.params.name!;

export function rotationPeriod(input: Input): number | undefined {
  const ms = input.duration('auto_rotate_period');
  if (ms !== undefined && ms !== 0 && ms < HOUR_MS) throw badRequest('auto rotate period must be 0 to disable or at least an hour');
  return ms;
}

/**
 * Creates the key `name` (Vault's Create Key): a canonical key of the type's spec, named by the
 * alias `name`. A name already taken answers the existing key with Vault's warning. Two requests
 * racing for one name meet on the alias: the loser's key is destroyed again.
 */
export async function createNamed(c: VaultCall, keyName: string, typeName: string, input: Input): Promise<VaultAnswer> {
  const type = keyTypeNamed(typeName);
  const derived = input.boolean('derived') ?? false;
  const convergent = input.boolean('convergent_encryption') ?? false;
  checkDerivation(type, derived, convergent);
  const keySize = input.integer('key_size');
  if (keySize !== undefined && keySize !== 0 && type.kind !== 'hmac') throw badRequest(`key_size is not valid for algorithm ${type.type}`);
  const size = keySize || HMAC_KEY_SIZE.default;
  if (type.kind === 'hmac' && (size < HMAC_KEY_SIZE.min || size > HMAC_KEY_SIZE.max)) throw badRequest(`invalid key_size ${size}`);
  const period = rotationPeriod(input);
  const existing = await findKey(c, keyName);
  if (existing) return { data: keyInfo(keyName, existing.record), warnings: [`key ${keyName} already existed`] };
  if (UUID_RE.test(keyName.toLowerCase())) throw badRequest('a key name may not have the form of a key id (UUID) unless it names an existing key');
  const settings: VaultSettings = {
    ...DEFAULT_SETTINGS,
    type: type.type,
    exportable: input.boolean('exportable') ?? false,
    allow_plaintext_backup: input.boolean('allow_plaintext_backup') ?? false,
    derived,
    convergent_encryption: convergent,
    ...(type.kind === 'hmac' ? { key_size: size } : {}),
  };
  const record = await c.keys.create(c.caller, {
    spec: type.spec(size),
    usages: [...type.usages],
    label: keyName.slice(0, 255),
    exportable: settings.exportable,
    attributes: { [ATTRIBUTE]: settings },
  });
  const named = await nameKey(c, keyName, record, period);
  return named.won ? { data: keyInfo(keyName, named.record) } : { data: keyInfo(keyName, named.record), warnings: [`key ${keyName} already existed`] };
}

/**
 * Gives a new key its Vault name (the alias) and its rotation schedule. Two requests racing for
 * one name meet on the alias: the loser's key is destroyed again, and the winner's is answered.
 */
export async function nameKey(
  c: VaultCall,
  keyName: string,
  record: KeyRecord,
  period: number | undefined,
  consent: RotationConsent = {},
): Promise<{ won: boolean; record: KeyRecord }> {
  try {
    await c.keys.lifecycle.createAlias(c.caller, keyName, record.id);
  } catch (err) {
    await c.keys.destroy(c.caller, record.id);
    const winner = err instanceof KmsError && err.code === 'ALREADY_EXISTS' ? await findKey(c, keyName) : null;
    if (winner) return { won: false, record: winner.record };
    throw err;
  }
  return { won: true, record: period ? await c.keys.lifecycle.setRotation(c.caller, record.id, period, undefined, consent) : record };
}

/** What an imported key's owner agreed to: gateway-made versions only with `allow_rotation` (Vault's rule). */
export function rotationConsent(keyName: string, record: KeyRecord, settings: VaultSettings): RotationConsent {
  if (record.origin === 'generated') return {};
  if (!settings.allow_rotation) throw badRequest(`imported key ${keyName} does not allow rotation within Vault`);
  return { importedMaterial: true };
}

/** The key, read through an audited core operation; Vault's bare 404 when there is none. */
async function readRecord(c: VaultCall, keyName: string): Promise<KeyRecord> {
  try {
    const { record } = await c.keys.lifecycle.versions(c.caller, keyName);
    if (!isInternalKey(record)) return record;
  } catch (err) {
    const refusal = toVaultError(err);
    if (refusal.code !== 'NOT_FOUND') throw refusal;
    const out = nothingHere();
    out.audited = true;
    throw out;
  }
  // An internal key of the gateway reads as nothing, as it would to Vault (this refusal's row is the codec's).
  throw nothingHere();
}

async function listKeys(c: VaultCall): Promise<VaultAnswer> {
  const aliases = await c.keys.lifecycle.listAliases(c.caller);
  const names = aliases.map((a) => a.name).filter((n) => VAULT_NAME.test(n));
  // Vault answers an empty list as a read of nothing.
  if (!names.length) throw Object.assign(nothingHere(), { audited: true });
  return { data: { keys: names } };
}

async function deleteKey(c: VaultCall): Promise<VaultAnswer> {
  const key = await findKey(c, name(c));
  if (!key) throw badRequest(`error deleting policy ${name(c)}: could not delete key; not found`, 'NOT_FOUND');
  if (!key.settings.deletion_allowed) throw badRequest(`error deleting policy ${name(c)}: deletion is not allowed for this key`, 'FORBIDDEN');
  // Vault deletes at once: the core's immediate destroy (material gone, aliases removed, row kept as a tombstone).
  await c.keys.destroy(c.caller, key.record.id);
  return { data: null };
}

/**
 * Update Key Configuration. Checked whole before anything is written, in Vault's order; then
 * the minimum decryption version (a core field), the Vault-only settings (attributes) and the
 * rotation schedule, each through its core operation.
 */
async function configKey(c: VaultCall): Promise<VaultAnswer> {
  const keyName = name(c);
  const key = await findKey(c, keyName);
  if (!key) throw badRequest(`no existing key named ${keyName} could be found`, 'NOT_FOUND');
  const { record, settings } = key;
  const warnings: string[] = [];
  const latest = record.currentVersion;
  const oldest = record.versions[0]?.version ?? latest;
  let minDecrypt = c.input.integer('min_decryption_version');
  if (minDecrypt !== undefined) {
    if (minDecrypt < 0) throw badRequest('min decryption version cannot be negative');
    if (minDecrypt === 0) {
      minDecrypt = 1;
      warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
    }
    if (minDecrypt > latest) throw badRequest(`cannot set min decryption version of ${minDecrypt}, latest key version is ${latest}`);
    if (minDecrypt < oldest && oldest > 1) throw badRequest(`cannot set min decryption version of ${minDecrypt} below min available version of ${oldest}`);
  }
  const minEncrypt = c.input.integer('min_encryption_version');
  if (minEncrypt !== undefined) {
    if (minEncrypt < 0) throw badRequest('min encryption version cannot be negative');
    if (minEncrypt > latest) throw badRequest(`cannot set min encryption version of ${minEncrypt}, latest key version is ${latest}`);
  }
  const finalDecrypt = minDecrypt ?? record.minDecryptVersion;
  const finalEncrypt = minEncrypt ?? settings.min_encryption_version;
  if (finalEncrypt > 0 && finalDecrypt > finalEncrypt) throw badRequest('min decryption version should not be greater than min encryption version');
  const patch: Partial<VaultSettings> = {};
  if (minEncrypt !== undefined) patch.min_encryption_version = minEncrypt;
  const deletion = c.input.boolean('deletion_allowed');
  if (deletion !== undefined) patch.deletion_allowed = deletion;
  for (const flag of ['exportable', 'allow_plaintext_backup'] as const) {
    const v = c.input.boolean(flag);
    if (v === false && settings[flag]) throw badRequest(`${flag} cannot be disabled once set`);
    if (v) patch[flag] = true;
  }
  const period = rotationPeriod(c.input);
  const consent = period ? rotationConsent(keyName, record, settings) : {};
  let next = record;
  if (minDecrypt !== undefined && minDecrypt !== record.minDecryptVersion) next = await c.keys.lifecycle.setMinDecryptVersion(c.caller, record.id, minDecrypt);
  if (Object.keys(patch).length) next = await c.keys.updateAttributes(c.caller, record.id, { [ATTRIBUTE]: { ...storedSettings(record), ...patch } });
  // Vault's exportable is the core's own flag too, so that the core lets the material out (one way, as Vault's).
  if (patch.exportable && !next.exportable) next = await c.keys.lifecycle.allowExport(c.caller, record.id);
  if (period !== undefined) next = await c.keys.lifecycle.setRotation(c.caller, record.id, period === 0 ? null : period, undefined, consent);
  return { data: keyInfo(keyName, next), warnings };
}

/** The settings as stored (without the defaults a key of another dialect reads with). */
function storedSettings(record: KeyRecord): Partial<VaultSettings> {
  const s = record.attributes?.[ATTRIBUTE];
  return typeof s === 'object' && s !== null ? s : {};
}

async function rotateKey(c: VaultCall): Promise<VaultAnswer> {
  const key = await findKey(c, name(c));
  if (!key) throw badRequest('key not found', 'NOT_FOUND');
  const consent = rotationConsent(name(c), key.record, key.settings);
  return { data: keyInfo(name(c), await c.keys.lifecycle.rotate(c.caller, key.record.id, undefined, consent)) };
}

/** Trim Key, with Vault's rules; the core destroys the material of the versions below. */
async function trimKey(c: VaultCall): Promise<VaultAnswer> {
  const key = await findKey(c, name(c));
  if (!key) throw badRequest('invalid key name', 'NOT_FOUND');
  const below = c.input.integer('min_available_version');
  if (below === undefined) throw badRequest('missing min_available_version');
  const { record, settings } = key;
  const oldest = record.versions[0]?.version ?? record.currentVersion;
  const rule = [
    { broken: oldest > 1 && below < oldest, message: 'minimum available version cannot be decremented' },
    { broken: settings.min_encryption_version === 0, message: 'minimum available version cannot be set when minimum encryption version is not set' },
    { broken: below > settings.min_encryption_version, message: 'minimum available version cannot be greater than minimum encryption version' },
    { broken: below > record.minDecryptVersion, message: 'minimum available version cannot be greater than minimum decryption version' },
    { broken: below < 0, message: 'minimum available version cannot be negative' },
    { broken: below === 0, message: 'minimum available version should be positive' },
  ].find((r) => r.broken);
  if (rule) throw badRequest(rule.message);
  return { data: keyInfo(name(c), await c.keys.lifecycle.trim(c.caller, record.id, below)) };
}

export const KEY_ACTIONS = {
  list: listKeys,
  read: async (c: VaultCall) => ({ data: keyInfo(name(c), await readRecord(c, name(c))) }),
  create: (c: VaultCall) => createNamed(c, name(c), c.input.string('type') || 'aes256-gcm96', c.input),
  delete: deleteKey,
  config: configKey,
  rotate: rotateKey,
  trim: trimKey,
} satisfies Record<string, VaultAction>;
