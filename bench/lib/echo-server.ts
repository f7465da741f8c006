import { createRequire } from 'node:module';

/**
 * The HTTP limit: a bare Fastify answering every POST with the JSON body it received, and every
 * GET with `{}`. Same machine, same loopback, same request bodies as the gateway scenario it is
 * compared with. `node echo-server.js pinned` runs the Fastify the gateway runs on (the one
 * @nestjs/platform-fastify resolves), `latest` the newest Fastify 5 (`fastify-latest`), so that a
 * regression of either shows. Prints its URL and Fastify version like the gateway does.
 */
export type EchoFlavour = 'pinned' | 'latest';

/** Where a flavour's Fastify is loaded from: the gateway's is whichever @nestjs/platform-fastify resolves. */
function origin(flavour: EchoFlavour): { from: NodeJS.Require; name: string } {
  return flavour === 'pinned' ? { from: createRequire(require.resolve('@nestjs/platform-fastify')), name: 'fastify' } : { from: require, name: 'fastify-latest' };
}

export function fastifyVersion(flavour: EchoFlavour): string {
  const { from, name } = origin(flavour);
  return (from(`${name}/package.json`) as { version: string }).version;
}

function fastifyOf(flavour: EchoFlavour): typeof import('fastify').default {
  const { from, name } = origin(flavour);
  const mod = from(name) as { default?: typeof import('fastify').default } & typeof import('fastify').default;
  return mod.default ?? mod;
}

async function main(): Promise<void> {
  const flavour = (process.argv[2] ?? 'pinned') as EchoFlavour;
  const Fastify = fastifyOf(flavour);
  const version = fastifyVersion(flavour);
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.all('/*', async (req) => (req.body === undefined ? {} : req.body));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`echo listening on ${url} (fastify ${version})\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) void main();
