import { createHmac, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { ehsmBody } from './wire';

/** Set-up calls made over HTTP before a scenario (creating its keys, logging in). */
async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json };
}

export async function jose(url: string, token: string, path: string, body: unknown): Promise<any> {
  const r = await call(url, 'POST', path, body, { authorization: `Bearer ${token}` });
  if (r.status !== 200) throw new Error(`JOSE ${path} answered ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

export async function ehsm(url: string, app: { appid: string; apikey: string }, action: string, payload: Record<string, unknown>): Promise<any> {
  const r = await call(url, 'POST', `/ehsm?Action=${action}`, ehsmBody(app.appid, app.apikey, payload));
  if (r.status !== 200 || r.json?.code !== 200) throw new Error(`eHSM ${action} answered ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.result;
}

const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

/**
 * An Encedo HEM user: logs in per scope as the official clients do (challenge, eJWT HMAC'd with
 * X25519(user, spk), exchanged for a bearer token), then calls routes with that token.
 */
export class Hem {
  private readonly user;
  /** The user's X25519 public key (base64): the eJWT's `iss`, the tokens' `usr`. */
  readonly iss: string;

  constructor(
    private readonly url: string,
    userPkcs8B64: string,
  ) {
    this.user = createPrivateKey({ key: Buffer.from(userPkcs8B64, 'base64'), format: 'der', type: 'pkcs8' });
    this.iss = createPublicKey(this.user).export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length).toString('base64');
  }

  async login(scope: string): Promise<string> {
    const ch = await call(this.url, 'GET', '/api/auth/token');
    if (ch.status !== 200) throw new Error(`HEM challenge answered ${ch.status}`);
    const { spk, jti } = ch.json as { spk: string; jti: string };
    const k = diffieHellman({ privateKey: this.user, publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, Buffer.from(spk, 'base64')]), format: 'der', type: 'spki' }) });
    const now = Math.floor(Date.now() / 1000);
    const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const signing = `${seg({ alg: 'HS256', typ: 'JWT', ecdh: 'x25519' })}.${seg({ jti, aud: spk, iat: now - 5, exp: now + 3600, iss: this.iss, scope })}`;
    const r = await call(this.url, 'POST', '/api/auth/token', { auth: `${signing}.${createHmac('sha256', k).update(signing).digest('base64url')}` });
    if (r.status !== 200) throw new Error(`HEM login ${scope} answered ${r.status}`);
    return (r.json as { token: string }).token;
  }

  async post(token: string, path: string, body: unknown): Promise<any> {
    const r = await call(this.url, 'POST', path, body, { authorization: `Bearer ${token}` });
    if (r.status !== 200) throw new Error(`HEM ${path} answered ${r.status}`);
    return r.json;
  }
}

export async function ready(url: string): Promise<boolean> {
  try {
    return (await call(url, 'GET', '/health/ready')).status === 200;
  } catch {
    return false;
  }
}
