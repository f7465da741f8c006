import { atVersion } from '@kms/core';
import { runItems } from '../batch';
import { bodyBytes, parseVersioned, versioned } from '../ciphertext';
import { badRequest } from '../errors';
import { canonicalHash } from '../hashes';
import { typeName } from '../key-types';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { type NamedKey, encryptionRef, inputBytes, requireKey, versionRefusal } from './lookup';

/**
 * HMAC with `hmac` keys, through the core's MAC. Vault also HMACs with a per-version HMAC key of
 * every other key type; that derived subkey is a later part, so those keys are refused clearly.
 */
function hmacKey(key: NamedKey): void {
  if (key.type?.kind !== 'hmac') throw badRequest(`HMAC with keys of type ${typeName(key.record, key.type)} is not supported yet by this gateway (hmac keys only)`, 'UNSUPPORTED');
}

const algorithmOf = (c: VaultCall) => canonicalHash(c.params.alg || c.input.string('algorithm') || 'sha2-256').alg;

async function hmac(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('input')) throw badRequest('missing input for HMAC');
  const key = await requireKey(c, c.params.name!, 'encryption key not found');
  hmacKey(key);
  const hash = algorithmOf(c);
  const { ref, version } = encryptionRef(key, c.input.integer('key_version'));
  return runItems(c, 'hmac', async (item) => {
    const mac = await c.keys.mac(c.caller, ref, hash, inputBytes(item, 'missing input for HMAC'));
    // The core's MAC does not say which version it used: the one named, else the latest the record knew.
    const v = version ?? key.record.currentVersion;
    return { hmac: versioned(v, mac.toString('base64')), key_version: v };
  });
}

/** The `hmac` form of verify (/transit/verify/:name with `hmac` instead of `signature`). */
export async function hmacVerify(c: VaultCall): Promise<VaultAnswer> {
  const key = await requireKey(c, c.params.name!, 'encryption key not found');
  hmacKey(key);
  const hash = algorithmOf(c);
  return runItems(c, 'verify-hmac', async (item) => {
    const { version, body } = parseVersioned(item.string('hmac') ?? '', 'hmac');
    const mac = bodyBytes(body, 'hmac');
    try {
      return { valid: await c.keys.macVerify(c.caller, atVersion(key.record.id, version), hash, inputBytes(item), mac) };
    } catch (err) {
      throw versionRefusal(err, version, key, 'hmac');
    }
  });
}

export const HMAC_ACTIONS = { hmac } satisfies Record<string, VaultAction>;
