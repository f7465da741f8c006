import { Logger, ShutdownSignal } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KmsError } from '@kms/core';
import { ErrorCodecs, writeThroughCodec } from '@kms/dialect-kit';
import { AppModule } from './app.module';
import { LimitedBodyFastifyAdapter } from './json-limits';
import type { Kernel } from './kernel';
import { serveListMethod } from './list-method';
import { PinoNestLogger } from './nest-logger';
import { httpsOptions, type TlsMaterial } from './tls';

/** Builds the HTTP application over a kernel and starts listening (HTTPS when given TLS material). */
export async function startServer(kernel: Kernel, tls: TlsMaterial | null = null): Promise<NestFastifyApplication> {
  // Bodies nested too deep or holding too many members are refused as they are parsed (json-limits.ts).
  // Fastify answers a URL it cannot decode (`%zz`) before any route or filter runs; once the app
  // exists, the dialect that owns the path answers it in its own shape instead.
  let frameworkError = fastifyDefault;
  const adapter = new LimitedBodyFastifyAdapter({
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => frameworkError(err, req, reply),
    bodyLimit: kernel.config.bodyLimit,
    // eHSM's Python SDK calls `/ehsm/?Action=...`; other clients `/ehsm?Action=...`.
    routerOptions: { ignoreTrailingSlash: true },
    logger: false,
    ...(tls ? { https: httpsOptions(tls) } : {}),
  });
  // Every route as Fastify registers it, logged at debug once listening: what the OpenAPI coverage
  // test (test/openapi.e2e.ts) holds the documents to.
  const routes: string[] = [];
  adapter.getInstance().addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push(`${method} ${r.url}`);
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forKernel(kernel), adapter, {
    logger: new PinoNestLogger(kernel.log),
    abortOnError: false,
  });
  const codecs = app.get(ErrorCodecs);
  const errorLog = new Logger('errors');
  frameworkError = (err, req, reply) => {
    const codec = codecs.forPath((req.url ?? '').split('?', 1)[0]);
    // As an argument error, which every codec words in its dialect's terms (the URL is not echoed).
    if (codec) writeThroughCodec(codec, new KmsError('INVALID_ARGUMENT', 'the request path is not valid percent-encoding'), req, reply, errorLog);
    else fastifyDefault(err, req, reply);
  };
  // Vault clients list with the method LIST, which Node's HTTP parser refuses (list-method.ts).
  serveListMethod(app.getHttpServer());
  // With TLS, SIGHUP reloads the certificate (tls.ts) instead of shutting down.
  app.enableShutdownHooks(tls ? Object.values(ShutdownSignal).filter((s) => s !== ShutdownSignal.SIGHUP) : undefined);
  await app.listen(kernel.config.port, kernel.config.host);
  kernel.log.debug({ routes }, 'routes served');
  return app;
}

/** Fastify's own answer to a framework error, for paths no dialect owns. */
function fastifyDefault(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode ?? 400;
  void reply.code(status).send({ statusCode: status, code: err.code, error: 'Bad Request', message: err.message });
}
