import { Global, Module } from '@nestjs/common';
import { ErrorCodecs } from './error-codec';

/** The seams every dialect module uses: the codec registry and the exception router over it. */
@Global()
@Module({
  providers: [ErrorCodecs],
  exports: [ErrorCodecs],
})
export class DialectKitModule {}
