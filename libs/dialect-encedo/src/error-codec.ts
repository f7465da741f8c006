import { HttpException } from '@nestjs/common';
import { KmsError } from '@kms/core';
import type { FastifyRequest } from 'fastify';
import { type DialectErrorCodec, type WireError, findCaller } from '@kms/dialect-kit';
import { STATUS_OF } from './errors';
import { HemError } from './hem-error';
import type { HemAuditTrail } from './hem-audit';
import { isHemPath } from './http-hooks';

/** What else may reach the codec, and its HEM status: a 4xx of Fastify or Nest (bad JSON, unknown path) keeps its own. */
function statusOf(exception: unknown): number {
  if (exception instanceof HemError) return exception.status;
  if (exception instanceof KmsError) return STATUS_OF[exception.code];
  if (exception instanceof HttpException) return exception.getStatus();
  const code = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
}

/**
 * HEM errors are the status code alone (notes §1): empty body, `Content-Type: application/json`.
 * It covers what fails before a controller too (unparseable JSON → 400, unknown /api/ path → 404).
 * Anything that is not a HEM status is a 500, logged by the router, never echoed.
 */
export class EncedoErrorCodec implements DialectErrorCodec {
  readonly dialect = 'encedo';

  constructor(private readonly trail: HemAuditTrail) {}

  /** A refusal of the route's own (pipe or handler) after the guard let the caller in. */
  audit(exception: unknown, req: FastifyRequest): Promise<void> | null {
    return exception instanceof HemError && exception.audit === 'due' && findCaller(req) ? this.trail.refused(req, exception) : null;
  }

  owns(path: string): boolean {
    return isHemPath(path);
  }

  encode(exception: unknown): WireError {
    const status = statusOf(exception);
    return { status, body: '', headers: { 'content-type': 'application/json' }, internal: status >= 500 };
  }
}
