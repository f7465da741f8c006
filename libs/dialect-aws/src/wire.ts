import type { FastifyRequest } from 'fastify';

/** AWS KMS's JSON protocol: every operation is `POST /` with its name in X-Amz-Target. */
export const TARGET_PREFIX = 'TrentService.';
export const CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0'];

export const isAwsRequest = (req: FastifyRequest) => String(req.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX);
