import { Module, type DynamicModule } from '@nestjs/common';
import { EhsmDialectModule } from '@kms/dialect-ehsm';
import { EncedoDialectModule } from '@kms/dialect-encedo';
import { JoseDialectModule } from '@kms/dialect-jose';
import { CoreModule } from './core.module';
import type { Kernel } from './kernel';
import { OpsController } from './ops.controller';

@Module({})
export class AppModule {
  static forKernel(kernel: Kernel): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forKernel(kernel), EhsmDialectModule.forRoot({ enroll: kernel.config.ehsmEnroll }), JoseDialectModule, EncedoDialectModule],
      controllers: [OpsController],
    };
  }
}
