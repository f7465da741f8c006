import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
// Deep imports: the barrel would load TypeORM and every engine into a process that needs neither.
import { MemoryOnceTokens } from '@kms/core/shared/memory-once';
import { answerOnce, childPort, type IpcPort } from '@kms/core/shared/ipc';
import type { GatewayConfig } from './config';
import { SEED_APPLIER_ENV } from './seed/applier';

/** How often the primary forgets expired single-use tokens. */
const SWEEP_MS = 60 * 1000;
/** A worker that dies after start-up is replaced after this pause (no tight crash loop). */
const RESTART_MS = 1000;
/** Workers still running this long after SIGTERM are killed. */
const STOP_GRACE_MS = 10 * 1000;

/**
 * The primary of a multi-process gateway (KMS_WORKERS > 1). It serves no HTTP and holds no key:
 * node:cluster hands each incoming connection to the next worker, and the primary keeps what
 * the workers must agree on — the single-use tokens (eHSM replay protection, Encedo challenges)
 * in memory, answering each worker's question in order — and relays every cache invalidation a
 * worker publishes to the others. The first worker starts alone, so that it creates the master
 * key and migrates the store before the others open them.
 */
export async function runPrimary(config: GatewayConfig, log: Logger, tls = false): Promise<void> {
  const tokens = new MemoryOnceTokens();
  const sweep = setInterval(() => tokens.sweepNow(), SWEEP_MS);
  sweep.unref();
  const channels = new Map<Worker, IpcPort>();
  let stopping = false;

  // `first`: the worker that starts alone; it also applies the seed file (KMS_SEED), once.
  const fork = (first = false) =>
    new Promise<number[]>((resolve, reject) => {
      const worker = cluster.fork(first ? { [SEED_APPLIER_ENV]: '1' } : {});
      const port = childPort(worker);
      let listening = false;
      // A message to a worker that just died must not take the primary down with it.
      worker.on('error', (err) => log.warn({ worker: worker.id, err: err.message }, 'worker channel error'));
      port.listen((m) => {
        if (m.t === 'kms.once') answerOnce(tokens, port, m);
        else if (m.t === 'kms.change') for (const [other, p] of channels) if (other !== worker && other.isConnected()) p.send(m);
      });
      channels.set(worker, port);
      // HTTP listens first, then (KMS_KMIP_PORT) the KMIP listener.
      const listens = config.kmipPort !== null ? 2 : 1;
      const ports: number[] = [];
      worker.on('listening', (address) => {
        ports.push(address.port);
        if (ports.length !== listens) return;
        listening = true;
        resolve(ports);
      });
      worker.once('exit', (code, signal) => {
        channels.delete(worker);
        if (!listening) return reject(new WorkerFailed(code ?? 1));
        if (stopping) return;
        log.error({ worker: worker.id, code, signal }, 'worker died; starting another');
        setTimeout(() => void fork().catch((err) => log.error({ err: (err as Error).message }, 'replacement worker failed to start')), RESTART_MS).unref();
      });
    });

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down the workers');
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((done) => {
            const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
            w.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // Each worker terminates its own TLS: each reads the certificate files again.
  if (tls) process.on('SIGHUP', () => Object.values(cluster.workers ?? {}).forEach((w) => w && !w.isDead() && w.process.kill('SIGHUP')));

  let port: number;
  let kmipPort: number | undefined;
  try {
    [port, kmipPort] = await fork(true);
    await Promise.all(Array.from({ length: config.workers - 1 }, () => fork()));
  } catch (err) {
    // The worker printed why it could not start; the others (if any) go with it.
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(err instanceof WorkerFailed ? err.code : 1);
  }
  const url = `${tls ? 'https' : 'http'}://${config.host}:${port}`;
  log.info({ url, workers: config.workers }, 'kms-gateway listening');
  if (kmipPort !== undefined) process.stdout.write(`kms-gateway KMIP listening on ${config.host}:${kmipPort}\n`);
  process.stdout.write(`kms-gateway listening on ${url} (${config.workers} workers)\n`);
}

class WorkerFailed extends Error {
  constructor(readonly code: number) {
    super(`worker exited with ${code}`);
  }
}
