import { X509Certificate } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  ALL_USAGES,
  type GivenSecretFormat,
  type KeyMaterial,
  type KeyUsage,
  UUID_RE,
  checkAliasName,
  checkUsages,
  clientCertLookup,
  fingerprintLookup,
  givenSecretProblem,
  specInfo,
} from '@kms/core';
import { parseX25519Public } from '@kms/dialect-encedo';
import { Hidden } from './hidden';
import { MATERIAL_FORMS, READ_MATERIAL } from './key-material';
import { EntryProblem, SeedError } from './seed-error';

/** One declared credential, by kind; secrets stay Hidden until they are stored. */
export type SeedCredential = { path: string; label?: string } & (
  | { kind: 'ehsm'; appid: string; apikey: Hidden<string> }
  | { kind: 'jose'; token: Hidden<string> }
  | { kind: 'aws'; accessKeyId: string; secretAccessKey: Hidden<string> }
  | { kind: 'vault'; token: Hidden<string> }
  | { kind: 'encedo'; user: { passphrase: Hidden<string> } | { publicKey: string } }
  | { kind: 'cert'; fingerprint: string }
);

export interface SeedKey {
  path: string;
  id: string;
  spec: string;
  usages?: KeyUsage[];
  aliases: Array<{ name: string; path: string }>;
  backend?: string;
  exportable: boolean;
  label?: string;
  material: Hidden<KeyMaterial> | null;
}

export interface SeedTenant {
  path: string;
  name: string;
  credentials: SeedCredential[];
  keys: SeedKey[];
}

export interface SeedFile {
  tenants: SeedTenant[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields each credential kind takes besides `kind` and `label`; one of the listed alternatives must be given when there are several. */
const CREDENTIAL_FIELDS: Record<SeedCredential['kind'], string[]> = {
  ehsm: ['appid', 'apikey'],
  jose: ['token'],
  aws: ['accessKeyId', 'secretAccessKey'],
  vault: ['token'],
  encedo: ['passphrase', 'publicKey'],
  cert: ['cert', 'fingerprint'],
};

const KEY_FIELDS = ['id', 'spec', 'usages', 'aliases', 'backend', 'exportable', 'label', 'material'];

/** A given secret of the issued shape, or a problem naming its path. */
function secret(o: Obj, field: string, format: GivenSecretFormat, path: string): Hidden<string> {
  const problem = givenSecretProblem(format, o[field]);
  if (problem) throw new EntryProblem(`${path}.${field}`, problem);
  return new Hidden(o[field] as string);
}

function plain(o: Obj, field: string, format: GivenSecretFormat, path: string): string {
  return secret(o, field, format, path).reveal();
}

function optionalText(o: Obj, field: string, path: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 256) throw new EntryProblem(`${path}.${field}`, 'must be a string of 1 to 256 characters');
  return v;
}

function onlyFields(o: Obj, allowed: string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new EntryProblem(`${path}.${k}`, 'is not a known field');
}

/** Exactly one of two alternative fields. */
function oneOf(o: Obj, a: string, b: string, path: string): string {
  if ((o[a] === undefined) === (o[b] === undefined)) throw new EntryProblem(path, `give one of ${a} or ${b}`);
  return o[a] !== undefined ? a : b;
}

const READ_CREDENTIAL: { [K in SeedCredential['kind']]: (o: Obj, path: string) => Extract<SeedCredential, { kind: K }> } = {
  ehsm: (o, path) => ({ kind: 'ehsm', path, appid: plain(o, 'appid', 'ehsm-appid', path), apikey: secret(o, 'apikey', 'ehsm-apikey', path) }),
  jose: (o, path) => ({ kind: 'jose', path, token: secret(o, 'token', 'jose-token', path) }),
  aws: (o, path) => ({
    kind: 'aws',
    path,
    accessKeyId: plain(o, 'accessKeyId', 'aws-access-key-id', path),
    secretAccessKey: secret(o, 'secretAccessKey', 'aws-secret-access-key', path),
  }),
  vault: (o, path) => ({ kind: 'vault', path, token: secret(o, 'token', 'vault-token', path) }),
  encedo: (o, path) => {
    if (oneOf(o, 'passphrase', 'publicKey', path) === 'passphrase') {
      if (typeof o.passphrase !== 'string' || o.passphrase.length < 8) throw new EntryProblem(`${path}.passphrase`, 'must be a string of at least 8 characters');
      return { kind: 'encedo', path, user: { passphrase: new Hidden(o.passphrase) } };
    }
    if (typeof o.publicKey !== 'string' || !parseX25519Public(o.publicKey))
      throw new EntryProblem(`${path}.publicKey`, 'must be an X25519 public key, 32 bytes of standard base64');
    return { kind: 'encedo', path, user: { publicKey: o.publicKey } };
  },
  cert: (o, path) => {
    if (oneOf(o, 'cert', 'fingerprint', path) === 'fingerprint') {
      const fingerprint = typeof o.fingerprint === 'string' ? fingerprintLookup(o.fingerprint) : null;
      if (!fingerprint) throw new EntryProblem(`${path}.fingerprint`, 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)');
      return { kind: 'cert', path, fingerprint };
    }
    try {
      return { kind: 'cert', path, fingerprint: clientCertLookup(new X509Certificate(String(o.cert))) };
    } catch {
      throw new EntryProblem(`${path}.cert`, 'must be a PEM certificate');
    }
  },
};

function readCredential(v: unknown, path: string): SeedCredential {
  if (!isObj(v)) throw new EntryProblem(path, 'must be a mapping');
  const kind = v.kind;
  if (typeof kind !== 'string' || !(kind in READ_CREDENTIAL)) throw new EntryProblem(`${path}.kind`, `must be one of ${Object.keys(READ_CREDENTIAL).join(', ')}`);
  const k = kind as SeedCredential['kind'];
  onlyFields(v, ['kind', 'label', ...CREDENTIAL_FIELDS[k]], path);
  const label = optionalText(v, 'label', path);
  return { ...READ_CREDENTIAL[k](v, path), ...(label ? { label } : {}) };
}

function readKey(v: unknown, path: string): SeedKey {
  if (!isObj(v)) throw new EntryProblem(path, 'must be a mapping');
  onlyFields(v, KEY_FIELDS, path);
  if (typeof v.id !== 'string' || !UUID_RE.test(v.id)) throw new EntryProblem(`${path}.id`, 'must be a lower-case UUID');
  let info;
  try {
    info = specInfo(String(v.spec));
  } catch {
    throw new EntryProblem(`${path}.spec`, 'must be a key spec the gateway knows (docs/seed.md lists them)');
  }
  let material: KeyMaterial | null = null;
  if (v.material !== undefined && v.material !== null) {
    const m = v.material;
    if (!isObj(m) || Object.keys(m).length !== 1 || !(MATERIAL_FORMS as readonly string[]).includes(Object.keys(m)[0])) {
      throw new EntryProblem(`${path}.material`, `must have exactly one of ${MATERIAL_FORMS.join(', ')}`);
    }
    const form = Object.keys(m)[0] as (typeof MATERIAL_FORMS)[number];
    try {
      material = READ_MATERIAL[form](m[form], info);
    } catch (err) {
      throw new EntryProblem(`${path}.material.${form}`, (err as Error).message);
    }
  }
  let usages: KeyUsage[] | undefined;
  if (v.usages !== undefined) {
    if (!Array.isArray(v.usages) || v.usages.some((u) => !(ALL_USAGES as readonly unknown[]).includes(u))) {
      throw new EntryProblem(`${path}.usages`, `must be a list of ${ALL_USAGES.join(', ')}`);
    }
    usages = v.usages as KeyUsage[];
    try {
      checkUsages(info, usages, material === null ? (info.symmetric ? 'secret' : 'private') : material.kind === 'public' ? 'public' : info.symmetric ? 'secret' : 'private');
    } catch (err) {
      throw new EntryProblem(`${path}.usages`, (err as Error).message);
    }
  }
  const aliases = v.aliases === undefined ? [] : v.aliases;
  if (!Array.isArray(aliases)) throw new EntryProblem(`${path}.aliases`, 'must be a list of names');
  if (v.exportable !== undefined && typeof v.exportable !== 'boolean') throw new EntryProblem(`${path}.exportable`, 'must be true or false');
  const backend = optionalText(v, 'backend', path);
  const label = optionalText(v, 'label', path);
  return {
    path,
    id: v.id,
    spec: info.spec,
    ...(usages ? { usages } : {}),
    aliases: aliases.map((name: unknown, i) => {
      try {
        return { name: checkAliasName(name), path: `${path}.aliases[${i}]` };
      } catch (err) {
        throw new EntryProblem(`${path}.aliases[${i}]`, (err as Error).message);
      }
    }),
    ...(backend ? { backend } : {}),
    exportable: v.exportable === true,
    ...(label ? { label } : {}),
    material: material ? new Hidden(material) : null,
  };
}

function list(o: Obj, field: string, path: string): unknown[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new EntryProblem(`${path}.${field}`, 'must be a list');
  return v;
}

/**
 * Reads a seed file's text into a checked declaration: every field of every entry has its shape
 * (secrets of the issued forms, material fitting its spec), and nothing is declared twice. It
 * reads no store: conflicts with what is stored are found by the plan. All problems are gathered
 * into one SeedError, which names paths and never values.
 */
export function readSeedFile(file: string, text: string): SeedFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // The YAML parser's message quotes the offending line, which may hold a secret: give its position only.
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    throw new SeedError(file, [{ path: '', message: `not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}` }]);
  }
  if (!isObj(doc)) throw new SeedError(file, [{ path: '', message: 'must hold a mapping with a `tenants` list' }]);
  const problems: Array<{ path: string; message: string }> = [];
  const attempt = <T>(fn: () => T): T | null => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof EntryProblem)) throw err;
      problems.push({ path: err.path, message: err.message });
      return null;
    }
  };
  attempt(() => onlyFields(doc, ['tenants'], ''));
  const tenants: SeedTenant[] = [];
  for (const [i, t] of (attempt(() => list(doc, 'tenants', '')) ?? []).entries()) {
    const path = `tenants[${i}]`;
    const tenant = attempt(() => {
      if (!isObj(t)) throw new EntryProblem(path, 'must be a mapping');
      onlyFields(t, ['name', 'credentials', 'keys'], path);
      if (typeof t.name !== 'string' || !/^[A-Za-z0-9._@-]{1,128}$/.test(t.name)) throw new EntryProblem(`${path}.name`, 'must be 1-128 characters of A-Z a-z 0-9 . _ @ -');
      return t;
    });
    if (!tenant) continue;
    const credentials = (attempt(() => list(tenant, 'credentials', path)) ?? []).map((c, j) => attempt(() => readCredential(c, `${path}.credentials[${j}]`)));
    const keys = (attempt(() => list(tenant, 'keys', path)) ?? []).map((k, j) => attempt(() => readKey(k, `${path}.keys[${j}]`)));
    tenants.push({
      path,
      name: tenant.name as string,
      credentials: credentials.filter((c): c is SeedCredential => c !== null),
      keys: keys.filter((k): k is SeedKey => k !== null),
    });
  }
  problems.push(...duplicates(tenants));
  if (problems.length) throw new SeedError(file, problems);
  return { tenants };
}

/** Entries the file declares twice (a tenant, a key id, an alias in one tenant, a credential). */
function duplicates(tenants: SeedTenant[]): Array<{ path: string; message: string }> {
  const found: Array<{ path: string; message: string }> = [];
  const seen = new Map<string, string>();
  const once = (key: string, path: string, what: string) => {
    const first = seen.get(key);
    if (first) found.push({ path, message: `declares ${what} already declared at ${first}` });
    else seen.set(key, path);
  };
  for (const t of tenants) {
    once(`tenant\u0000${t.name}`, `${t.path}.name`, 'the tenant');
    for (const c of t.credentials) once(`credential\u0000${c.kind}\u0000${credentialIdentity(c)}`, c.path, 'the credential');
    for (const k of t.keys) {
      once(`key\u0000${k.id}`, `${k.path}.id`, 'the key id');
      for (const a of k.aliases) once(`alias\u0000${t.name}\u0000${a.name}`, a.path, 'the alias');
    }
  }
  return found;
}

/** What names a credential within its kind (never a secret in clear: tokens and passphrases are compared as given, inside this process only). */
function credentialIdentity(c: SeedCredential): string {
  switch (c.kind) {
    case 'ehsm':
      return c.appid;
    case 'aws':
      return c.accessKeyId;
    case 'jose':
    case 'vault':
      return c.token.reveal();
    case 'encedo':
      return 'passphrase' in c.user ? `p:${c.user.passphrase.reveal()}` : c.user.publicKey;
    case 'cert':
      return c.fingerprint;
  }
}
