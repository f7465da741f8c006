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
  Sealer,
  TenantService,
  openDataSource,
  type CryptoBackend,
} from '@kms/core';
import { SoftBackend } from '@kms/backend-soft';
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
  router: BackendRouter;
  backends: Map<string, CryptoBackend>;
  close(): Promise<void>;
}

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
  for (const b of backends.values()) await b.init();
  const router = new BackendRouter(backends, config.routing, config.defaultBackend);
  const metrics = new KmsMetrics();
  const audit = new AuditWriter(ds, config.auditMaxBatch);
  const keyStore = new KeyStore(ds);
  const keys = new KeyOperations(keyStore, new KeyCache(config.keyCacheSize, config.cacheTtlMs), router, audit, metrics, (err, op) =>
    log.error({ op, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'internal error in key operation'),
  );
  const tenants = new TenantService(ds, sealer, config.cacheTtlMs);
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
    router,
    backends,
    async close() {
      await audit.close();
      for (const b of backends.values()) await b.close();
      await ds.destroy();
    },
  };
}
