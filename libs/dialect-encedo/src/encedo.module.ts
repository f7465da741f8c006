import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ErrorCodecs } from '@kms/dialect-kit';
import { AuthController } from './auth.controller';
import { HemGuard } from './auth/hem.guard';
import { CryptoController } from './crypto.controller';
import { EncedoService } from './encedo.service';
import { EncedoErrorCodec } from './error-codec';
import { HemAuditTrail } from './hem-audit';
import { type HookHost, installHemHooks } from './http-hooks';
import { KeymgmtController } from './keymgmt.controller';
import { LoggerController } from './logger.controller';
import { ENCEDO_OPTIONS, type EncedoDialectOptions } from './options';
import { SystemController } from './system.controller';

/**
 * The Encedo HEM dialect: the device's REST API under /api/ (docs/encedo.md). It needs its
 * options (the identity and token keys come from the master key), so it is imported through
 * forRoot; imported bare, it serves nothing.
 */
@Module({})
export class EncedoDialectModule implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    @Inject(ENCEDO_OPTIONS) private readonly options: EncedoDialectOptions,
    private readonly svc: EncedoService,
    private readonly codecs: ErrorCodecs,
    private readonly trail: HemAuditTrail,
  ) {}

  static forRoot(options: EncedoDialectOptions): DynamicModule {
    return {
      module: EncedoDialectModule,
      controllers: [AuthController, SystemController, KeymgmtController, CryptoController, LoggerController],
      providers: [{ provide: ENCEDO_OPTIONS, useValue: options }, EncedoService, HemAuditTrail, HemGuard],
    };
  }

  /**
   * The codec answers every exception on /api/. The hooks do what must happen before routing or
   * below the reply (http-hooks.ts); routes are registered before this runs, and Fastify applies
   * hooks added before listen to all of them.
   */
  onModuleInit(): void {
    this.codecs.register(new EncedoErrorCodec(this.trail));
    const instance = this.adapter.httpAdapter?.getInstance?.<HookHost>();
    if (instance) installHemHooks(instance, { requireTls: this.options.requireTls, bearerValid: (authz) => this.svc.bearerValid(authz) });
  }
}
