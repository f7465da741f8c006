import type { SubkeyDecryption, SubkeyEncryption } from '@kms/core';
import { badRequest } from './errors';
import type { Input } from './input';
import type { VaultKeyType } from './key-types';
import type { VaultSettings } from './settings';

/**
 * Derived keys (Vault's `derived`, `kdf: hkdf_sha256`): every operation runs under the core's
 * per-context subkey, HKDF-SHA256(key version, salt empty, info = context), the derivation Vault
 * itself uses. Convergent keys also make the nonce deterministic (the core's own nonce rule, see
 * docs/vault.md). A context given for a key that is not derived is ignored, as Vault ignores it.
 */
export const MISSING_CONTEXT =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";

/** The convergent version reported: Vault's current one, which computes its nonce and takes none. */
export const CONVERGENT_VERSION = 3;

function contextOf(item: Input, settings: VaultSettings): Buffer | undefined {
  if (!settings.derived) return undefined;
  const context = item.base64('context');
  if (!context?.length) throw badRequest(MISSING_CONTEXT);
  return context;
}

/** The core's subkey parameters for an encryption with this item's context; none for a key that is not derived. */
export function encryptionSubkey(item: Input, settings: VaultSettings): SubkeyEncryption | undefined {
  const context = contextOf(item, settings);
  if (!context) return undefined;
  return { mode: settings.convergent_encryption ? 'convergent' : 'derived', context };
}

export function decryptionSubkey(item: Input, settings: VaultSettings): SubkeyDecryption | undefined {
  const context = contextOf(item, settings);
  return context ? { context } : undefined;
}

/** Vault's rules for `derived` and `convergent_encryption` at creation, per key type. */
export function checkDerivation(type: VaultKeyType, derived: boolean, convergent: boolean): void {
  if (convergent && !derived) throw badRequest('convergent encryption requires derivation to be enabled');
  if (!derived) return;
  if (type.kind === 'ed25519') throw badRequest('derived ed25519 keys are not supported by this gateway', 'UNSUPPORTED');
  if (!type.supports.derivation) throw badRequest(`key derivation and convergent encryption not supported for keys of type ${type.type}`);
}
