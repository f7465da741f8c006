import { type DynamicModule, Module } from '@nestjs/common';
import { EhsmController } from './ehsm.controller';
import { legacyV1Controller } from './legacy/v1.controller';
import { EHSM_OPTIONS, type EhsmDialectOptions } from './options';
import { MemoryReplayGuard, REPLAY_GUARD } from './replay-guard';

/**
 * The eHSM-KMS dialect: `/ehsm?Action=...`. Imported as is, it runs with the defaults; forRoot
 * replaces the options and replay guard (Nest lets a dynamic module's providers override the
 * static ones of the same token).
 */
@Module({
  controllers: [EhsmController],
  providers: [
    { provide: EHSM_OPTIONS, useValue: {} },
    { provide: REPLAY_GUARD, useFactory: () => new MemoryReplayGuard() },
  ],
})
export class EhsmDialectModule {
  static forRoot(options: EhsmDialectOptions): DynamicModule {
    return {
      module: EhsmDialectModule,
      controllers: options.legacyPath ? [legacyV1Controller(options.legacyPath)] : [],
      providers: [
        { provide: EHSM_OPTIONS, useValue: options },
        { provide: REPLAY_GUARD, useFactory: () => options.replayGuard ?? new MemoryReplayGuard() },
      ],
    };
  }
}
