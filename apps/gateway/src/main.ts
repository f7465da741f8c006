import 'reflect-metadata';
import cluster from 'node:cluster';
import type { Server as TlsServer } from 'node:tls';
import { ConfigError, loadConfig } from './config';
import { applyHeapPolicy } from './heap-policy';
import { createLogger } from './logger';
import { loadTls, reloadOnSighup } from './tls';
import type * as ClusterModule from './cluster';
import type * as KernelModule from './kernel';
import type * as ServerModule from './server';
import type * as KmipModule from './kmip';
import type * as SeedModule from './seed/apply-seed';
import { SEED_APPLIER_ENV } from './seed/applier';
import type * as IpcModule from '@kms/core/shared/ipc';

async function main(): Promise<void> {
  applyHeapPolicy();
  let config, tls;
  try {
    config = loadConfig();
    // A bad TLS file stops start-up here, in the primary too, before any worker or store opens.
    tls = loadTls(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kms-gateway: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config);
  // The primary serves no HTTP: it loads neither Nest nor the store (modules loaded below).
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (cluster.isPrimary && config.workers > 1) return (require('./cluster') as typeof ClusterModule).runPrimary(config, log, tls !== null);
  // This process serves HTTP: it terminates TLS, and reloads the certificate on SIGHUP.
  const reload = tls ? reloadOnSighup(config, log) : null;
  const { parentPort } = require('@kms/core/shared/ipc') as typeof IpcModule;
  const { createKernel } = require('./kernel') as typeof KernelModule;
  const { startServer } = require('./server') as typeof ServerModule;
  const { applySeedFile } = require('./seed/apply-seed') as typeof SeedModule;
  const { startKmip } = require('./kmip') as typeof KmipModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // A worker of a multi-process gateway shares single-use state through its primary.
  const ipc = cluster.isWorker ? parentPort() : null;
  let kernel;
  try {
    kernel = await createKernel(config, log, ipc);
  } catch (err) {
    const msg = err instanceof ConfigError ? `bad configuration: ${err.message}` : `cannot start: ${(err as Error).message}`;
    log.fatal(msg);
    process.stderr.write(`kms-gateway: ${msg}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  // Of several workers, only the first (which the primary starts alone, before the others) applies the seed.
  if (config.seedFile && (!ipc || process.env[SEED_APPLIER_ENV] === '1')) {
    try {
      log.info(await applySeedFile(kernel, config.seedFile), 'seed file applied');
    } catch (err) {
      // A SeedError names paths, never values; anything else is reported by its message, as start-up errors are.
      const msg = err instanceof ConfigError ? `bad configuration: ${err.message}` : `cannot apply the seed file: ${(err as Error).message}`;
      log.fatal(msg);
      process.stderr.write(`kms-gateway: ${msg}\n`);
      await kernel.close().catch(() => {});
      process.exit(err instanceof ConfigError ? 2 : 1);
    }
  }
  const app = await startServer(kernel, tls);
  reload?.attach(app.getHttpServer() as unknown as TlsServer);
  // KMS_KMIP_PORT: config checks made sure TLS and a client CA are set.
  const kmip = config.kmipPort !== null && tls ? await startKmip(kernel, tls) : null;
  if (kmip) reload?.attach(kmip.server);
  const kmipAddress = kmip?.server.address();
  const kmipPort = typeof kmipAddress === 'object' && kmipAddress ? kmipAddress.port : null;
  const scheme = tls ? 'https' : 'http';
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const keys = await kernel.keyStore.count();
  log.info(
    {
      url: `${scheme}://${config.host}:${port}`,
      store: config.dbUrl.replace(/\/\/[^@]*@/, '//***@'),
      keys,
      ...(tls ? { tls: { fingerprint: tls.fingerprint, notAfter: tls.notAfter, clientAuth: tls.clientAuth } } : {}),
      ...(kmipPort !== null ? { kmip: `${config.host}:${kmipPort}` } : {}),
      ...(ipc ? { worker: cluster.worker?.id } : {}),
    },
    'kms-gateway listening',
  );
  // A parseable line for tests and scripts that start the gateway on port 0 (the primary prints
  // it for its workers once they all listen).
  if (!ipc && kmipPort !== null) process.stdout.write(`kms-gateway KMIP listening on ${config.host}:${kmipPort}\n`);
  if (!ipc) process.stdout.write(`kms-gateway listening on ${scheme}://${config.host}:${port}\n`);
  if ((await kernel.tenants.listTenants()).length === 0) {
    log.info('no tenants yet: create one and a credential with `npm run cli -- tenant create demo` then `npm run cli -- credential ehsm demo` (or `jose`)');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await kmip?.close();
    await app.close();
    await kernel.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // The primary is gone: no connection can reach this worker any more.
  if (ipc) process.once('disconnect', () => void stop('primary gone'));
}

void main().catch((err) => {
  process.stderr.write(`kms-gateway: fatal: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
