import type { FastifyRequest } from 'fastify';
import { KmsError, type KeyOperations, type KmsErrorCode } from '@kms/core';
import { type DialectErrorCodec, type WireError, findCaller } from '@kms/dialect-kit';
import { AwsError, type AwsExceptionType, toAwsError } from './errors';
import { TARGET_PREFIX, isAwsRequest } from './wire';

/** The canonical code of a refusal the dialect makes itself, for its audit row. */
const CANONICAL: Partial<Record<AwsExceptionType, KmsErrorCode>> = {
  NotFoundException: 'NOT_FOUND',
  InvalidCiphertextException: 'CRYPTO_FAILURE',
  KMSInvalidSignatureException: 'CRYPTO_FAILURE',
  KMSInvalidMacException: 'CRYPTO_FAILURE',
  AlreadyExistsException: 'ALREADY_EXISTS',
  UnsupportedOperationException: 'UNSUPPORTED',
  DisabledException: 'WRONG_KEY_STATE',
  KMSInvalidStateException: 'WRONG_KEY_STATE',
  InvalidKeyUsageException: 'FORBIDDEN',
  IncorrectKeyException: 'INVALID_ARGUMENT',
};

/**
 * Every failure of an AWS KMS request as `{"__type", "message"}` with AWS's status and the
 * `x-amzn-ErrorType` header the SDKs read first. A refusal of the dialect's own after the guard
 * let the caller in (a malformed field, an alias where a key id is required) gets its audit row
 * through the core; a core operation's failure has its row already.
 */
export class AwsErrorCodec implements DialectErrorCodec {
  readonly dialect = 'aws';

  constructor(private readonly keys: KeyOperations) {}

  owns(path: string): boolean {
    return path === '/';
  }

  encode(exception: unknown, req: FastifyRequest): WireError {
    const err = toAwsError(exception);
    return {
      status: err.status,
      body: { __type: err.type, message: err.message },
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': err.type, 'x-amzn-requestid': requestId(req) },
      internal: err.type === 'KMSInternalException' && !(exception instanceof AwsError),
    };
  }

  audit(exception: unknown, req: FastifyRequest): Promise<void> | null {
    const caller = findCaller(req);
    if (!caller || !isAwsRequest(req)) return null;
    const err = toAwsError(exception);
    if (err.audited || err.type === 'KMSInternalException') return null;
    const target = String(req.headers['x-amz-target'] ?? '').slice(TARGET_PREFIX.length);
    return this.keys.refusal(caller, `aws-${target}`.slice(0, 48), new KmsError(CANONICAL[err.type] ?? 'INVALID_ARGUMENT', err.message));
  }
}

const requestId = (req: FastifyRequest) => String(req.id ?? '');
