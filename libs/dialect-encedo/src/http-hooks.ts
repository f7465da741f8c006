import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { LIMITS } from './wire';

/** The HEM API lives under /api/; nothing else in the gateway does. */
export const isHemPath = (url: string | undefined) => (url ?? '').startsWith('/api/');

/** Routes that refuse plain HTTP on the device (notes §1): auth, status, version, check-in do not. */
const TLS_ONLY = ['/api/keymgmt/', '/api/crypto/', '/api/logger/'];

/** TLS on our socket, or a terminator in front saying so (first X-Forwarded-Proto hop). */
export function arrivedOverTls(req: IncomingMessage): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  const xfp = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(xfp) ? xfp[0] : xfp)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/** Header names as the device spells them; TESTER reads `Content-Length`/`Content-Type` case-sensitively (notes §10). */
const CANONICAL: Record<string, string> = { 'content-type': 'Content-Type', 'content-length': 'Content-Length' };

function capitaliseHeaders(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  res.writeHead = function (status: number, ...rest: unknown[]) {
    const i = rest.findIndex((a) => typeof a === 'object' && a !== null);
    if (i >= 0) {
      const out: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(rest[i] as OutgoingHttpHeaders)) out[CANONICAL[k.toLowerCase()] ?? k] = v;
      rest[i] = out;
    }
    return writeHead(status, ...rest);
  };
}

interface HookReply {
  statusCode: number;
  raw: ServerResponse;
  code(status: number): HookReply;
  header(name: string, value: string): HookReply;
  send(payload?: unknown): HookReply;
}
interface HookRequest {
  url: string;
  method: string;
  raw: IncomingMessage;
  headers: IncomingMessage['headers'];
}
export interface HookHost {
  addHook(name: 'onRequest', fn: (req: HookRequest, reply: HookReply) => Promise<unknown>): unknown;
  addHook(name: 'onSend', fn: (req: HookRequest, reply: HookReply, payload: unknown) => Promise<unknown>): unknown;
}

/**
 * HEM transport rules (notes §1, §10) for /api/ paths that no codec, guard or pipe can apply, so
 * they stay Fastify hooks: 411 without a length and 413 above 7300 bytes must answer before the
 * body is read; 418 for plain HTTP where TLS is required and 401 for a presented bearer token that
 * is not valid come before routing (an unknown path with a bad token is 401, not 404); the
 * device's capitalised header names are below Fastify's reply API (it lowercases them); and every
 * success is `Content-Type: application/json` (a log file `text/plain`), where Fastify would say
 * text/plain for the empty answers. Error bodies are the codec's (error-codec.ts).
 */
export function installHemHooks(fastify: HookHost, opts: { requireTls: boolean; bearerValid?: (authorization: string) => Promise<boolean> }): void {
  // Async hooks end the request by returning the reply they sent.
  fastify.addHook('onRequest', async (req, reply) => {
    if (!isHemPath(req.url)) return undefined;
    capitaliseHeaders(reply.raw);
    const path = req.url.split('?', 1)[0];
    if (opts.requireTls && TLS_ONLY.some((p) => path.startsWith(p)) && !arrivedOverTls(req.raw)) {
      return reply.code(418).send('');
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      const len = req.headers['content-length'];
      if (len === undefined) return reply.code(411).send('');
      if (Number(len) > LIMITS.body) return reply.code(413).send('');
    } else if (req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0') {
      // A bodiless DELETE/GET that still says `Content-Type: application/json` (hem-sdk-js sends
      // every request so) must not be parsed as an empty JSON document (Fastify's 400).
      delete req.raw.headers['content-type'];
    }
    // The device checks a presented token before routing: a bad or expired one is 401 on every
    // route, open ones included (TESTER T-1.4 sends a foreign token to /api/system/status).
    const authz = req.headers.authorization;
    if (authz !== undefined && opts.bearerValid && !(await opts.bearerValid(authz))) return reply.code(401).send('');
    return undefined;
  });
  fastify.addHook('onSend', async (req, reply, payload) => {
    if (!isHemPath(req.url)) return payload;
    // A log file is the one text answer of the API (notes §5); everything else is JSON.
    const logFile = reply.statusCode < 400 && /^\/api\/logger\/[0-9a-f]{8}$/i.test(req.url.split('?', 1)[0]);
    reply.header('content-type', logFile ? 'text/plain' : 'application/json');
    return payload ?? '';
  });
}
