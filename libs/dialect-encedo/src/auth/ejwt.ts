import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { hem } from '../hem-error';
import { parseX25519Public, x25519 } from './x25519';

/** What a verified eJWT (the login request of POST /api/auth/token) asks for. */
export interface LoginClaims {
  jti: string;
  aud: string;
  iss: string;
  exp: number;
  iat: number | undefined;
  scope: string;
  ctx: string | undefined;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function json(segment: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw hem(400, 'eJWT segment is not a JSON object');
}

/**
 * Checks the eJWT's shape (400) and its HMAC (401). The MAC is computed over the segments as
 * received: clients order the header keys differently (notes §2.2), so nothing is re-serialised.
 * The key is K = X25519(session private key, iss), the same K the client got from `spk`.
 */
export function verifyEjwt(auth: unknown, session: KeyObject): LoginClaims {
  if (typeof auth !== 'string') throw hem(400, 'auth');
  const parts = auth.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw hem(400, 'auth is not a compact JWT');
  const header = json(parts[0]);
  const payload = json(parts[1]);
  if (header.alg !== 'HS256' || (header.ecdh !== undefined && header.ecdh !== 'x25519')) throw hem(400, 'eJWT header');
  const { jti, aud, iss, exp, iat, scope, ctx } = payload;
  const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (typeof jti !== 'string' || typeof aud !== 'string' || typeof iss !== 'string' || !isNum(exp)) throw hem(400, 'eJWT claims');
  if (iat !== undefined && !isNum(iat)) throw hem(400, 'iat');
  if (typeof scope !== 'string' || scope.length === 0 || scope.length > 127) throw hem(400, 'scope');
  if (ctx !== undefined && (typeof ctx !== 'string' || ctx.length >= 64)) throw hem(400, 'ctx');
  const issKey = parseX25519Public(iss);
  if (!issKey) throw hem(401, 'iss is not an X25519 key');
  let k: Buffer;
  try {
    k = x25519(session, issKey);
  } catch {
    // A low-order point gives no shared secret.
    throw hem(401, 'iss');
  }
  const expected = createHmac('sha256', k).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw hem(401, 'eJWT signature');
  return { jti, aud, iss, exp: exp as number, iat: iat as number | undefined, scope, ctx: ctx };
}
