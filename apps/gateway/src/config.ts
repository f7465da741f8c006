import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RoutingRule } from '@kms/core';

/**
 * Settings come from `KMS_*` environment variables, then from an optional YAML file (`KMS_CONFIG`),
 * then from the defaults below; the environment wins. One table lists every setting, so the README
 * table, the parser and the error messages cannot drift apart. A bad value stops start-up with a
 * message naming the setting.
 */
export interface GatewayConfig {
  host: string;
  port: number;
  dataDir: string;
  dbUrl: string;
  masterKeyFile: string;
  masterKey: Buffer | null;
  masterKeySource: 'file' | 'pkcs11';
  masterKeyLabel: string;
  adminToken: string | null;
  logLevel: string;
  keyCacheSize: number;
  cacheTtlMs: number;
  lifecycleIntervalMs: number;
  sharedState: 'auto' | 'memory' | 'database';
  /** SQLite: free MiB the database directory must keep for readiness. */
  storeMinFreeMb: number;
  auditMaxBatch: number;
  bodyLimit: number;
  workers: number;
  defaultBackend: string;
  routing: RoutingRule[];
  pkcs11Module: string | null;
  pkcs11TokenLabel: string | null;
  pkcs11Slot: number | null;
  pkcs11Pin: string | null;
  pkcs11PinFile: string | null;
  pkcs11PoolSize: number;
  ehsmEnroll: boolean;
  ehsmLegacyPath: string;
  encedoRequireTls: boolean;
  encedoTokenLifetimeS: number;
  encedoTokenMaxLifetimeS: number;
  encedoKeysearchTenant: string | null;
  joseAuth: 'token' | 'none';
  joseDefaultTenant: string;
  joseJwtKeys: string | null;
  joseJwtIssuer: string | null;
  joseJwtAudience: string | null;
  joseJwtTenantClaim: string;
  tlsCert: string | null;
  tlsKey: string | null;
  tlsClientCa: string | null;
  tlsClientAuth: 'off' | 'optional' | 'require';
  seedFile: string | null;
  kmipPort: number | null;
  kmipMaxMessageBytes: number;
  kmipIdleTimeoutMs: number;
  kmipMessageTimeoutMs: number;
  kmipMaxConnections: number;
}

export class ConfigError extends Error {}

type Raw = string | number | boolean | object;
interface Setting {
  key: keyof GatewayConfig;
  env: string;
  yaml: string;
  doc: string;
  /** Default, possibly derived from settings earlier in the table. */
  def: (c: Partial<GatewayConfig>) => unknown;
  parse: (v: Raw) => unknown;
}

/** A setting's text: environment values are strings, YAML ones may be numbers or booleans. */
const text = (v: Raw): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const int = (min: number, max: number) => (v: Raw) => {
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(text(v).trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`must be an integer between ${min} and ${max}`);
  return n;
};
const str = (v: Raw) => {
  if (typeof v !== 'string' || v.length === 0) throw new Error('must be a non-empty string');
  return v;
};
const oneOf = (values: string[]) => (v: Raw) => {
  if (typeof v !== 'string' || !values.includes(v)) throw new Error(`must be one of ${values.join(', ')}`);
  return v;
};
const bool = (v: Raw) => {
  const t = text(v).trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(t)) return true;
  if (['off', 'false', '0', 'no'].includes(t)) return false;
  throw new Error('must be on or off');
};
const masterKey = (v: Raw) => {
  const b = Buffer.from(text(v), 'base64');
  if (b.length !== 32 || b.toString('base64') !== text(v).trim()) throw new Error('must be 32 bytes in base64');
  return b;
};
const adminToken = (v: Raw) => {
  const t = str(v);
  if (t.length < 16 || /\s/.test(t)) throw new Error('must be at least 16 characters without spaces');
  return t;
};
const urlPath = (v: Raw) => {
  const p = str(v);
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(p)) throw new Error('must be a URL path such as /legacy/ehsm');
  return p;
};
const workers = (v: Raw) => (text(v).trim() === 'auto' ? availableParallelism() : int(1, 64)(v));
const rules = (v: Raw) => {
  const list: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  if (!Array.isArray(list)) throw new Error('must be a list of rules');
  return list.map((r: Record<string, unknown>, i: number) => {
    if (typeof r !== 'object' || r === null || typeof r.backend !== 'string') throw new Error(`rule ${i + 1} needs a backend`);
    for (const k of Object.keys(r)) {
      if (!['tenant', 'dialect', 'spec', 'backend', 'fallback'].includes(k)) throw new Error(`rule ${i + 1} has an unknown field '${k}'`);
    }
    return r as unknown as RoutingRule;
  });
};

export const SETTINGS: Setting[] = [
  { key: 'host', env: 'KMS_HOST', yaml: 'http.host', doc: 'Address to listen on', def: () => '127.0.0.1', parse: str },
  { key: 'port', env: 'KMS_PORT', yaml: 'http.port', doc: 'TCP port (0 picks a free one)', def: () => 8080, parse: int(0, 65535) },
  { key: 'bodyLimit', env: 'KMS_BODY_LIMIT', yaml: 'http.bodyLimit', doc: 'Largest request body, bytes', def: () => 4194304, parse: int(1024, 64 * 1048576) },
  {
    key: 'workers',
    env: 'KMS_WORKERS',
    yaml: 'http.workers',
    doc: 'Gateway processes serving the port (`auto` = one per CPU); more than one share replay protection, login challenges and cache invalidations through the primary process',
    def: () => 1,
    parse: workers,
  },
  {
    key: 'dataDir',
    env: 'KMS_DATA_DIR',
    yaml: 'dataDir',
    doc: 'Directory for the SQLite file and the master key file',
    def: () => resolve('./data'),
    parse: (v) => resolve(str(v)),
  },
  { key: 'dbUrl', env: 'KMS_DB_URL', yaml: 'db.url', doc: '`sqlite:<path>` or `postgres://user:pass@host:port/db`', def: (c) => `sqlite:${c.dataDir}/kms.sqlite`, parse: str },
  {
    key: 'masterKeyFile',
    env: 'KMS_MASTER_KEY_FILE',
    yaml: 'masterKey.file',
    doc: 'Master key file, created (mode 0600) on first start',
    def: (c) => `${c.dataDir}/master.key`,
    parse: str,
  },
  { key: 'masterKey', env: 'KMS_MASTER_KEY', yaml: 'masterKey.value', doc: 'Master key itself (32 bytes, base64); overrides the file', def: () => null, parse: masterKey },
  {
    key: 'masterKeySource',
    env: 'KMS_MASTER_KEY_SOURCE',
    yaml: 'masterKey.source',
    doc: '`file` (the file or value above) or `pkcs11` (wrapped under an AES key on the PKCS#11 token; no master key file)',
    def: () => 'file',
    parse: oneOf(['file', 'pkcs11']),
  },
  {
    key: 'masterKeyLabel',
    env: 'KMS_MASTER_KEY_LABEL',
    yaml: 'masterKey.label',
    doc: 'Label of the AES-256 token key that wraps the master key (source `pkcs11`); made on first start',
    def: () => 'kms-gateway-master',
    parse: str,
  },
  {
    key: 'adminToken',
    env: 'KMS_ADMIN_TOKEN',
    yaml: 'admin.token',
    doc: 'Bearer token of the admin HTTP routes (`GET /backends`); unset = those routes answer 404',
    def: () => null,
    parse: adminToken,
  },
  { key: 'logLevel', env: 'KMS_LOG_LEVEL', yaml: 'log.level', doc: LOG_LEVELS.join(' / '), def: () => 'info', parse: oneOf(LOG_LEVELS) },
  { key: 'keyCacheSize', env: 'KMS_KEY_CACHE_SIZE', yaml: 'cache.keys', doc: 'Keys kept ready in memory (LRU)', def: () => 10000, parse: int(1, 10_000_000) },
  {
    key: 'cacheTtlMs',
    env: 'KMS_CACHE_TTL_MS',
    yaml: 'cache.ttlMs',
    doc: 'How stale a cached key or credential may be when another process changed it',
    def: () => 5000,
    parse: int(0, 3_600_000),
  },
  {
    key: 'lifecycleIntervalMs',
    env: 'KMS_LIFECYCLE_INTERVAL_MS',
    yaml: 'lifecycle.intervalMs',
    doc: 'How often due key rotations and scheduled deletions are carried out (0 = never by this process; `npm run cli -- lifecycle run` still does)',
    def: () => 60000,
    parse: int(0, 86_400_000),
  },
  {
    key: 'sharedState',
    env: 'KMS_SHARED_STATE',
    yaml: 'sharedState',
    doc: 'Where eHSM replay protection and Encedo login challenges live: `memory` (this process), `database` (the store, shared by replicas) or `auto` (database on PostgreSQL, memory on SQLite)',
    def: () => 'auto',
    parse: oneOf(['auto', 'memory', 'database']),
  },
  {
    key: 'storeMinFreeMb',
    env: 'KMS_STORE_MIN_FREE_MB',
    yaml: 'db.minFreeMb',
    doc: 'SQLite: free space (MiB) the database directory must keep for /health/ready to answer 200 (0 = no check)',
    def: () => 8,
    parse: int(0, 1_048_576),
  },
  { key: 'auditMaxBatch', env: 'KMS_AUDIT_MAX_BATCH', yaml: 'audit.maxBatch', doc: 'Most audit rows committed in one transaction', def: () => 1000, parse: int(1, 100000) },
  {
    key: 'defaultBackend',
    env: 'KMS_DEFAULT_BACKEND',
    yaml: 'backends.default',
    doc: 'Backend for new keys when no rule matches',
    def: () => 'soft',
    parse: oneOf(['soft', 'pkcs11']),
  },
  {
    key: 'routing',
    env: 'KMS_ROUTING_RULES',
    yaml: 'backends.rules',
    doc: 'Routing rules (JSON list in the env): {tenant?, dialect?, spec?, backend, fallback?}',
    def: () => [],
    parse: rules,
  },
  { key: 'pkcs11Module', env: 'KMS_PKCS11_MODULE', yaml: 'pkcs11.module', doc: 'PKCS#11 module path; setting it enables the `pkcs11` backend', def: () => null, parse: str },
  { key: 'pkcs11TokenLabel', env: 'KMS_PKCS11_TOKEN_LABEL', yaml: 'pkcs11.tokenLabel', doc: 'PKCS#11 token label (preferred over the slot id)', def: () => null, parse: str },
  { key: 'pkcs11Slot', env: 'KMS_PKCS11_SLOT', yaml: 'pkcs11.slot', doc: 'PKCS#11 slot id, when no label is given', def: () => null, parse: int(0, Number.MAX_SAFE_INTEGER) },
  { key: 'pkcs11Pin', env: 'KMS_PKCS11_PIN', yaml: 'pkcs11.pin', doc: 'PKCS#11 user PIN (never logged)', def: () => null, parse: str },
  { key: 'pkcs11PinFile', env: 'KMS_PKCS11_PIN_FILE', yaml: 'pkcs11.pinFile', doc: 'File holding the PKCS#11 user PIN (first line)', def: () => null, parse: str },
  { key: 'pkcs11PoolSize', env: 'KMS_PKCS11_POOL_SIZE', yaml: 'pkcs11.poolSize', doc: 'PKCS#11 sessions open at most (one operation each)', def: () => 8, parse: int(1, 1024) },
  {
    key: 'ehsmEnroll',
    env: 'KMS_EHSM_ENROLL',
    yaml: 'ehsm.enroll',
    doc: 'eHSM: serve the unauthenticated `GET ?Action=Enroll`, which creates a tenant per call (on/off)',
    def: () => true,
    parse: bool,
  },
  {
    key: 'ehsmLegacyPath',
    env: 'KMS_EHSM_LEGACY_PATH',
    yaml: 'ehsm.legacyPath',
    doc: 'eHSM: path of the v1 (2022) CMK-blob API, `POST <path>?Action=...`',
    def: () => '/legacy/ehsm',
    parse: urlPath,
  },
  {
    key: 'encedoRequireTls',
    env: 'KMS_ENCEDO_REQUIRE_TLS',
    yaml: 'encedo.requireTls',
    doc: "Encedo: answer 418 to keymgmt/crypto requests not made over TLS (the gateway's own, or a terminator's `X-Forwarded-Proto: https`), as the device does (on/off)",
    def: () => false,
    parse: bool,
  },
  {
    key: 'encedoTokenLifetimeS',
    env: 'KMS_ENCEDO_TOKEN_LIFETIME_S',
    yaml: 'encedo.tokenLifetimeS',
    doc: 'Encedo: token lifetime in seconds when the login asks for `exp: 0`',
    def: () => 28800,
    parse: int(60, 604800),
  },
  {
    key: 'encedoTokenMaxLifetimeS',
    env: 'KMS_ENCEDO_TOKEN_MAX_LIFETIME_S',
    yaml: 'encedo.tokenMaxLifetimeS',
    doc: 'Encedo: longest token lifetime a login may ask for, seconds',
    def: () => 86400,
    parse: int(60, 2592000),
  },
  {
    key: 'encedoKeysearchTenant',
    env: 'KMS_ENCEDO_KEYSEARCH_TENANT',
    yaml: 'encedo.keysearchTenant',
    doc: "Encedo: the device's `allow_keysearch`: tenant (name or id) whose keys a token-less `^` search (6+ bytes) lists; unset = off",
    def: () => null,
    parse: str,
  },
  {
    key: 'joseAuth',
    env: 'KMS_JOSE_AUTH',
    yaml: 'jose.auth',
    doc: 'JOSE: `token` (bearer tokens / issuer JWTs) or `none` (every request is the default tenant; local development only)',
    def: () => 'token',
    parse: oneOf(['token', 'none']),
  },
  { key: 'joseDefaultTenant', env: 'KMS_JOSE_DEFAULT_TENANT', yaml: 'jose.defaultTenant', doc: 'JOSE: tenant used when auth is none', def: () => 'default', parse: str },
  { key: 'joseJwtKeys', env: 'KMS_JOSE_JWT_KEYS', yaml: 'jose.jwt.keys', doc: 'JOSE: JWKS or PEM file of a JWT issuer whose tokens are accepted', def: () => null, parse: str },
  { key: 'joseJwtIssuer', env: 'KMS_JOSE_JWT_ISSUER', yaml: 'jose.jwt.issuer', doc: 'JOSE: required `iss` of issuer JWTs', def: () => null, parse: str },
  { key: 'joseJwtAudience', env: 'KMS_JOSE_JWT_AUDIENCE', yaml: 'jose.jwt.audience', doc: 'JOSE: required `aud` of issuer JWTs', def: () => null, parse: str },
  {
    key: 'joseJwtTenantClaim',
    env: 'KMS_JOSE_JWT_TENANT_CLAIM',
    yaml: 'jose.jwt.tenantClaim',
    doc: 'JOSE: claim of issuer JWTs that names the tenant',
    def: () => 'tenant',
    parse: str,
  },
  { key: 'tlsCert', env: 'KMS_TLS_CERT', yaml: 'tls.cert', doc: 'PEM certificate (chain) file; with the key, the gateway serves HTTPS on the port', def: () => null, parse: str },
  { key: 'tlsKey', env: 'KMS_TLS_KEY', yaml: 'tls.key', doc: 'PEM private key file of that certificate (unencrypted; never logged)', def: () => null, parse: str },
  { key: 'tlsClientCa', env: 'KMS_TLS_CLIENT_CA', yaml: 'tls.clientCa', doc: 'PEM file of the CA(s) that sign client certificates', def: () => null, parse: str },
  {
    key: 'tlsClientAuth',
    env: 'KMS_TLS_CLIENT_AUTH',
    yaml: 'tls.clientAuth',
    doc: 'Client certificates: `off`, `optional` (asked for; a verified, mapped one authenticates where the dialect allows it) or `require` (no handshake without one the CA signed); default `optional` when a client CA is set',
    def: (c) => (c.tlsClientCa ? 'optional' : 'off'),
    parse: oneOf(['off', 'optional', 'require']),
  },
  {
    key: 'seedFile',
    env: 'KMS_SEED',
    yaml: 'seed',
    doc: 'Seed file (YAML, docs/seed.md) of tenants, credentials with given secrets and keys, applied at start-up; a second start changes nothing, a conflicting entry stops start-up (exit 2)',
    def: () => null,
    parse: (v) => resolve(str(v)),
  },
  {
    key: 'kmipPort',
    env: 'KMS_KMIP_PORT',
    yaml: 'kmip.port',
    doc: 'KMIP listener port (5696 is the usual one; 0 picks a free one); unset = no KMIP. Needs KMS_TLS_CERT, KMS_TLS_KEY and KMS_TLS_CLIENT_CA: every KMIP client presents a certificate that CA signed (docs/kmip.md)',
    def: () => null,
    parse: int(0, 65535),
  },
  {
    key: 'kmipMaxMessageBytes',
    env: 'KMS_KMIP_MAX_MESSAGE_BYTES',
    yaml: 'kmip.maxMessageBytes',
    doc: 'KMIP: largest request message, bytes; a longer one is refused from its header and the connection closed',
    def: () => 1048576,
    parse: int(1024, 64 * 1048576),
  },
  {
    key: 'kmipIdleTimeoutMs',
    env: 'KMS_KMIP_IDLE_TIMEOUT_MS',
    yaml: 'kmip.idleTimeoutMs',
    doc: 'KMIP: a connection with no request for this long is closed',
    def: () => 120000,
    parse: int(100, 86_400_000),
  },
  {
    key: 'kmipMessageTimeoutMs',
    env: 'KMS_KMIP_MESSAGE_TIMEOUT_MS',
    yaml: 'kmip.messageTimeoutMs',
    doc: 'KMIP: the TLS handshake, and each request message once its first byte arrived, must be complete within this (slow senders are cut off)',
    def: () => 10000,
    parse: int(100, 3_600_000),
  },
  {
    key: 'kmipMaxConnections',
    env: 'KMS_KMIP_MAX_CONNECTIONS',
    yaml: 'kmip.maxConnections',
    doc: 'KMIP: connections open at once (per gateway process); more are closed as they arrive',
    def: () => 1000,
    parse: int(1, 1_000_000),
  },
];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const file = env.KMS_CONFIG;
  let yaml: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`KMS_CONFIG: file ${file} does not exist`);
    try {
      yaml = (parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>) ?? {};
    } catch (err) {
      throw new ConfigError(`KMS_CONFIG: ${file} is not valid YAML (${(err as Error).message})`);
    }
    if (typeof yaml !== 'object' || Array.isArray(yaml)) throw new ConfigError(`KMS_CONFIG: ${file} must hold a mapping`);
    checkUnknownYaml(yaml);
  }
  const c: Partial<GatewayConfig> = {};
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    const fromYaml = getPath(yaml, s.yaml);
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromYaml;
    if (raw === undefined || raw === null) {
      (c as Record<string, unknown>)[s.key] = s.def(c);
      continue;
    }
    try {
      (c as Record<string, unknown>)[s.key] = s.parse(raw);
    } catch (err) {
      const where = fromEnv !== undefined && fromEnv !== '' ? s.env : `${s.yaml} in ${file}`;
      throw new ConfigError(`${where}: ${(err as Error).message}`);
    }
  }
  checkTlsSettings(c as GatewayConfig);
  return c as GatewayConfig;
}

/** Settings that only make sense together; the files themselves are read by tls.ts at start-up. */
function checkTlsSettings(c: GatewayConfig): void {
  if (c.tlsCert !== null && c.tlsKey === null) throw new ConfigError('KMS_TLS_KEY (tls.key): must be set with KMS_TLS_CERT');
  if (c.tlsKey !== null && c.tlsCert === null) throw new ConfigError('KMS_TLS_CERT (tls.cert): must be set with KMS_TLS_KEY');
  if (c.tlsClientCa !== null && c.tlsCert === null) throw new ConfigError('KMS_TLS_CLIENT_CA (tls.clientCa): client certificates need TLS (KMS_TLS_CERT and KMS_TLS_KEY)');
  if (c.tlsClientAuth !== 'off' && c.tlsClientCa === null) {
    throw new ConfigError(`KMS_TLS_CLIENT_AUTH (tls.clientAuth): '${c.tlsClientAuth}' needs KMS_TLS_CLIENT_CA, the CA that signs client certificates`);
  }
  // KMIP authenticates by client certificate only, whatever KMS_TLS_CLIENT_AUTH says for HTTP.
  if (c.kmipPort !== null && c.tlsCert === null) throw new ConfigError('KMS_KMIP_PORT (kmip.port): KMIP runs over TLS only: set KMS_TLS_CERT and KMS_TLS_KEY');
  if (c.kmipPort !== null && c.tlsClientCa === null)
    throw new ConfigError('KMS_KMIP_PORT (kmip.port): KMIP clients authenticate by certificate: set KMS_TLS_CLIENT_CA, the CA that signs them');
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** A misspelt YAML key would otherwise be ignored silently. */
function checkUnknownYaml(yaml: Record<string, unknown>): void {
  const known = new Set(SETTINGS.map((s) => s.yaml));
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (known.has(path)) continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && [...known].some((p) => p.startsWith(`${path}.`))) walk(v as Record<string, unknown>, path);
      else throw new ConfigError(`KMS_CONFIG: unknown setting '${path}'`);
    }
  };
  walk(yaml, '');
}
