import { Module, type DynamicModule } from '@nestjs/common';
import { EhsmDialectModule, LayeredReplayLedger, SharedReplayLedger } from '@kms/dialect-ehsm';
import { DERIVE_LABELS as ENCEDO_DERIVE_LABELS, EncedoDialectModule, SharedChallengeStore, type EncedoDialectOptions } from '@kms/dialect-encedo';
import { JoseDialectModule } from '@kms/dialect-jose';
import { DialectKitModule } from '@kms/dialect-kit';
import { AwsDialectModule } from '@kms/dialect-aws';
import { VaultDialectModule } from '@kms/dialect-vault';
import { CoreModule } from './core.module';
import type { GatewayConfig } from './config';
import type { Kernel } from './kernel';
import { OpsController } from './ops.controller';
import { AdminController } from './admin.controller';
import { OPENAPI_CONFIG, OpenApiController } from './openapi.controller';

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
          replayLedger: kernel.sharedState ? new LayeredReplayLedger(new SharedReplayLedger(kernel.once)) : undefined,
        }),
        JoseDialectModule.forRoot(joseOptions(kernel.config)),
        EncedoDialectModule.forRoot(encedoOptions(kernel)),
        AwsDialectModule,
        VaultDialectModule,
      ],
      controllers: [OpsController, AdminController, OpenApiController],
      providers: [{ provide: OPENAPI_CONFIG, useValue: { ehsmLegacyPath: kernel.config.ehsmLegacyPath } }],
    };
  }
}

function joseOptions(c: GatewayConfig) {
  return {
    auth: c.joseAuth,
    defaultTenant: c.joseDefaultTenant,
    jwt: c.joseJwtKeys ? { keysFile: c.joseJwtKeys, issuer: c.joseJwtIssuer ?? undefined, audience: c.joseJwtAudience ?? undefined, tenantClaim: c.joseJwtTenantClaim } : undefined,
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
