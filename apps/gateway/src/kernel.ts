import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import {
  AuditReader,
  AliasStore,
  AuditWriter,
  IpcChangeFeed,
  IpcOnceTokens,
  BackendRouter,
  KeyCache,
  KeyOperations,
  KeyStore,
  KmsMetrics,
  NoChangeFeed,
  OnceStore,
  PgChangeFeed,
  QuotePolicyService,
  Sealer,
  SecretService,
  TenantService,
  openDataSource,
  type ChangeFeed,
  type CryptoBackend,
  type IpcPort,
  type OnceTokens,
} from '@kms/core';
import { SoftBackend } from '@kms/backend-soft';
import { Pkcs11Backend } from '@kms/backend-pkcs11';
import { ConfigError, type GatewayConfig } from './config';
import { createLogger } from './logger';
import { StoreHealth } from './store-health';
import { loadMasterKey, loadMasterKeyFromToken } from './master-key';

export { createLogger };

/**
 * Everything the gateway is, without HTTP: the store, the sealer, the backends, the router, the
 * audit writer and the canonical services. The HTTP server and the admin CLI both build one, so
 * the CLI works on exactly the same store and rules as the server.
 */
export interface Kernel {
  config: GatewayConfig;
  log: Logger;
  ds: DataSource;
  sealer: Sealer;
  metrics: KmsMetrics;
  audit: AuditWriter;
  auditReader: AuditReader;
  keyStore: KeyStore;
  keys: KeyOperations;
  tenants: TenantService;
  secrets: SecretService;
  quotePolicies: QuotePolicyService;
  router: BackendRouter;
  backends: Map<string, CryptoBackend>;
  /** Single-use tokens shared by every process (eHSM replay ledger, Encedo challenges): in the store, or in the primary's memory. */
  once: OnceTokens;
  /** Whether dialect state lives outside this process: in the store (KMS_SHARED_STATE) or with the primary (KMS_WORKERS > 1). */
  sharedState: boolean;
  /** Cache invalidations to and from the other processes (PostgreSQL LISTEN/NOTIFY, or the primary's relay). */
  changes: ChangeFeed;
  /** Whether the store answers and commits (readiness). */
  storeHealth: StoreHealth;
  close(): Promise<void>;
}

/** How often planned secret deletions are carried out for all tenants. */
const SECRET_SWEEP_MS = 60 * 60 * 1000;
/** How often expired single-use tokens (replay entries, challenges) are deleted from the store. */
const ONCE_SWEEP_MS = 60 * 1000;

/**
 * `ipc`: this process is one worker of a multi-process gateway (KMS_WORKERS), and this is its
 * channel to the primary, which holds the single-use tokens of all workers and relays changes.
 */
export async function createKernel(config: GatewayConfig, log = createLogger(config), ipc: IpcPort | null = null): Promise<Kernel> {
  const pkcs11 = config.pkcs11Module
    ? new Pkcs11Backend({
        module: config.pkcs11Module,
        tokenLabel: config.pkcs11TokenLabel,
        slot: config.pkcs11Slot,
        pin: config.pkcs11Pin,
        pinFile: config.pkcs11PinFile,
        poolSize: config.pkcs11PoolSize,
      })
    : null;
  // KMS_MASTER_KEY_SOURCE=pkcs11: the master key is unwrapped through the token, so the pkcs11
  // backend starts before the sealer exists; the clear master key lives only in this buffer,
  // which is wiped once the sealer has derived its keys.
  const masterOnToken = config.masterKeySource === 'pkcs11';
  let masterKey: Buffer;
  if (masterOnToken) {
    if (!pkcs11) throw new ConfigError('KMS_MASTER_KEY_SOURCE: `pkcs11` needs the PKCS#11 backend (set KMS_PKCS11_MODULE)');
    await pkcs11.init();
    try {
      masterKey = await loadMasterKeyFromToken(config, pkcs11, log);
    } catch (err) {
      await pkcs11.close().catch(() => {});
      throw err;
    }
  } else {
    masterKey = loadMasterKey(config, log);
  }
  const sealer = new Sealer(masterKey);
  if (masterOnToken) masterKey.fill(0);
  const ds = await openDataSource(config.dbUrl).catch(async (err) => {
    if (masterOnToken) await pkcs11?.close().catch(() => {});
    throw err;
  });
  const backends = new Map<string, CryptoBackend>();
  const soft = new SoftBackend(sealer);
  backends.set(soft.name, soft);
  if (pkcs11) backends.set(pkcs11.name, pkcs11);
  const started: CryptoBackend[] = [];
  try {
    for (const b of backends.values()) {
      if (!(masterOnToken && b === pkcs11)) await b.init();
      started.push(b);
    }
  } catch (err) {
    // A backend that cannot start stops the gateway with its own message (no PIN in it).
    for (const b of started) await b.close().catch(() => {});
    await ds.destroy().catch(() => {});
    throw err;
  }
  const router = new BackendRouter(backends, config.routing, config.defaultBackend);
  const metrics = new KmsMetrics();
  const audit = new AuditWriter(ds, config.auditMaxBatch);
  const keyStore = new KeyStore(ds);
  const aliases = new AliasStore(ds, config.cacheTtlMs);
  const keyCache = new KeyCache(config.keyCacheSize, config.cacheTtlMs);
  const keys = new KeyOperations({
    store: keyStore,
    aliases,
    cache: keyCache,
    router,
    audit,
    metrics,
    onInternalError: (err, op) =>
      log.error({ op, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'internal error in key operation'),
    sealer,
  });
  // Due rotations and deletions: every process may run this, since each piece of work is claimed in the store.
  const lifecycleTimer =
    config.lifecycleIntervalMs > 0
      ? setInterval(() => {
          keys.lifecycle.runDue().catch((err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'key lifecycle run failed'));
        }, config.lifecycleIntervalMs)
      : null;
  lifecycleTimer?.unref();
  const tenants = new TenantService(ds, sealer, config.cacheTtlMs);
  const secrets = new SecretService(ds, keys, audit, sealer);
  const quotePolicies = new QuotePolicyService(ds, audit);
  // Soft-deleted secrets past their planned time are hard-deleted lazily on every secret call of
  // their tenant; this sweep also erases those of tenants that never call again.
  const sweep = setInterval(() => {
    secrets.purgeDue().catch((err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'secret purge failed'));
  }, SECRET_SWEEP_MS);
  sweep.unref();
  // Several replicas (issue 8) or several workers: shared single-use state, and cache
  // invalidation across processes. Replicas share through the store; the workers of one gateway
  // on SQLite through their primary, which answers from memory without a write per request.
  const postgres = ds.options.type === 'postgres';
  const inStore = config.sharedState === 'database' || (config.sharedState === 'auto' && postgres);
  const sharedState = inStore || ipc !== null;
  const onceIpc = !inStore && ipc ? new IpcOnceTokens(ipc) : null;
  const once: OnceTokens = onceIpc ?? new OnceStore(ds);
  const onceSweep = setInterval(() => {
    if (inStore) once.sweep().catch((err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'single-use token sweep failed'));
  }, ONCE_SWEEP_MS);
  onceSweep.unref();
  const changes: ChangeFeed = postgres
    ? new PgChangeFeed(ds, config.dbUrl, (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change feed: falling back to the cache TTL'))
    : ipc
      ? new IpcChangeFeed(ipc)
      : new NoChangeFeed();
  keyStore.onChanged = (id) => void changes.publish({ kind: 'key', id });
  aliases.onChanged = (tenantId, name) => void changes.publish({ kind: 'alias', tenantId, name });
  tenants.onRevoked = (kind, lookup) => void changes.publish({ kind: 'credential', credentialKind: kind, lookup });
  try {
    await changes.start(
      (c) => {
        if (c.kind === 'key') keyCache.evict(c.id);
        else if (c.kind === 'alias') aliases.forget(c.tenantId, c.name);
        else tenants.forget(c.credentialKind, c.lookup);
      },
      () => {
        keyCache.clear();
        aliases.forget();
        tenants.forget();
      },
    );
  } catch (err) {
    // Not fatal: other replicas' changes then show within KMS_CACHE_TTL_MS, the documented bound.
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change feed unavailable: relying on the cache TTL');
  }
  return {
    config,
    log,
    ds,
    sealer,
    metrics,
    audit,
    auditReader: new AuditReader(ds),
    keyStore,
    keys,
    tenants,
    secrets,
    quotePolicies,
    router,
    backends,
    once,
    sharedState,
    changes,
    storeHealth: new StoreHealth(ds, config.storeMinFreeMb * 1048576),
    async close() {
      clearInterval(sweep);
      if (lifecycleTimer) clearInterval(lifecycleTimer);
      clearInterval(onceSweep);
      await changes.close();
      onceIpc?.close();
      await audit.close();
      for (const b of backends.values()) await b.close();
      await ds.destroy();
    },
  };
}
