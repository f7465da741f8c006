import type { KeyRecord } from '@kms/core';

/**
 * The per-key settings Vault has and the canonical key does not, kept in the record's
 * `attributes.vault` (written through the core's updateAttributes). A key made by another dialect
 * has none: it reads as Vault's defaults.
 */
export interface VaultSettings {
  /** The Vault type the key was made as (a generic secret could be several). */
  type?: string;
  deletion_allowed: boolean;
  /** 0: the latest version encrypts, as Vault. */
  min_encryption_version: number;
  exportable: boolean;
  allow_plaintext_backup: boolean;
  derived: boolean;
  convergent_encryption: boolean;
  /** HMAC keys: the size asked for, in bytes. */
  key_size?: number;
  /** Imported keys: may the gateway make new versions (rotate, auto_rotate_period)? */
  allow_rotation?: boolean;
}

export const DEFAULT_SETTINGS: VaultSettings = {
  deletion_allowed: false,
  min_encryption_version: 0,
  exportable: false,
  allow_plaintext_backup: false,
  derived: false,
  convergent_encryption: false,
};

export const ATTRIBUTE = 'vault';

export function settingsOf(record: KeyRecord): VaultSettings {
  const stored = record.attributes?.[ATTRIBUTE];
  const s = typeof stored === 'object' && stored !== null ? (stored as Partial<VaultSettings>) : {};
  return { ...DEFAULT_SETTINGS, ...s, exportable: record.exportable || s.exportable === true };
}
