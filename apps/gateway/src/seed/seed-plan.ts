import { createHmac, timingSafeEqual } from 'node:crypto';
import { type CredentialKind, type KeyMaterial, type KeyRecord, type OpContext, type Sealer, hashToken, specInfo } from '@kms/core';
import { DERIVE_LABELS as ENCEDO_DERIVE_LABELS, DeviceIdentity, userPublicKey } from '@kms/dialect-encedo';
import type { Kernel } from '../kernel';
import { publicKeyOf } from './key-material';
import type { SeedCredential, SeedFile, SeedKey, SeedTenant } from './seed-file';

/** One write the seed still needs; `run` performs it (the tenant's id is known by then). */
export interface SeedStep {
  path: string;
  what: 'tenant' | 'credential' | 'key' | 'alias';
  run: () => Promise<void>;
}

export interface SeedPlan {
  steps: SeedStep[];
  /** Entries already in the store as declared. */
  unchanged: number;
  conflicts: Array<{ path: string; message: string }>;
}

/** Who seeded keys and credentials are made by, in the audit trail. */
export const seedContext = (tenantId: string): OpContext => ({ tenantId, dialect: 'admin', principal: 'seed' });

/**
 * Symmetric material is compared through a keyed fingerprint kept in the key's attributes: an
 * HMAC under a key derived from the master key, over the spec and the bytes. It tells "same
 * material" without the store or the gateway ever holding the material in clear outside the
 * backend (a pkcs11 key cannot be read back at all), and without anyone who reads the store
 * learning anything from it (a plain hash of a known-format key could be checked against guesses).
 * Asymmetric material is compared by its public key, which the store already holds.
 */
export function materialFingerprint(sealer: Sealer, spec: string, bytes: Buffer): string {
  return `v1:${createHmac('sha256', sealer.derive('seed/material-fingerprint')).update(`${spec}\u0000`).update(bytes).digest('hex')}`;
}
const FINGERPRINT_ATTRIBUTE = 'seedFingerprint';

interface CredentialEntry {
  stored: CredentialKind;
  /** The field whose value names the credential, for conflict paths. */
  field: string;
  lookup: (c: never, eid: () => string) => string;
  /** The sealed secret to compare with, for kinds the server keeps sealed. */
  secret?: (c: never) => string;
  register: (k: Kernel, tenantId: string, c: never, eid: () => string) => Promise<unknown>;
}

/** How each declared kind is looked up, compared and stored. */
const CREDENTIALS: { [K in SeedCredential['kind']]: CredentialEntry & { lookup: (c: Extract<SeedCredential, { kind: K }>, eid: () => string) => string } } = {
  ehsm: {
    stored: 'ehsm-app',
    field: 'appid',
    lookup: (c) => c.appid,
    secret: (c: Extract<SeedCredential, { kind: 'ehsm' }>) => c.apikey.reveal(),
    register: (k, t, c: Extract<SeedCredential, { kind: 'ehsm' }>) => k.tenants.registerEhsmApp(t, c.appid, c.apikey.reveal(), c.label),
  },
  aws: {
    stored: 'aws-access-key',
    field: 'accessKeyId',
    lookup: (c) => c.accessKeyId,
    secret: (c: Extract<SeedCredential, { kind: 'aws' }>) => c.secretAccessKey.reveal(),
    register: (k, t, c: Extract<SeedCredential, { kind: 'aws' }>) => k.tenants.registerAwsAccessKey(t, c.accessKeyId, c.secretAccessKey.reveal(), c.label),
  },
  jose: {
    stored: 'jose-token',
    field: 'token',
    lookup: (c) => hashToken(c.token.reveal()),
    register: (k, t, c: Extract<SeedCredential, { kind: 'jose' }>) => k.tenants.registerBearerToken(t, c.token.reveal(), c.label),
  },
  vault: {
    stored: 'vault-token',
    field: 'token',
    lookup: (c) => hashToken(c.token.reveal()),
    register: (k, t, c: Extract<SeedCredential, { kind: 'vault' }>) => k.tenants.registerVaultToken(t, c.token.reveal(), c.label),
  },
  encedo: {
    stored: 'encedo-user',
    field: 'passphrase',
    // The gateway keeps the user's X25519 public key only, derived as every Encedo client does.
    lookup: (c, eid) => ('passphrase' in c.user ? userPublicKey(c.user.passphrase.reveal(), eid()) : c.user.publicKey),
    register: (k, t, c: Extract<SeedCredential, { kind: 'encedo' }>, eid) => k.tenants.addCredential(t, 'encedo-user', CREDENTIALS.encedo.lookup(c, eid), { label: c.label }),
  },
  cert: {
    stored: 'tls-client-cert',
    field: 'cert',
    lookup: (c) => c.fingerprint,
    register: (k, t, c: Extract<SeedCredential, { kind: 'cert' }>) => k.tenants.addCredential(t, 'tls-client-cert', c.fingerprint, { label: c.label }),
  },
};

/**
 * Compares a declared seed with the store and lists the writes it still needs, writing nothing.
 * An entry already stored as declared is unchanged; one stored otherwise (another secret, tenant,
 * spec, material, alias target) is a conflict, named by its path in the file.
 */
export async function planSeed(k: Kernel, seed: SeedFile): Promise<SeedPlan> {
  const plan: SeedPlan = { steps: [], unchanged: 0, conflicts: [] };
  let eidMemo: string | null = null;
  const eid = () => (eidMemo ??= new DeviceIdentity(k.sealer.derive(ENCEDO_DERIVE_LABELS.identity)).eid);
  for (const t of seed.tenants) await planTenant(k, t, plan, eid);
  return plan;
}

async function planTenant(k: Kernel, t: SeedTenant, plan: SeedPlan, eid: () => string): Promise<void> {
  const found = await k.tenants.findTenant(t.name);
  const existing = found && found.name === t.name ? found : null;
  // The id of a tenant made by an earlier step is filled in when that step runs.
  const tenant = { id: existing?.id ?? null };
  const tenantId = () => tenant.id!;
  if (existing) plan.unchanged++;
  else
    plan.steps.push({
      path: t.path,
      what: 'tenant',
      run: async () => {
        tenant.id = (await k.tenants.createTenant(t.name)).id;
      },
    });

  for (const c of t.credentials) {
    const entry = CREDENTIALS[c.kind] as CredentialEntry;
    const lookup = entry.lookup(c as never, eid);
    const held = await k.tenants.findDeclared(entry.stored, lookup, entry.secret?.(c as never));
    if (!held) plan.steps.push({ path: c.path, what: 'credential', run: async () => void (await entry.register(k, tenantId(), c as never, eid)) });
    else if (held.tenantId !== existing?.id) plan.conflicts.push({ path: `${c.path}.${entry.field}`, message: 'is already a credential of another tenant' });
    else if (held.revoked) plan.conflicts.push({ path: `${c.path}.${entry.field}`, message: 'was revoked; a seed does not bring a revoked credential back' });
    else if (!held.sameSecret) plan.conflicts.push({ path: `${c.path}.${secretField(c)}`, message: `differs from the secret stored for this ${entry.field}` });
    else plan.unchanged++;
  }

  const aliases = existing ? new Map((await k.keys.lifecycle.listAliases(seedContext(existing.id))).map((a) => [a.name, a.keyId])) : new Map<string, string>();
  for (const key of t.keys) {
    const record = await k.keyStore.find(key.id);
    if (!record) plan.steps.push({ path: key.path, what: 'key', run: () => createKey(k, tenantId(), key) });
    else {
      const problem = keyConflict(k, record, existing?.id ?? null, key);
      if (problem) plan.conflicts.push(problem);
      else plan.unchanged++;
    }
    for (const a of key.aliases) {
      const target = aliases.get(a.name);
      if (target === undefined)
        plan.steps.push({ path: a.path, what: 'alias', run: async () => void (await k.keys.lifecycle.createAlias(seedContext(tenantId()), a.name, key.id)) });
      else if (target !== key.id) plan.conflicts.push({ path: a.path, message: `already names key ${target}` });
      else plan.unchanged++;
    }
  }
}

const secretField = (c: SeedCredential): string => ({ ehsm: 'apikey', aws: 'secretAccessKey', jose: 'token', vault: 'token', encedo: 'passphrase', cert: 'cert' })[c.kind];

/** Why a stored key is not the one declared, or null when it is. */
function keyConflict(k: Kernel, record: KeyRecord, tenantId: string | null, key: SeedKey): { path: string; message: string } | null {
  if (record.tenantId !== tenantId) return { path: `${key.path}.id`, message: 'is the id of a key of another tenant' };
  if (record.state === 'destroyed' || record.state === 'pending_deletion')
    return { path: `${key.path}.id`, message: `is the id of a key that is ${record.state.replace('_', ' ')}` };
  if (record.spec !== key.spec) return { path: `${key.path}.spec`, message: `differs from the stored key's spec (${record.spec})` };
  if (key.usages && !sameSet(key.usages, record.usages)) return { path: `${key.path}.usages`, message: `differ from the stored key's (${record.usages.join(', ')})` };
  if (key.backend && key.backend !== record.backend) return { path: `${key.path}.backend`, message: `differs from the stored key's backend (${record.backend})` };
  if (key.material && !sameMaterial(k, record, key.material.reveal()))
    return { path: `${key.path}.material`, message: 'differs from the stored key material (or the stored key was not seeded with material)' };
  return null;
}

function sameMaterial(k: Kernel, record: KeyRecord, material: KeyMaterial): boolean {
  if (material.kind === 'secret') {
    const held = record.attributes[FINGERPRINT_ATTRIBUTE];
    const given = materialFingerprint(k.sealer, record.spec, material.bytes);
    return typeof held === 'string' && held.length === given.length && timingSafeEqual(Buffer.from(held), Buffer.from(given));
  }
  if ((material.kind === 'public') !== (record.keyClass === 'public')) return false;
  const spki = publicKeyOf(material);
  // Any kept version: a seeded key may have been rotated since, and its first version is still the given material.
  return spki !== null && [record.publicKey, ...record.versions.map((v) => v.publicKey)].some((p) => p !== null && p.equals(spki));
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

async function createKey(k: Kernel, tenantId: string, key: SeedKey): Promise<void> {
  const ctx = seedContext(tenantId);
  const common = { id: key.id, spec: key.spec, usages: key.usages, label: key.label ?? null, exportable: key.exportable, ...(key.backend ? { backend: key.backend } : {}) };
  if (!key.material) {
    await k.keys.create(ctx, common);
    return;
  }
  const material = key.material.reveal();
  const attributes = material.kind === 'secret' ? { [FINGERPRINT_ATTRIBUTE]: materialFingerprint(k.sealer, specInfo(key.spec).spec, material.bytes) } : undefined;
  // The backend gets its own copy (some zero what they were handed); the declaration keeps its own for a retry.
  await k.keys.import(ctx, { ...common, material: copy(material), attributes });
}

function copy(m: KeyMaterial): KeyMaterial {
  switch (m.kind) {
    case 'secret':
      return { kind: 'secret', bytes: Buffer.from(m.bytes) };
    case 'pkcs8':
      return { kind: 'pkcs8', der: Buffer.from(m.der) };
    case 'public':
      return { kind: 'public', spki: Buffer.from(m.spki) };
    case 'raw-private':
      return { kind: 'raw-private', bytes: Buffer.from(m.bytes), publicKey: m.publicKey };
  }
}
