import { createHmac, createPrivateKey, createPublicKey, diffieHellman, pbkdf2Sync } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

/**
 * A HEM client written for the tests from the vendor's algorithm (notes §2.2), independent of the
 * gateway's code: PBKDF2(passphrase, eid string) → X25519 seed; K = X25519(seed, spk); the eJWT
 * is HMAC-SHA256(K) over base64url segments.
 */
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

export interface Reply {
  status: number;
  body: any;
  text: string;
  rawHeaders: string[];
}

export class HemClient {
  private seed: Buffer | null = null;
  private seedFor = '';

  constructor(
    readonly url: string,
    private readonly passphrase: string,
    private readonly headers: Record<string, string> = {},
    /** For an `https:` url: the CA to trust, and a client certificate if any (test/tls). */
    private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key'> = {},
  ) {}

  async call(method: string, path: string, body?: unknown, token?: string, extra: Record<string, string> = {}): Promise<Reply> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const u = new URL(path, this.url);
    return new Promise((resolve, reject) => {
      const send = u.protocol === 'https:' ? httpsRequest : request;
      const req = send(
        {
          ...this.tls,
          hostname: u.hostname,
          port: u.port,
          path: u.pathname,
          method,
          headers: {
            ...this.headers,
            ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            ...extra,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              parsed = null;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text, rawHeaders: res.rawHeaders });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The user's X25519 seed for this gateway's eid (PBKDF2 600000 is slow: computed once). */
  seedFor_(eid: string): Buffer {
    if (!this.seed || this.seedFor !== eid) {
      this.seed = pbkdf2Sync(Buffer.from(this.passphrase, 'utf8'), Buffer.from(eid, 'ascii'), 600000, 32, 'sha256');
      this.seedFor = eid;
    }
    return this.seed;
  }

  /** Builds the eJWT for a challenge; `tamper` lets a test break it on purpose. */
  async ejwt(scope: string, opts: { exp?: number; tamper?: (p: Record<string, unknown>) => void } = {}): Promise<string> {
    const ch = await this.call('GET', '/api/auth/token');
    if (ch.status !== 200) throw new Error(`challenge: ${ch.status}`);
    const { eid, spk, jti } = ch.body;
    const priv = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, this.seedFor_(eid)]), format: 'der', type: 'pkcs8' });
    const iss = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    const k = diffieHellman({ privateKey: priv, publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, Buffer.from(spk, 'base64')]), format: 'der', type: 'spki' }) });
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { jti, aud: spk, iat: now - 5, exp: opts.exp ?? now + 3600, iss, scope };
    opts.tamper?.(claims);
    const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const signing = `${seg({ alg: 'HS256', typ: 'JWT', ecdh: 'x25519' })}.${seg(claims)}`;
    return `${signing}.${createHmac('sha256', k).update(signing).digest('base64url')}`;
  }

  async login(scope: string, opts: { exp?: number } = {}): Promise<string> {
    const r = await this.call('POST', '/api/auth/token', { auth: await this.ejwt(scope, opts) });
    if (r.status !== 200) throw new Error(`login ${scope}: ${r.status}`);
    return r.body.token;
  }

  private tokens = new Map<string, string>();
  /** Cached per exact scope, as the official clients do. */
  async token(scope: string): Promise<string> {
    let t = this.tokens.get(scope);
    if (!t) {
      t = await this.login(scope);
      this.tokens.set(scope, t);
    }
    return t;
  }

  async use(kid: string, path: string, body: Record<string, unknown>): Promise<Reply> {
    return this.call('POST', path, { kid, ...body }, await this.token(`keymgmt:use:${kid}`));
  }
}
