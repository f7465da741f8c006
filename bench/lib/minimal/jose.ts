import { createCipheriv, createHash, createHmac, generateKeyPair, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify-latest';
import type { JoseKeyConfig, MinimalConfig } from './config';
import { B64URL, bearer, gcmOpen, iv12, newestFirst, sha256Hex, signAsync } from './common';
import type { Pkcs11Signer } from './pkcs11';

/**
 * The JOSE `/v1/crypto` routes by hand: a bearer token looked up by its SHA-256 (tokens are
 * stored hashed), the key by kid in a Map and checked to belong to the token's tenant; dir +
 * A256GCM with the protected header as AAD (flattened JWE), ES256 / RS256 signatures computed on
 * libuv's pool (node:crypto's callback `sign`), ES256 on a PKCS#11 token, HS256 MACs, and key
 * creation (AES-256, P-256) kept in memory. A rotated AES key decrypts with its versions tried
 * newest first (a bare kid names none).
 */
type Key =
  | { tenant: string; kind: 'aes-256'; secret: Buffer; /** newest first, the current one (`secret`) included */ versions: Buffer[] }
  | { tenant: string; kind: 'hs256'; secret: Buffer }
  | { tenant: string; kind: 'es256' | 'rs256'; privateKey: KeyObject; publicKid: string }
  | { tenant: string; kind: 'p11-es256'; handle: Buffer; publicKid: string };

type Body = Record<string, unknown>;

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const isB64url = (v: unknown): v is string => typeof v === 'string' && v.length % 4 !== 1 && B64URL.test(v);
const err = (reply: FastifyReply, status: number, error: string, message: string) => reply.code(status).send({ error, message });

export async function joseRoutes(app: FastifyInstance, cfg: NonNullable<MinimalConfig['jose']>, p11: Pkcs11Signer | null): Promise<void> {
  const tenantOf = new Map(cfg.tokens.map((t) => [sha256Hex(t.token), t.tenant]));
  const keys = new Map<string, Key>();
  for (const k of cfg.keys) keys.set(k.kid, await load(k, p11));

  /** The caller's tenant, or null once the 401 is sent. */
  function caller(req: FastifyRequest, reply: FastifyReply): string | null {
    const token = bearer(req.headers.authorization);
    const tenant = token === null ? undefined : tenantOf.get(sha256Hex(token));
    if (tenant === undefined) {
      err(reply, 401, 'unauthorized', 'Missing or invalid bearer token');
      return null;
    }
    return tenant;
  }

  function key(tenant: string, kid: unknown): Key | undefined {
    const k = typeof kid === 'string' ? keys.get(kid) : undefined;
    return k && k.tenant === tenant ? k : undefined;
  }

  app.post('/v1/crypto/encrypt', async (req, reply) => {
    const tenant = caller(req, reply);
    if (tenant === null) return reply;
    const { kid, alg, enc, data } = req.body as Body;
    if (alg !== 'dir' || enc !== 'A256GCM' || !isB64url(data)) return err(reply, 400, 'bad_request', 'Invalid request body');
    const k = key(tenant, kid);
    if (!k || k.kind !== 'aes-256') return err(reply, 404, 'not_found', 'Key not found');
    const protectedB64 = b64u(JSON.stringify({ alg, enc, kid }));
    const iv = iv12();
    const c = createCipheriv('aes-256-gcm', k.secret, iv);
    c.setAAD(Buffer.from(protectedB64, 'ascii'));
    const ciphertext = c.update(Buffer.from(data, 'base64url'));
    c.final();
    return { protected: protectedB64, encrypted_key: '', iv: b64u(iv), ciphertext: b64u(ciphertext), tag: b64u(c.getAuthTag()) };
  });

  app.post('/v1/crypto/decrypt', async (req, reply) => {
    const tenant = caller(req, reply);
    if (tenant === null) return reply;
    const b = req.body as Body;
    if (!isB64url(b.protected) || !isB64url(b.iv) || !isB64url(b.ciphertext) || !isB64url(b.tag) || (b.encrypted_key !== undefined && b.encrypted_key !== '')) {
      return err(reply, 400, 'bad_request', 'Invalid request body');
    }
    let header: Body;
    try {
      header = JSON.parse(Buffer.from(b.protected, 'base64url').toString('utf8')) as Body;
    } catch {
      return err(reply, 400, 'bad_request', 'Invalid protected header');
    }
    if (header.alg !== 'dir' || header.enc !== 'A256GCM') return err(reply, 400, 'unsupported_algorithm', 'Unsupported algorithm');
    const kid = header.kid;
    const k = key(tenant, kid);
    if (!k || k.kind !== 'aes-256') return err(reply, 404, 'not_found', 'Key not found');
    const iv = Buffer.from(b.iv, 'base64url');
    const tag = Buffer.from(b.tag, 'base64url');
    if (iv.length !== 12 || tag.length !== 16) return err(reply, 400, 'bad_request', 'Bad IV or tag');
    const plaintext = gcmOpen(k.versions, iv, Buffer.from(b.ciphertext, 'base64url'), tag, Buffer.from(b.protected, 'ascii'));
    return plaintext ? { kid, data: b64u(plaintext) } : err(reply, 400, 'decryption_failed', 'Decryption failed');
  });

  app.post('/v1/crypto/sign', async (req, reply) => {
    const tenant = caller(req, reply);
    if (tenant === null) return reply;
    const { kid, alg, data } = req.body as Body;
    if (!isB64url(data)) return err(reply, 400, 'bad_request', 'Invalid request body');
    const k = key(tenant, kid);
    if (!k || (k.kind !== 'es256' && k.kind !== 'rs256' && k.kind !== 'p11-es256')) return err(reply, 404, 'not_found', 'Key not found');
    if (alg !== (k.kind === 'rs256' ? 'RS256' : 'ES256')) return err(reply, 422, 'crypto_failure', `Key type does not match algorithm ${String(alg)}`);
    const protectedB64 = b64u(JSON.stringify({ alg, kid: k.publicKid }));
    const input = Buffer.from(`${protectedB64}.${data}`, 'ascii');
    let signature: Buffer;
    if (k.kind === 'p11-es256') signature = await p11!.sign(k.handle, createHash('sha256').update(input).digest());
    else if (k.kind === 'es256') signature = await signAsync('sha256', input, { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
    else signature = await signAsync('sha256', input, k.privateKey);
    return { protected: protectedB64, signature: b64u(signature) };
  });

  app.post('/v1/crypto/mac', async (req, reply) => {
    const tenant = caller(req, reply);
    if (tenant === null) return reply;
    const { kid, alg, data } = req.body as Body;
    if (alg !== 'HS256' || !isB64url(data)) return err(reply, 400, 'bad_request', 'Invalid request body');
    const k = key(tenant, kid);
    if (!k || k.kind !== 'hs256') return err(reply, 404, 'not_found', 'Key not found');
    return { kid, mac: b64u(createHmac('sha256', k.secret).update(Buffer.from(data, 'base64url')).digest()) };
  });

  // Key creation (the mixed scenario): AES-256 for A256GCM, P-256 for ES256, kept in the Map.
  app.post('/v1/crypto/keys', async (req, reply) => {
    const tenant = caller(req, reply);
    if (tenant === null) return reply;
    const { kty, alg, crv } = req.body as Body;
    const kid = randomUUID();
    if (kty === 'oct' && alg === 'A256GCM') {
      const secret = randomBytes(32);
      keys.set(kid, { tenant, kind: 'aes-256', secret, versions: [secret] });
      return { kid, kid_public: null, kty, alg, key_ops: ['encrypt', 'decrypt'] };
    }
    if (kty === 'EC' && crv === 'P-256' && alg === 'ES256') {
      const privateKey = await new Promise<KeyObject>((resolve, reject) => generateKeyPair('ec', { namedCurve: 'P-256' }, (e, _pub, priv) => (e ? reject(e) : resolve(priv))));
      keys.set(kid, { tenant, kind: 'es256', privateKey, publicKid: `${kid}_pk` });
      return { kid, kid_public: `${kid}_pk`, kty, alg, crv, key_ops: ['sign', 'verify'] };
    }
    return err(reply, 400, 'bad_request', 'Unsupported key');
  });
}

async function load(k: JoseKeyConfig, p11: Pkcs11Signer | null): Promise<Key> {
  switch (k.kind) {
    case 'aes-256': {
      const versions = k.versions ? newestFirst(k.versions) : [k.material ? Buffer.from(k.material, 'base64') : randomBytes(32)];
      return { tenant: k.tenant, kind: k.kind, secret: versions[0], versions };
    }
    case 'hs256':
      return { tenant: k.tenant, kind: k.kind, secret: randomBytes(32) };
    case 'es256':
      return { tenant: k.tenant, kind: k.kind, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, publicKid: k.publicKid };
    case 'rs256':
      return { tenant: k.tenant, kind: k.kind, privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, publicKid: k.publicKid };
    case 'p11-es256':
      if (!p11) throw new Error(`key ${k.kid} is on PKCS#11 but no token is configured`);
      return { tenant: k.tenant, kind: k.kind, handle: p11.privateKeyOf(k.kid), publicKid: k.publicKid };
  }
}
