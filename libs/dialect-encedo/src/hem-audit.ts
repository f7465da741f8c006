import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { KeyOperations, forbidden, hexToUuid } from '@kms/core';
import { callerOf } from '@kms/dialect-kit';
import type { HemCaller } from './auth/caller';
import { HemError } from './hem-error';
import { eventName } from './log-events';

/** The key a request names (body `kid` or path `:kid`), when it is a well-formed KID. */
function keyIdOf(req: FastifyRequest): string | null {
  const body = req.body as { kid?: unknown } | null | undefined;
  const kid = (req.params as { kid?: unknown } | undefined)?.kid ?? (typeof body === 'object' && body !== null ? body.kid : undefined);
  return typeof kid === 'string' ? hexToUuid(kid.toLowerCase()) : null;
}

/**
 * The dialect's audit rows for what no core operation records, each through one core call: its
 * own refusals (400, 403, 404, 406 before or instead of a key operation) and the reads of the
 * log that succeed. Rows carry the route's HEM event and the key the request names.
 */
@Injectable()
export class HemAuditTrail {
  constructor(private readonly keys: KeyOperations) {}

  /** A refusal the dialect made itself (the codec asks only for those). */
  async refused(req: FastifyRequest, err: HemError): Promise<void> {
    const caller = callerOf<HemCaller>(req);
    await this.keys.refusal(caller, caller.op, err.asKmsError(), keyIdOf(req));
  }

  /** The device logs a scope refusal under its own event, whatever the route. */
  scopeRefused(req: FastifyRequest, caller: HemCaller): Promise<void> {
    return this.keys.refusal({ ...caller, event: eventName('FAILED_SCOPE_CHECK', 'FAILED') }, caller.op, forbidden('scope'), keyIdOf(req));
  }

  succeeded(caller: HemCaller): Promise<void> {
    return this.keys.succeeded(caller, caller.op);
  }
}
