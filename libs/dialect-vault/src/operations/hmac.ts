import { type MacKeyChoice, atVersion } from '@kms/core';
import { runItems } from '../batch';
import { bodyBytes, parseVersioned, versioned } from '../ciphertext';
import { badRequest } from '../errors';
import { canonicalHash } from '../hashes';
import { type KeyKind, typeName } from '../key-types';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { type NamedKey, encryptionRef, inputBytes, requireKey, versionRefusal } from './lookup';

/**
 * HMAC, through the core's MAC. Vault HMACs with every key: an `hmac` key with itself, any other
 * with a per-version HMAC key. Here that is the core's HMAC subkey of an AES or ChaCha20 key
 * (HKDF-SHA256 of the version with a fixed info, docs/vault.md); signing keys have none, and a
 * key made by another dialect without the `mac` usage may not MAC.
 */
const MAC_KEY: Partial<Record<KeyKind, MacKeyChoice>> = { hmac: 'key', aead: 'hmac-subkey' };

function macKeyOf(key: NamedKey): MacKeyChoice {
  const choice = key.type ? MAC_KEY[key.type.kind] : undefined;
  if (!choice) throw badRequest(`HMAC with keys of type ${typeName(key.record, key.type)} is not supported by this gateway (hmac, AES and ChaCha20 keys only)`, 'UNSUPPORTED');
  if (!key.record.usages.includes('mac'))
    throw badRequest(`key ${key.record.id} may not be used for HMAC: it was made without the mac usage (keys made through this dialect have it)`, 'FORBIDDEN');
  return choice;
}

const algorithmOf = (c: VaultCall) => canonicalHash(c.params.alg || c.input.string('algorithm') || 'sha2-256').alg;

/**
 * Verify's hash, as Vault's verify reads it for an HMAC: the URL's, else `hash_algorithm` (the
 * field verify documents, and the one hvac sends), else the deprecated `algorithm`.
 */
const verifyAlgorithmOf = (c: VaultCall) => canonicalHash(c.params.alg || c.input.string('hash_algorithm') || c.input.string('algorithm') || 'sha2-256').alg;

async function hmac(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('input')) throw badRequest('missing input for HMAC');
  const key = await requireKey(c, c.params.name!, 'encryption key not found');
  const macKey = macKeyOf(key);
  const hash = algorithmOf(c);
  const { ref, version } = encryptionRef(key, c.input.integer('key_version'));
  return runItems(c, 'hmac', async (item) => {
    const mac = await c.keys.mac(c.caller, ref, hash, inputBytes(item, 'missing input for HMAC'), macKey);
    // The core's MAC does not say which version it used: the one named, else the latest the record knew.
    const v = version ?? key.record.currentVersion;
    return { hmac: versioned(v, mac.toString('base64')), key_version: v };
  });
}

/** The `hmac` form of verify (/transit/verify/:name with `hmac` instead of `signature`). */
export async function hmacVerify(c: VaultCall): Promise<VaultAnswer> {
  const key = await requireKey(c, c.params.name!, 'encryption key not found');
  const macKey = macKeyOf(key);
  const hash = verifyAlgorithmOf(c);
  return runItems(c, 'verify-hmac', async (item) => {
    const { version, body } = parseVersioned(item.string('hmac') ?? '', 'hmac');
    const mac = bodyBytes(body, 'hmac');
    try {
      return { valid: await c.keys.macVerify(c.caller, atVersion(key.record.id, version), hash, inputBytes(item), mac, macKey) };
    } catch (err) {
      throw versionRefusal(err, version, key, 'hmac');
    }
  });
}

export const HMAC_ACTIONS = { hmac } satisfies Record<string, VaultAction>;
