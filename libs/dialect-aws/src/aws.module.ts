import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { KeyOperations } from '@kms/core';
import { ErrorCodecs } from '@kms/dialect-kit';
import { AwsController } from './aws.controller';
import { AwsErrorCodec } from './error-codec';
import { AwsGuard } from './guard';
import { CONTENT_TYPES } from './wire';

interface ParserHost {
  addContentTypeParser(types: string[], opts: { parseAs: 'buffer' }, parser: (req: unknown, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void): unknown;
}

/**
 * The AWS KMS dialect (docs/aws.md): the JSON API that every AWS SDK and the AWS CLI speak,
 * authenticated with SigV4. Its bodies stay raw Buffers until the guard has checked the signature
 * over them; the controller parses them after.
 */
@Module({ controllers: [AwsController], providers: [AwsGuard] })
export class AwsDialectModule implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly codecs: ErrorCodecs,
    private readonly keys: KeyOperations,
  ) {}

  onModuleInit(): void {
    this.codecs.register(new AwsErrorCodec(this.keys));
    this.adapter.httpAdapter?.getInstance?.<ParserHost>().addContentTypeParser(CONTENT_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
}
