import { createPrivateKey, createPublicKey } from 'node:crypto';
import { type KeyMaterial, atVersion, hmacSubkey } from '@kms/core';
import { badRequest, nothingHere } from '../errors';
import { typeName } from '../key-types';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { type NamedKey, findKey } from './lookup';

/**
 * Export Key (`GET transit/export/:kind/:name[/:version]`), Vault's answer shape: `keys` maps each
 * version to the key in Vault's format. Private material only of an exportable key, each version
 * through the core's audited export; public keys of any asymmetric key. A key's HMAC key is the
 * key itself for `hmac` keys and, for AES and ChaCha20 keys, the core's HMAC subkey, computed
 * here from the exported version with its documented HKDF info (the same bytes the core MACs with).
 */
type ExportKind = 'encryption-key' | 'signing-key' | 'hmac-key' | 'public-key';

/** Vault's formats (path_export.go): raw keys base64, RSA as PKCS#1 PEM, ECDSA as SEC1 PEM, Ed25519 as seed ‖ public. */
function formatPrivate(key: NamedKey, m: KeyMaterial): string {
  if (m.kind === 'secret') return m.bytes.toString('base64');
  if (m.kind !== 'pkcs8') throw badRequest(`unknown key type ${typeName(key.record, key.type)} for export`);
  const k = createPrivateKey({ key: m.der, format: 'der', type: 'pkcs8' });
  switch (key.type?.kind) {
    case 'rsa':
      return k.export({ format: 'pem', type: 'pkcs1' }).toString();
    case 'ecdsa':
      return k.export({ format: 'pem', type: 'sec1' }).toString().trim();
    case 'ed25519': {
      const jwk = k.export({ format: 'jwk' });
      return Buffer.concat([Buffer.from(jwk.d!, 'base64url'), Buffer.from(jwk.x!, 'base64url')]).toString('base64');
    }
    default:
      throw badRequest(`unknown key type ${typeName(key.record, key.type)} for export`);
  }
}

function formatPublic(key: NamedKey, spki: Buffer): string {
  if (key.type?.kind === 'ed25519') return spki.subarray(spki.length - 32).toString('base64');
  const pem = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
  // Vault trims its ECDSA PEM and not its RSA one.
  return key.type?.kind === 'ecdsa' ? pem.trim() : pem;
}

/** What each kind needs of the key, in Vault's words (a 400 before anything is exported). */
const CHECKS: Record<ExportKind, (key: NamedKey) => string | null> = {
  'encryption-key': (key) => (key.type?.supports.encryption ? null : 'encryption not supported for the key'),
  'signing-key': (key) => (key.type?.supports.signing ? null : 'signing not supported for the key'),
  'hmac-key': (key) => (key.type?.kind === 'hmac' || key.type?.kind === 'aead' ? null : `this gateway has no HMAC key for keys of type ${typeName(key.record, key.type)}`),
  'public-key': (key) => (key.type?.publicName ? null : `unknown key type ${typeName(key.record, key.type)} for export type public-key`),
};

const isKind = (k: string | undefined): k is ExportKind => k !== undefined && Object.hasOwn(CHECKS, k);

/** The versions asked for: every one still decrypting (none named), `latest`, `N` or `vN`. */
function versionsOf(key: NamedKey, asked: string | undefined): number[] {
  const { record } = key;
  if (asked === undefined || asked === '') return record.versions.map((v) => v.version).filter((v) => v >= record.minDecryptVersion);
  const text = asked === 'latest' ? String(record.currentVersion) : asked.replace(/^v/, '');
  if (!/^\d{1,9}$/.test(text)) throw badRequest('invalid key version');
  const version = Number(text);
  if (version < record.minDecryptVersion) throw badRequest('version for export is below minimum decryption version');
  if (!record.versions.some((v) => v.version === version)) throw badRequest('version does not exist or cannot be found');
  return [version];
}

async function exportOne(c: VaultCall, key: NamedKey, kind: ExportKind, version: number): Promise<string> {
  if (kind === 'public-key') {
    const { spki } = await c.keys.getPublicKey(c.caller, key.record.id, version);
    return formatPublic(key, spki);
  }
  const { material } = await c.keys.exportKey(c.caller, atVersion(key.record.id, version));
  const bytes = material.kind === 'secret' ? material.bytes : null;
  try {
    if (kind === 'hmac-key' && key.type?.kind === 'aead' && bytes) {
      const subkey = hmacSubkey(bytes);
      try {
        return subkey.toString('base64');
      } finally {
        subkey.fill(0);
      }
    }
    return formatPrivate(key, material);
  } finally {
    bytes?.fill(0);
    if (material.kind === 'pkcs8') material.der.fill(0);
  }
}

const exportKey: VaultAction = async (c): Promise<VaultAnswer> => {
  const kind = c.params.kind;
  if (!isKind(kind)) throw badRequest(`invalid export type: ${kind ?? ''}`);
  const key = await findKey(c, c.params.name!);
  // Vault answers an export of no key as a read of nothing.
  if (!key) throw nothingHere();
  if (!key.settings.exportable && kind !== 'public-key') throw badRequest('private key material is not exportable', 'FORBIDDEN');
  const refused = CHECKS[kind](key);
  if (refused) throw badRequest(refused);
  const keys: Record<string, string> = {};
  for (const version of versionsOf(key, c.params.version)) keys[String(version)] = await exportOne(c, key, kind, version);
  return { data: { name: c.params.name!, type: typeName(key.record, key.type), keys } };
};

export const EXPORT_ACTIONS = { export: exportKey } satisfies Record<string, VaultAction>;
