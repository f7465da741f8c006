#!/usr/bin/env node
import 'reflect-metadata';
import { KmsError, clientCertLookup, fingerprintLookup, type CredentialKind, type KeyRecord, type KeyUsage } from '@kms/core';
import { DERIVE_LABELS as ENCEDO_DERIVE_LABELS, DeviceIdentity, parseX25519Public, userPublicKey } from '@kms/dialect-encedo';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type OutputFormat, OUTPUT_FORMATS, nearestCommand, render } from './cli-output';
import { ConfigError, loadConfig } from './config';
import { createKernel, createLogger, type Kernel } from './kernel';
import { applySeedFile } from './seed/apply-seed';

/**
 * Admin CLI over the same store and configuration as the server: `kms <command>` (the package's
 * bin, `npx kms` in a clone) or `npm run cli -- <command>`. Output is a table on a terminal and
 * JSON otherwise (`--output` chooses), so scripts and tests read JSON; errors go to stderr with
 * exit 1 (2 for usage and configuration errors).
 */
const USAGE = `usage: kms <command> [--output table|json]     (in a clone: npx kms ..., or npm run cli -- ...)
  tenant create <name>                       create a tenant
  tenant list                                list tenants
  credential ehsm <tenant> [--label L]       issue an eHSM appid/apikey
  credential jose <tenant> [--label L]       issue a JOSE bearer token
  credential aws <tenant> [--label L]        issue an AWS access key (accessKeyId, secretAccessKey) for the AWS KMS API
  credential vault <tenant> [--label L]      issue a Vault token (token) for the Vault transit API
  credential encedo <tenant> (--passphrase-file F | --public-key B64) [--label L]
                                             register an Encedo HEM user (its X25519 key)
  credential cert <tenant> --cert <client.pem> [--label L]
                                             map a TLS client certificate (its SHA-256 fingerprint) to the tenant (JOSE; KMIP)
  credential kmip <tenant> --cert <client.pem> [--label L]
                                             the same, under the name KMIP users look for
  credential list <tenant>                   list a tenant's credentials (never secrets)
  credential revoke <kind> <lookup>          revoke (kind: ehsm-app, jose-token, encedo-user, aws-access-key, vault-token or tls-client-cert; lookup: the appid, token hash, user, access key id or certificate fingerprint)
  key create <tenant> <spec> [--usage a,b] [--label L] [--exportable]
  key list <tenant>                          list a tenant's keys
  key show <key-id>                          show one key's metadata
  key rehome <key-id> --to <backend>         move an exportable key to another backend (e.g. pkcs11), same id
  key rotate <key-id>                        make a new current version (older ones keep decrypting and verifying)
  key rotation <key-id> (--period-days N | --off)
                                             rotate automatically every N days, or stop
  key versions <key-id>                      list a key's versions (destroyed ones included)
  key min-decrypt-version <key-id> <N>       refuse decryption and verification with versions below N
  key trim <key-id> <N>                      destroy the material of versions below N (at most the minimum decryption version)
  key alias set <tenant> <alias> <key-id>    name a key (or re-point the name)
  key alias rm <tenant> <alias>              remove a name
  key alias list <tenant>                    list a tenant's names
  key schedule-deletion <key-id> [--days N]  destroy the key after N days (7-30, default 30); refused for use meanwhile
  key cancel-deletion <key-id>               cancel it; the key is left disabled
  key tag <key-id> k=v ...                   set tags (an empty value k= keeps the tag with an empty value)
  key untag <key-id> k ...                   remove tags
  key describe <key-id> <text>               set the description
  lifecycle run [--at <ISO time>]            carry out due rotations and deletions now (as of --at)
  audit [--tenant T] [--key K] [--limit N]   print the audit trail, newest first
  seed apply <file.yaml>                     apply a seed file (docs/seed.md), as KMS_SEED does at start-up`;

class UsageError extends Error {}

/**
 * The commands, as the usage text names them ("tenant create", "key alias set", "audit"): the
 * words of each usage line before its first argument. A mistyped command is matched against them.
 */
const COMMANDS: readonly string[] = USAGE.split('\n')
  .map((line) => /^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)*)(?= |$)/.exec(line)?.[1])
  .filter((c): c is string => c !== undefined);

/** "unknown command", with the nearest known one when it is near enough to be what was meant. */
function unknownCommand(args: string[]): UsageError {
  const best = nearestCommand(args, COMMANDS);
  return new UsageError(`unknown command '${args.join(' ')}'${best ? `; did you mean 'kms ${best}'?` : ''}`);
}

const CREDENTIAL_KINDS: readonly CredentialKind[] = ['ehsm-app', 'jose-token', 'encedo-user', 'aws-access-key', 'vault-token', 'tls-client-cert'];
const isCredentialKind = (k: string): k is CredentialKind => (CREDENTIAL_KINDS as readonly string[]).includes(k);

const BOOLEAN_FLAGS = new Set(['--exportable', '--off']);

function parse(argv: string[]): { args: string[]; flags: Record<string, string | true> } {
  const args: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--') && !BOOLEAN_FLAGS.has(a)) {
        flags[a.slice(2)] = next;
        i++;
      } else flags[a.slice(2)] = true;
    } else args.push(a);
  }
  return { args, flags };
}

const usage = (message: string): never => {
  throw new UsageError(message);
};

/** The first certificate of a PEM file: the client certificate an operator maps to a tenant. */
function clientCertificate(file: string): X509Certificate {
  let pem: string;
  try {
    pem = readFileSync(file, 'latin1');
  } catch (err) {
    return usage(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  try {
    if (block) return new X509Certificate(block[0]);
  } catch {
    // refused below
  }
  return usage(`${file} holds no PEM certificate`);
}

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};
const flag = (flags: Record<string, string | true>, name: string): string | undefined => {
  const v = flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
};

/** Metadata only: sealed material references are not printed. */
function showKey(k: KeyRecord) {
  const { backendRef: _ref, publicKey, versions, ...rest } = k;
  return { ...rest, publicKey: publicKey ? publicKey.toString('base64') : null, versions: versions.map(showVersion) };
}

function showVersion(v: { version: number; publicKey: Buffer | null; createdAt: number; state?: string; destroyedAt?: number | null }) {
  return { version: v.version, ...(v.state ? { state: v.state } : {}), createdAt: v.createdAt, publicKey: v.publicKey ? v.publicKey.toString('base64') : null };
}

const DAY_MS = 86_400_000;
type Flags = Record<string, string | true>;
type Admin = { tenantId: string; dialect: string; principal: string };

const count = (v: string | undefined, what: string): number => {
  const n = Number(v);
  if (!v || !Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer`);
  return n;
};

/** The lifecycle commands on one key, by verb; each runs as the key's tenant, audited as `admin`/`cli`. */
const KEY_COMMANDS = {
  rotate: async (k: Kernel, ctx: Admin, id: string) => showKey(await k.keys.lifecycle.rotate(ctx, id)),
  rotation: async (k: Kernel, ctx: Admin, id: string, _rest: string[], flags: Flags) => {
    const days = flag(flags, 'period-days');
    if ((days === undefined) === (flags.off !== true)) throw new UsageError('give either --period-days N or --off');
    return showKey(await k.keys.lifecycle.setRotation(ctx, id, flags.off === true ? null : count(days, '--period-days') * DAY_MS));
  },
  versions: async (k: Kernel, ctx: Admin, id: string) => {
    const { record, versions } = await k.keys.lifecycle.versions(ctx, id);
    return { id: record.id, currentVersion: record.currentVersion, minDecryptVersion: record.minDecryptVersion, versions: versions.map(showVersion) };
  },
  'min-decrypt-version': async (k: Kernel, ctx: Admin, id: string, rest: string[]) => showKey(await k.keys.lifecycle.setMinDecryptVersion(ctx, id, count(rest[0], 'the version'))),
  trim: async (k: Kernel, ctx: Admin, id: string, rest: string[]) => showKey(await k.keys.lifecycle.trim(ctx, id, count(rest[0], 'the version'))),
  'schedule-deletion': async (k: Kernel, ctx: Admin, id: string, _rest: string[], flags: Flags) => {
    const days = flag(flags, 'days');
    return showKey(await k.keys.lifecycle.scheduleDeletion(ctx, id, days === undefined ? undefined : count(days, '--days')));
  },
  'cancel-deletion': async (k: Kernel, ctx: Admin, id: string) => showKey(await k.keys.lifecycle.cancelDeletion(ctx, id)),
  tag: async (k: Kernel, ctx: Admin, id: string, rest: string[]) => {
    if (!rest.length) throw new UsageError('give at least one tag as k=v');
    const tags = Object.fromEntries(
      rest.map((kv) => {
        const at = kv.indexOf('=');
        if (at < 1) throw new UsageError(`a tag is k=v, not '${kv}'`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
    );
    return showKey(await k.keys.lifecycle.tag(ctx, id, tags));
  },
  untag: async (k: Kernel, ctx: Admin, id: string, rest: string[]) => {
    if (!rest.length) throw new UsageError('give at least one tag key');
    return showKey(await k.keys.lifecycle.untag(ctx, id, rest));
  },
  describe: async (k: Kernel, ctx: Admin, id: string, rest: string[]) => showKey(await k.keys.lifecycle.describe(ctx, id, rest.join(' '))),
} satisfies Record<string, (k: Kernel, ctx: Admin, id: string, rest: string[], flags: Flags) => Promise<unknown>>;

async function run(k: Kernel, argv: string[]): Promise<unknown> {
  const { args, flags } = parse(argv);
  const [group, verb, a1, a2] = args;
  const admin = (tenantId: string) => ({ tenantId, dialect: 'admin', principal: 'cli' });
  switch (`${group ?? ''} ${verb ?? ''}`) {
    case 'tenant create':
      return k.tenants.createTenant(need(a1, 'tenant name'));
    case 'tenant list':
      return k.tenants.listTenants();
    case 'credential ehsm': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      return { tenant: t.name, ...(await k.tenants.issueEhsmApp(t.id, flag(flags, 'label'))) };
    }
    case 'credential jose': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      return { tenant: t.name, ...(await k.tenants.issueBearerToken(t.id, flag(flags, 'label'))) };
    }
    case 'credential aws': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      return k.tenants.issueAwsAccessKey(t.id, flag(flags, 'label'));
    }
    case 'credential vault': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      return { tenant: t.name, ...(await k.tenants.issueVaultToken(t.id, flag(flags, 'label'))) };
    }
    case 'credential encedo': {
      // The gateway keeps the user's X25519 public key only (it is not secret): the key every
      // official client derives from the passphrase and the gateway's `eid` (notes §2.2).
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      const eid = new DeviceIdentity(k.sealer.derive(ENCEDO_DERIVE_LABELS.identity)).eid;
      const file = flag(flags, 'passphrase-file');
      const given = flag(flags, 'public-key');
      if (!file === !given) throw new UsageError('give one of --passphrase-file or --public-key');
      let iss: string;
      if (file) {
        const passphrase = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
        if (!passphrase) throw new UsageError('the passphrase file is empty');
        iss = userPublicKey(passphrase, eid);
      } else {
        if (!parseX25519Public(given!)) throw new UsageError('--public-key must be 32 bytes of standard base64');
        iss = given!;
      }
      const id = await k.tenants.addCredential(t.id, 'encedo-user', iss, { label: flag(flags, 'label') });
      return { tenant: t.name, id, publicKey: iss, eid };
    }
    case 'credential cert':
    case 'credential kmip': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      const cert = clientCertificate(need(flag(flags, 'cert'), '--cert <client.pem>'));
      const fingerprint = clientCertLookup(cert);
      const id = await k.tenants.addCredential(t.id, 'tls-client-cert', fingerprint, { label: flag(flags, 'label') });
      return { tenant: t.name, id, fingerprint, subject: cert.subject, issuer: cert.issuer, notAfter: cert.validTo };
    }
    case 'credential list': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      return k.tenants.listCredentials(t.id);
    }
    case 'credential revoke': {
      const kind = need(a1, 'credential kind');
      if (!isCredentialKind(kind)) throw new UsageError(`unknown credential kind '${kind}'`);
      let lookup = need(a2, 'lookup');
      if (kind === 'tls-client-cert') lookup = fingerprintLookup(lookup) ?? usage(`'${lookup}' is not a SHA-256 fingerprint (64 hex digits, colons allowed)`);
      return { revoked: await k.tenants.revoke(kind, lookup) };
    }
    case 'key create': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      const usage = flag(flags, 'usage');
      const rec = await k.keys.create(admin(t.id), {
        spec: need(a2, 'key spec'),
        usages: usage ? (usage.split(',') as KeyUsage[]) : undefined,
        label: flag(flags, 'label') ?? null,
        exportable: flags.exportable === true,
      });
      return showKey(rec);
    }
    case 'key list': {
      const t = await k.tenants.requireTenant(need(a1, 'tenant'));
      const { keys, total } = await k.keys.list(admin(t.id), 0, 10000, { includeInternal: true });
      return { total, keys: keys.map(showKey) };
    }
    case 'key rehome': {
      const found = await k.keyStore.find(need(a1, 'key id'));
      if (!found) throw new KmsError('NOT_FOUND', 'no such key');
      const to = flag(flags, 'to');
      if (!to) throw new UsageError('--to <backend> is required (e.g. --to pkcs11)');
      if (!k.backends.has(to)) throw new UsageError(`backend '${to}' is not configured (configured: ${[...k.backends.keys()].join(', ')})`);
      return showKey(await k.keys.rehome(admin(found.tenantId), found.id, to));
    }
    case 'key rotate':
    case 'key rotation':
    case 'key versions':
    case 'key min-decrypt-version':
    case 'key trim':
    case 'key schedule-deletion':
    case 'key cancel-deletion':
    case 'key tag':
    case 'key untag':
    case 'key describe': {
      const found = await k.keyStore.find(need(a1, 'key id'));
      if (!found) throw new KmsError('NOT_FOUND', 'no such key');
      return KEY_COMMANDS[verb as keyof typeof KEY_COMMANDS](k, admin(found.tenantId), found.id, args.slice(3), flags);
    }
    case 'key alias': {
      const [sub, tenant, name, keyId] = args.slice(2);
      const t = await k.tenants.requireTenant(need(tenant, 'tenant'));
      const life = k.keys.lifecycle;
      if (sub === 'set') return life.setAlias(admin(t.id), need(name, 'alias'), need(keyId, 'key id'));
      if (sub === 'rm') {
        await life.deleteAlias(admin(t.id), need(name, 'alias'));
        return { removed: name };
      }
      if (sub === 'list') return life.listAliases(admin(t.id));
      throw new UsageError(`unknown command 'key alias ${sub ?? ''}'`);
    }
    case 'lifecycle run': {
      const at = flag(flags, 'at');
      const now = at === undefined ? Date.now() : Date.parse(at);
      if (Number.isNaN(now)) throw new UsageError('--at must be an ISO 8601 time, e.g. 2027-01-31T00:00:00Z');
      return { at: new Date(now).toISOString(), ...(await k.keys.lifecycle.runDue(now)) };
    }
    case 'seed apply':
      return applySeedFile(k, resolve(need(a1, 'seed file')));
    case 'key show': {
      const rec = await k.keyStore.find(need(a1, 'key id'));
      if (!rec) throw new KmsError('NOT_FOUND', 'no such key');
      return showKey(rec);
    }
    case 'audit ':
    case `audit ${verb}`: {
      if (group !== 'audit') break;
      let tenantId: string | undefined;
      const tenant = flag(flags, 'tenant');
      if (tenant) tenantId = (await k.tenants.requireTenant(tenant)).id;
      const limit = Number(flag(flags, 'limit') ?? 100);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      return k.auditReader.query({ tenantId, keyId: flag(flags, 'key'), limit });
    }
  }
  throw group ? unknownCommand(args) : new UsageError('no command');
}

/** `--output table|json`; a table for a person at a terminal, JSON for a pipe or a script. */
function outputFormat(flags: Flags): OutputFormat {
  const asked = flags.output;
  if (asked === undefined) return process.stdout.isTTY ? 'table' : 'json';
  if (typeof asked !== 'string' || !(OUTPUT_FORMATS as readonly string[]).includes(asked)) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}`);
  return asked as OutputFormat;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  let kernel: Kernel | undefined;
  try {
    const format = outputFormat(parse(argv).flags);
    const config = loadConfig();
    // The CLI speaks JSON on stdout; its own log lines stay at warn and go to stderr.
    kernel = await createKernel(config, createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, 2));
    const out = await run(kernel, argv);
    process.stdout.write(`${render(out, format)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`bad configuration: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err instanceof KmsError ? err.message : (err as Error).message}\n`);
    return 1;
  } finally {
    await kernel?.close();
  }
}

void main().then((code) => process.exit(code));
