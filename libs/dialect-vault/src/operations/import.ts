import { type KeyMaterial, UUID_RE, specInfo } from '@kms/core';
import { checkDerivation } from '../derivation';
import { badRequest, notYet } from '../errors';
import { HMAC_KEY_SIZE, KEY_TYPES, type VaultKeyType } from '../key-types';
import { ATTRIBUTE, DEFAULT_SETTINGS, type VaultSettings } from '../settings';
import { HASH_FUNCTIONS, openImportCiphertext, wrappingPublicKeyPem } from '../wrapping-key';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { nameKey, rotationPeriod } from './keys';
import { findKey } from './lookup';

/**
 * BYOK (api-docs/secret/transit, Import Key): the client wraps its key for the tenant's wrapping
 * key (wrapping-key.ts) and the core imports the material, as a new key (`import`) or as a new
 * version of a key imported before (`import_version`). The material is raw bytes for AES,
 * ChaCha20 and HMAC keys, PKCS#8 DER for the others; the core's backend checks that it fits.
 */

const name = (c: VaultCall) => c.params.name!;

/** What a type's material must be: exactly so many bytes, a size within bounds (HMAC), or PKCS#8. */
type MaterialRule = { kind: 'bytes'; length: number } | { kind: 'sized'; min: number; max: number } | { kind: 'pkcs8' };

function materialRule(type: VaultKeyType): MaterialRule {
  if (type.kind === 'hmac') return { kind: 'sized', min: HMAC_KEY_SIZE.min, max: HMAC_KEY_SIZE.max };
  if (type.kind === 'aead') return { kind: 'bytes', length: specInfo(type.spec(0)).bits / 8 };
  return { kind: 'pkcs8' };
}

/** The material as the core takes it; Vault's refusal for raw bytes of the wrong size. */
function materialOf(type: VaultKeyType, bytes: Buffer): KeyMaterial {
  const rule = materialRule(type);
  if (rule.kind === 'pkcs8') return { kind: 'pkcs8', der: bytes };
  const fits = rule.kind === 'bytes' ? bytes.length === rule.length : bytes.length >= rule.min && bytes.length <= rule.max;
  if (!fits) throw badRequest(`invalid key size ${bytes.length} bytes for key type ${type.type}`);
  return { kind: 'secret', bytes };
}

/** The unwrapped material of the request's `ciphertext` (with its `hash_function`); the caller zeroes it. */
async function unwrappedMaterial(c: VaultCall): Promise<Buffer> {
  const hashName = c.input.string('hash_function') || 'SHA256';
  const hash = HASH_FUNCTIONS[hashName.toUpperCase()];
  if (!hash) throw badRequest(`unknown hash function: ${hashName}`);
  const ciphertext = c.input.base64('ciphertext')!;
  return openImportCiphertext(c, hash, ciphertext);
}

/** Vault's checkKeyFieldsSet: a ciphertext, or a public key (which this gateway does not import alone). */
function requireCiphertext(c: VaultCall): void {
  if (c.input.has('ciphertext')) return;
  if (c.input.has('public_key')) throw notYet('importing a public key alone is');
  throw badRequest('one of the following fields, ciphertext xor public_key, has to be set');
}

async function wrappingKeyRead(c: VaultCall): Promise<VaultAnswer> {
  return { data: { public_key: await wrappingPublicKeyPem(c) } };
}

/** Import Key: a new key of the material, named `name`; Vault answers 204. */
async function importKey(c: VaultCall): Promise<VaultAnswer> {
  const keyName = name(c);
  if (c.input.has('convergent_encryption')) throw badRequest('import cannot be used on keys with convergent encryption enabled');
  const allowRotation = c.input.boolean('allow_rotation') ?? false;
  const period = rotationPeriod(c.input);
  if (period && !allowRotation) throw badRequest('allow_rotation must be set to true if auto-rotation is enabled');
  requireCiphertext(c);
  const typeName = c.input.string('type') || 'aes256-gcm96';
  const type = Object.hasOwn(KEY_TYPES, typeName.toLowerCase()) ? KEY_TYPES[typeName.toLowerCase()] : undefined;
  if (!type) throw badRequest(`unknown key type: ${typeName}`);
  const derived = c.input.boolean('derived') ?? false;
  checkDerivation(type, derived, false);
  if (await findKey(c, keyName)) throw badRequest('the import path cannot be used with an existing key; use import-version to rotate an existing imported key');
  if (UUID_RE.test(keyName.toLowerCase())) throw badRequest('a key name may not have the form of a key id (UUID) unless it names an existing key');
  const bytes = await unwrappedMaterial(c);
  try {
    const material = materialOf(type, bytes);
    const settings: VaultSettings = {
      ...DEFAULT_SETTINGS,
      type: type.type,
      exportable: c.input.boolean('exportable') ?? false,
      allow_plaintext_backup: c.input.boolean('allow_plaintext_backup') ?? false,
      derived,
      allow_rotation: allowRotation,
      ...(type.kind === 'hmac' ? { key_size: bytes.length } : {}),
    };
    const record = await c.keys.import(c.caller, {
      spec: type.spec(bytes.length),
      usages: [...type.usages],
      label: keyName.slice(0, 255),
      exportable: settings.exportable,
      attributes: { [ATTRIBUTE]: settings },
      material,
    });
    const named = await nameKey(c, keyName, record, period || undefined, { importedMaterial: true });
    if (!named.won) throw badRequest('the import path cannot be used with an existing key; use import-version to rotate an existing imported key');
  } finally {
    bytes.fill(0);
  }
  return { data: null };
}

/**
 * Import Key Version: the material becomes the key's new latest version. Vault's `version`
 * (update a version whose private half is missing) has nothing to do here, where every version
 * holds its material, so every call makes a new version, as Vault does for a version already set.
 */
async function importVersion(c: VaultCall): Promise<VaultAnswer> {
  const keyName = name(c);
  requireCiphertext(c);
  const key = await findKey(c, keyName);
  if (!key) throw badRequest(`no key found with name ${keyName}; to import a new key, use the import/ endpoint`, 'NOT_FOUND');
  if (key.record.origin !== 'imported') throw badRequest('the import_version endpoint can only be used with an imported key');
  if (key.settings.convergent_encryption) throw badRequest('import_version cannot be used on keys with convergent encryption enabled');
  const type = key.type;
  if (!type) throw badRequest(`key type ${key.record.spec} does not support import_version`);
  const bytes = await unwrappedMaterial(c);
  try {
    const material = materialOf(type, bytes);
    // The core's HMAC key has one size for every version (its spec): Vault's would take another.
    if (type.kind === 'hmac' && bytes.length * 8 !== specInfo(key.record.spec).bits)
      throw badRequest(`invalid key size ${bytes.length} bytes for key type hmac: the key's versions are ${specInfo(key.record.spec).bits / 8} bytes`);
    await c.keys.lifecycle.importVersion(c.caller, key.record.id, material);
  } finally {
    bytes.fill(0);
  }
  return { data: null };
}

export const IMPORT_ACTIONS = {
  wrappingKey: wrappingKeyRead,
  import: importKey,
  importVersion,
} satisfies Record<string, VaultAction>;
