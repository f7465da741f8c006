import Fastify from 'fastify';

/**
 * The HTTP limit: a bare Fastify (the version the gateway runs on) answering every POST with the
 * JSON body it received, and every GET with `{}`. Same machine, same loopback, same request bodies
 * as the gateway scenario it is compared with. Prints its URL like the gateway does.
 */
async function main(): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.all('/*', async (req) => (req.body === undefined ? {} : req.body));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`echo listening on ${url}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
