import { type DynamicModule, Inject, Module } from '@nestjs/common';
import { ErrorCodecs } from '@kms/dialect-kit';
import { EhsmController } from './ehsm.controller';
import { EhsmErrorCodec } from './error-codec';
import { legacyV1Controller } from './legacy/v1.controller';
import { EHSM_OPTIONS, type EhsmDialectOptions } from './options';
import { MemoryReplayLedger, REPLAY_LEDGER } from './replay-ledger';

/**
 * The eHSM-KMS dialect: `/ehsm?Action=...`. Imported as is, it runs with the defaults; forRoot
 * replaces the options and replay ledger (Nest lets a dynamic module's providers override the
 * static ones of the same token). Its error codec answers for `/ehsm` and the v1 path alike.
 */
@Module({
  controllers: [EhsmController],
  providers: [
    { provide: EHSM_OPTIONS, useValue: {} },
    { provide: REPLAY_LEDGER, useFactory: () => new MemoryReplayLedger() },
  ],
})
export class EhsmDialectModule {
  constructor(codecs: ErrorCodecs, @Inject(EHSM_OPTIONS) options: EhsmDialectOptions) {
    codecs.register(new EhsmErrorCodec(options.legacyPath ?? null));
  }

  static forRoot(options: EhsmDialectOptions): DynamicModule {
    return {
      module: EhsmDialectModule,
      controllers: options.legacyPath ? [legacyV1Controller(options.legacyPath)] : [],
      providers: [
        { provide: EHSM_OPTIONS, useValue: options },
        { provide: REPLAY_LEDGER, useFactory: () => options.replayLedger ?? new MemoryReplayLedger() },
      ],
    };
  }
}
