import { type DynamicModule, Inject, Module } from '@nestjs/common';
import { ErrorCodecs } from '@kms/dialect-kit';
import { KeyOperations } from '@kms/core';
import { JoseErrorCodec } from './error-codec';
import { JoseGuard } from './guard';
import { JoseController, JwksController } from './jose.controller';
import { JOSE_OPTIONS, type JoseDialectOptions } from './options';

const DEFAULTS: JoseDialectOptions = { auth: 'token', defaultTenant: 'default' };

/** The JOSE `/v1/crypto` dialect (Cosmian/Eviden KMS REST crypto API). */
@Module({
  controllers: [JoseController, JwksController],
  providers: [{ provide: JOSE_OPTIONS, useValue: DEFAULTS }, JoseGuard],
})
export class JoseDialectModule {
  constructor(@Inject(ErrorCodecs) codecs: ErrorCodecs, keys: KeyOperations) {
    codecs.register(new JoseErrorCodec(keys));
  }

  static forRoot(options: JoseDialectOptions): DynamicModule {
    return { module: JoseDialectModule, providers: [{ provide: JOSE_OPTIONS, useValue: options }] };
  }
}
