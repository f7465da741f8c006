import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { EhsmBodyErrorFilter, EhsmDialectModule, LayeredReplayGuard, SharedReplayGuard, isEhsmPath } from '@kms/dialect-ehsm';
import { DERIVE_LABELS as ENCEDO_DERIVE_LABELS, EncedoDialectModule, SharedChallengeStore, type EncedoDialectOptions } from '@kms/dialect-encedo';
import { JoseDialectModule, JoseExceptionFilter, isJosePath } from '@kms/dialect-jose';
import { DialectKitModule, ErrorCodecs } from '@kms/dialect-kit';
import { CoreModule } from './core.module';
import { ExceptionRouter } from './exception-router';
import type { GatewayConfig } from './config';
import type { Kernel } from './kernel';
import { OpsController } from './ops.controller';
import { AdminController } from './admin.controller';

@Module({})
export class AppModule {
  static forKernel(kernel: Kernel): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forKernel(kernel),
        DialectKitModule,
        EhsmDialectModule.forRoot({
          enroll: kernel.config.ehsmEnroll,
          legacyPath: kernel.config.ehsmLegacyPath,
          // Replicas (KMS_SHARED_STATE) and workers: a request accepted by any of them is a replay for all.
          replayGuard: kernel.sharedState ? new LayeredReplayGuard(new SharedReplayGuard(kernel.once)) : undefined,
        }),
        JoseDialectModule.forRoot(joseOptions(kernel.config)),
        EncedoDialectModule.forRoot(encedoOptions(kernel)),
      ],
      controllers: [OpsController, AdminController],
      providers: [
        {
          provide: APP_FILTER,
          inject: [HttpAdapterHost, ErrorCodecs],
          useFactory: (host: HttpAdapterHost, codecs: ErrorCodecs) =>
            new ExceptionRouter(host.httpAdapter, [
              {
                matches: (path) => isEhsmPath(path) || path === kernel.config.ehsmLegacyPath || path === `${kernel.config.ehsmLegacyPath}/`,
                filter: new EhsmBodyErrorFilter(host.httpAdapter),
              },
              { matches: isJosePath, filter: new JoseExceptionFilter((err) => kernel.log.error({ err: describe(err) }, 'internal error on a JOSE route')) },
            ], codecs),
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

/** Encedo's device identity and token key come from the master key: the same in the CLI and every replica. */
function encedoOptions(kernel: Kernel): EncedoDialectOptions {
  return {
    requireTls: kernel.config.encedoRequireTls,
    tokenLifetimeS: kernel.config.encedoTokenLifetimeS,
    tokenMaxLifetimeS: kernel.config.encedoTokenMaxLifetimeS,
    keysearchTenant: kernel.config.encedoKeysearchTenant,
    identitySeed: kernel.sealer.derive(ENCEDO_DERIVE_LABELS.identity),
    tokenKey: kernel.sealer.derive(ENCEDO_DERIVE_LABELS.token),
    // Replicas (KMS_SHARED_STATE): one spk for all, and challenges in the store, so a challenge
    // fetched from one replica logs in through any other, once.
    ...(kernel.sharedState ? { sessionKey: kernel.sealer.derive(ENCEDO_DERIVE_LABELS.session), challenges: new SharedChallengeStore(kernel.once) } : {}),
  };
}

/** Name and message only: an internal error's text may not reach a client, and no payload is logged. */
function describe(err: unknown) {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err);
}
