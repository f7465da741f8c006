import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { LimitedBodyFastifyAdapter } from './json-limits';
import type { Kernel } from './kernel';
import { serveListMethod } from './list-method';
import { PinoNestLogger } from './nest-logger';

/** Builds the HTTP application over a kernel and starts listening. */
export async function startServer(kernel: Kernel): Promise<NestFastifyApplication> {
  // Bodies nested too deep or holding too many members are refused as they are parsed (json-limits.ts).
  const adapter = new LimitedBodyFastifyAdapter({
    bodyLimit: kernel.config.bodyLimit,
    // eHSM's Python SDK calls `/ehsm/?Action=...`; other clients `/ehsm?Action=...`.
    routerOptions: { ignoreTrailingSlash: true },
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forKernel(kernel), adapter, {
    logger: new PinoNestLogger(kernel.log),
    abortOnError: false,
  });
  // Vault clients list with the method LIST, which Node's HTTP parser refuses (list-method.ts).
  serveListMethod(app.getHttpServer());
  app.enableShutdownHooks();
  await app.listen(kernel.config.port, kernel.config.host);
  return app;
}
