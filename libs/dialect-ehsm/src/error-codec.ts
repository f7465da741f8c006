import { HttpException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { KmsError } from '@kms/core';
import type { DialectErrorCodec, WireError } from '@kms/dialect-kit';
import { actionName } from './actions';
import { EhsmFailure, MSG, fail } from './envelope';
import { type EhsmApi, kmsErrorWire } from './errors';

/**
 * Fastify's texts for a body its JSON parser refused (FST_ERR_CTP_*_JSON_BODY), and the gateway's
 * for a body nested too deep or holding too many members (apps/gateway/src/json-limits.ts).
 */
const JSON_ERRORS = /not valid JSON|cannot be empty when content-type|^JSON too (deep|large):/;

/** eHSM answers every outcome with HTTP 200; the envelope's `code` carries it. */
const envelope = (code: number, message: string, internal = false): WireError => ({ status: 200, body: fail(code, message), ...(internal ? { internal } : {}) });

/**
 * The dialect's one error codec, for `/ehsm` and the v1 blob path: its own refusals (EhsmFailure),
 * canonical errors in the vendor's words, Fastify's refusal of a body (upstream: `express.json`'s
 * verify hook sends `400 "Invalid JSON"`), and anything else as the vendor's internal error.
 */
export class EhsmErrorCodec implements DialectErrorCodec {
  readonly dialect = 'ehsm';
  private readonly paths: ReadonlyMap<string, EhsmApi>;

  constructor(legacyPath: string | null) {
    const v1 = legacyPath ? `/${legacyPath.replace(/^\/+|\/+$/g, '')}` : null;
    // Served with and without the trailing slash (ignoreTrailingSlash).
    this.paths = new Map<string, EhsmApi>([
      ['/ehsm', 'keyid'],
      ['/ehsm/', 'keyid'],
      ...(v1
        ? ([
            [v1, 'v1'],
            [`${v1}/`, 'v1'],
          ] as const)
        : []),
    ]);
  }

  owns(path: string): boolean {
    return this.paths.has(path);
  }

  encode(exception: unknown, req: FastifyRequest): WireError {
    if (exception instanceof EhsmFailure) return envelope(exception.code, exception.message);
    if (exception instanceof KmsError && exception.code !== 'INTERNAL') {
      const api = this.paths.get((req.url ?? '').split('?', 1)[0]) ?? 'keyid';
      return envelope(...kmsErrorWire(api, actionName((req.query as { Action?: unknown } | undefined)?.Action), exception.code));
    }
    if (exception instanceof HttpException) return httpRefusal(exception);
    // Name and message go to the log (the router's); the client gets the vendor's generic text.
    return envelope(500, MSG.internal, true);
  }
}

/**
 * Refusals Nest or Fastify raise before any handler runs. A bad JSON body and a body that is not
 * JSON (upstream parses only JSON: the fields stay unset) get the envelope; anything else (a body
 * too large, a method not served) keeps Nest's own answer.
 */
function httpRefusal(e: HttpException): WireError {
  const status = e.getStatus();
  if (status === 400 && JSON_ERRORS.test(e.message)) return envelope(400, MSG.invalidJson);
  if (status === 415) return envelope(400, MSG.missingParams);
  const res = e.getResponse();
  return { status, body: typeof res === 'object' ? res : { statusCode: status, message: res }, ...(status >= 500 ? { internal: true } : {}) };
}
