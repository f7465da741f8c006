import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorCodecs } from './error-codec';
import { ExceptionRouter } from './exception-router';

/** The seams every dialect module uses: the codec registry and the exception router over it. */
@Global()
@Module({
  providers: [ErrorCodecs, { provide: APP_FILTER, useClass: ExceptionRouter }],
  exports: [ErrorCodecs],
})
export class DialectKitModule {}
