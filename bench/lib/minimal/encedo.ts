import { createHmac, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify-latest';
import type { MinimalConfig } from './config';
import { B64, bearer } from './common';

/**
 * Encedo HEM crypto routes by hand: the bearer token is a compact HS256 JWT (the gateway's own
 * tokens, checked with the gateway's token key): signature, `alg`, audience, expiry, a known user,
 * and the one scope `keymgmt:use:<kid>`; then HMAC-SHA256 (`{mac}`) or X25519 (`{ecdh}`, the raw
 * secret, computed on the event loop as the gateway does). Errors are the status alone, JSON
 * answers say `Content-Type: application/json`, as the device does.
 */
const AUDIENCE = 'kms-gateway/encedo';
const KID = /^[0-9a-f]{32}$/;
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

interface Claims {
  scope: string;
  sub: string;
  usr: string;
  exp: number;
  aud: unknown;
}

type Body = Record<string, unknown>;

/** `Content-Type: application/json` exactly, as the device says it (Fastify would add a charset to a JSON it serialises). */
const json = (reply: FastifyReply, answer: object) => reply.header('content-type', 'application/json').send(Buffer.from(JSON.stringify(answer)));

export function encedoRoutes(app: FastifyInstance, cfg: NonNullable<MinimalConfig['encedo']>): void {
  const tokenKey = Buffer.from(cfg.tokenKey, 'base64');
  const users = new Set(cfg.users);
  const hmacKeys = new Map<string, Buffer>();
  const x25519Keys = new Map<string, KeyObject>();
  for (const k of cfg.keys) {
    if (k.kind === 'hmac-sha256') hmacKeys.set(k.kid, randomBytes(32));
    else x25519Keys.set(k.kid, generateKeyPairSync('x25519').privateKey);
  }

  /** The claims of a valid token of ours for a known user, or null. */
  function verify(token: string): Claims | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const mac = createHmac('sha256', tokenKey).update(`${parts[0]}.${parts[1]}`).digest();
    const sig = Buffer.from(parts[2], 'base64url');
    if (sig.length !== mac.length || !timingSafeEqual(sig, mac)) return null;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Body;
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Claims;
      if (header.alg !== 'HS256' || claims.aud !== AUDIENCE || typeof claims.scope !== 'string' || claims.sub !== 'U') return null;
      if (!(typeof claims.exp === 'number' && claims.exp > Date.now() / 1000) || !users.has(claims.usr)) return null;
      return claims;
    } catch {
      return null;
    }
  }

  /** The kid of a request its token may use, or null once the status is sent. */
  function allowed(authorization: string | undefined, body: Body, reply: FastifyReply): string | null {
    const token = bearer(authorization);
    const claims = token === null ? null : verify(token);
    if (!claims) {
      reply.code(401).send('');
      return null;
    }
    const kid = typeof body.kid === 'string' ? body.kid.toLowerCase() : '';
    if (!KID.test(kid)) {
      reply.code(400).send('');
      return null;
    }
    if (claims.scope.toLowerCase() !== `keymgmt:use:${kid}`) {
      reply.code(403).send('');
      return null;
    }
    return kid;
  }

  const b64 = (v: unknown): Buffer | null => (typeof v === 'string' && B64.test(v) ? Buffer.from(v, 'base64') : null);

  app.post('/api/crypto/hmac/hash', async (req, reply) => {
    const body = (req.body ?? {}) as Body;
    const kid = allowed(req.headers.authorization, body, reply);
    if (kid === null) return reply;
    const key = hmacKeys.get(kid);
    const msg = b64(body.msg);
    if (!key) return reply.code(406).send('');
    if (!msg || msg.length > 2048) return reply.code(400).send('');
    return json(reply, { mac: createHmac('sha256', key).update(msg).digest('base64') });
  });

  app.post('/api/crypto/ecdh', async (req, reply) => {
    const body = (req.body ?? {}) as Body;
    const kid = allowed(req.headers.authorization, body, reply);
    if (kid === null) return reply;
    const key = x25519Keys.get(kid);
    const pub = b64(body.pubkey);
    if (!key) return reply.code(406).send('');
    if (!pub || pub.length !== 32) return reply.code(400).send('');
    const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI, pub]), format: 'der', type: 'spki' });
    return json(reply, { ecdh: diffieHellman({ privateKey: key, publicKey: peer }).toString('base64') });
  });
}
