import pino, { type Logger } from 'pino';
import type { DataSource } from 'typeorm';
import {
  AuditReader,
  AuditWriter,
  BackendRouter,
  KeyCache,
  KeyOperations,
  KeyStore,
  KmsMetrics,
  QuotePolicyService,
  Sealer,
  SecretService,
  TenantService,
  openDataSource,
  type CryptoBackend,
} from '@kms/core';
import { SoftBackend } from '@kms/backend-soft';
import { Pkcs11Backend } from '@kms/backend-pkcs11';
import type { GatewayConfig } from './config';
import { loadMasterKey } from './master-key';

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
  close(): Promise<void>;
}

/** How often planned secret deletions are carried out for all tenants. */
const SECRET_SWEEP_MS = 60 * 60 * 1000;

export function createLogger(config: GatewayConfig, fd: 1 | 2 = 1): Logger {
  return pino(
    {
    level: config.logLevel,
    base: { service: 'kms-gateway' },
    // Defence in depth: these fields are never logged on purpose; redact them if one slips in.
    redact: { paths: ['apikey', 'token', 'secret', 'masterKey', '*.apikey', '*.token', '*.secret', 'req.headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(fd),
  );
}

export async function createKernel(config: GatewayConfig, log = createLogger(config)): Promise<Kernel> {
  const sealer = new Sealer(loadMasterKey(config, log));
  const ds = await openDataSource(config.dbUrl);
  const backends = new Map<string, CryptoBackend>();
  const soft = new SoftBackend(sealer);
  backends.set(soft.name, soft);
  if (config.pkcs11Module) {
    const pkcs11 = new Pkcs11Backend({
      module: config.pkcs11Module,
      tokenLabel: config.pkcs11TokenLabel,
      slot: config.pkcs11Slot,
      pin: config.pkcs11Pin,
      pinFile: config.pkcs11PinFile,
      poolSize: config.pkcs11PoolSize,
    });
    backends.set(pkcs11.name, pkcs11);
  }
  const started: CryptoBackend[] = [];
  try {
    for (const b of backends.values()) {
      await b.init();
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
  const keys = new KeyOperations(keyStore, new KeyCache(config.keyCacheSize, config.cacheTtlMs), router, audit, metrics, (err, op) =>
    log.error({ op, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'internal error in key operation'),
  );
  const tenants = new TenantService(ds, sealer, config.cacheTtlMs);
  const secrets = new SecretService(ds, keys, audit, sealer);
  const quotePolicies = new QuotePolicyService(ds, audit);
  // Soft-deleted secrets past their planned time are hard-deleted lazily on every secret call of
  // their tenant; this sweep also erases those of tenants that never call again.
  const sweep = setInterval(() => {
    secrets.purgeDue().catch((err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'secret purge failed'));
  }, SECRET_SWEEP_MS);
  sweep.unref();
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
    async close() {
      clearInterval(sweep);
      await audit.close();
      for (const b of backends.values()) await b.close();
      await ds.destroy();
    },
  };
}
