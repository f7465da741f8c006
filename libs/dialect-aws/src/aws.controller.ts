import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeyOperations, Sealer } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import type { AwsCaller } from './caller';
import { AwsError } from './errors';
import { AwsGuard } from './guard';
import { Input } from './input';
import type { AwsDerivedKeys } from './operations/context';
import { actionFor } from './operations/table';
import { TARGET_PREFIX } from './wire';

/** AWS KMS's JSON protocol: `POST /`, the operation named by X-Amz-Target, one handler per operation (operations/table.ts). */
@Controller()
@UseGuards(AwsGuard)
export class AwsController {
  private readonly derived: AwsDerivedKeys;

  constructor(
    private readonly keys: KeyOperations,
    sealer: Sealer,
  ) {
    this.derived = { importToken: sealer.derive('aws/import-token'), materialFingerprint: sealer.derive('aws/material-fingerprint') };
  }

  @Post()
  @HttpCode(200)
  async call(@Req() req: FastifyRequest, @Ctx() caller: AwsCaller, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown>> {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target.startsWith(TARGET_PREFIX)) throw new AwsError('UnknownOperationException', 'X-Amz-Target must name a TrentService operation');
    const action = actionFor(target.slice(TARGET_PREFIX.length));
    const out = await action({ caller, input: Input.parse(req.body as Buffer), keys: this.keys, derived: this.derived });
    void reply.header('content-type', 'application/x-amz-json-1.1').header('x-amzn-requestid', String(req.id));
    return out;
  }
}
