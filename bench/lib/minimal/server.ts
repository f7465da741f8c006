import Fastify from 'fastify-latest';
import { awsRoutes } from './aws';
import type { MinimalConfig } from './config';
import { ehsmRoutes } from './ehsm';
import { encedoRoutes } from './encedo';
import { joseRoutes } from './jose';
import { kmipListener } from './kmip';
import { Pkcs11Signer } from './pkcs11';
import { vaultRoutes } from './vault';

/**
 * The second limit of each scenario: what a competent engineer would write by hand for the same
 * requests on the newest Fastify (`fastify-latest`), the same cryptographic work and the same
 * authentication checks inline, and nothing else: no Nest, no store, no audit. Configured by
 * `BENCH_MINIMAL` (see config.ts); prints its URL like the gateway does.
 */
async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_MINIMAL ?? '{}') as MinimalConfig;
  const app = Fastify({ logger: false });
  const p11 = cfg.pkcs11 ? new Pkcs11Signer(cfg.pkcs11) : null;
  if (cfg.ehsm) ehsmRoutes(app, cfg.ehsm);
  if (cfg.jose) await joseRoutes(app, cfg.jose, p11);
  if (cfg.encedo) encedoRoutes(app, cfg.encedo);
  if (cfg.aws) awsRoutes(app, cfg.aws);
  if (cfg.vault) vaultRoutes(app, cfg.vault);
  // Printed before the HTTP line, which the orchestrator waits for: it is in the output by then.
  if (cfg.kmip) process.stdout.write(`minimal kmip listening on port ${await kmipListener(cfg.kmip)}\n`);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`minimal listening on ${url}\n`);
  const stop = () =>
    void app.close().then(() => {
      p11?.close();
      process.exit(0);
    });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`minimal: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
