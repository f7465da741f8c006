import { type DynamicModule, Module } from '@nestjs/common';
import { JoseAuth } from './auth';
import { JoseController, JwksController } from './jose.controller';
import { JOSE_OPTIONS, type JoseDialectOptions } from './options';

const DEFAULTS: JoseDialectOptions = { auth: 'token', defaultTenant: 'default' };

/** The JOSE `/v1/crypto` dialect (Cosmian/Eviden KMS REST crypto API). */
@Module({
  controllers: [JoseController, JwksController],
  providers: [{ provide: JOSE_OPTIONS, useValue: DEFAULTS }, JoseAuth],
})
export class JoseDialectModule {
  static forRoot(options: JoseDialectOptions): DynamicModule {
    return { module: JoseDialectModule, providers: [{ provide: JOSE_OPTIONS, useValue: options }] };
  }
}
