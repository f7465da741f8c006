import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { EhsmBodyErrorFilter, EhsmDialectModule, isEhsmPath } from '@kms/dialect-ehsm';
import { EncedoDialectModule } from '@kms/dialect-encedo';
import { JoseDialectModule, JoseExceptionFilter, isJosePath } from '@kms/dialect-jose';
import { CoreModule } from './core.module';
import { ExceptionRouter } from './exception-router';
import type { GatewayConfig } from './config';
import type { Kernel } from './kernel';
import { OpsController } from './ops.controller';

@Module({})
export class AppModule {
  static forKernel(kernel: Kernel): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forKernel(kernel),
        EhsmDialectModule.forRoot({ enroll: kernel.config.ehsmEnroll }),
        JoseDialectModule.forRoot(joseOptions(kernel.config)),
        EncedoDialectModule,
      ],
      controllers: [OpsController],
      providers: [
        {
          provide: APP_FILTER,
          inject: [HttpAdapterHost],
          useFactory: (host: HttpAdapterHost) =>
            new ExceptionRouter(host.httpAdapter, [
              { matches: isEhsmPath, filter: new EhsmBodyErrorFilter(host.httpAdapter) },
              { matches: isJosePath, filter: new JoseExceptionFilter((err) => kernel.log.error({ err: describe(err) }, 'internal error on a JOSE route')) },
            ]),
        },
      ],
    };
  }
}

function joseOptions(c: GatewayConfig) {
  return {
    auth: c.joseAuth,
    defaultTenant: c.joseDefaultTenant,
    jwt: c.joseJwtKeys
      ? { keysFile: c.joseJwtKeys, issuer: c.joseJwtIssuer ?? undefined, audience: c.joseJwtAudience ?? undefined, tenantClaim: c.joseJwtTenantClaim }
      : undefined,
  };
}

/** Name and message only: an internal error's text may not reach a client, and no payload is logged. */
function describe(err: unknown) {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err);
}
