import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TenantService } from '@kms/core';
import { CallerGuard } from '@kms/dialect-kit';
import { accountOf } from './arn';
import type { AwsCaller } from './caller';
import { AwsError } from './errors';
import { SigV4Failure, SigningKeyCache, parseAuthorization, verifySignature } from './sigv4';

/**
 * AWS Signature Version 4 over the raw body (kept as a Buffer by the module's body parser). The
 * access key resolves to a tenant through the credential store (sealed secret, cached for
 * KMS_CACHE_TTL_MS like every credential, so a revocation holds within that bound).
 */
@Injectable()
export class AwsGuard extends CallerGuard<AwsCaller> {
  private readonly signingKeys = new SigningKeyCache();

  constructor(private readonly tenants: TenantService) {
    super();
  }

  protected async authenticate(req: FastifyRequest): Promise<AwsCaller> {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    if (req.body !== undefined && req.body !== null && !Buffer.isBuffer(req.body)) throw new AwsError('SerializationException', 'Content-Type must be application/x-amz-json-1.1');
    const signed = { method: req.method, path, query, headers: req.headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) };
    try {
      const auth = parseAuthorization(signed, Date.now());
      const cred = await this.tenants.resolve('aws-access-key', auth.accessKeyId);
      if (!cred?.secret) throw new SigV4Failure('UnrecognizedClientException', 'The security token included in the request is invalid.');
      verifySignature(signed, auth, cred.secret, this.signingKeys);
      return { tenantId: cred.tenantId, dialect: 'aws', principal: auth.accessKeyId, accessKeyId: auth.accessKeyId, region: auth.region, account: accountOf(cred.tenantId) };
    } catch (err) {
      if (err instanceof SigV4Failure) throw new AwsError(err.type, err.message);
      throw err;
    }
  }
}
