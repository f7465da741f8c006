import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';
import { cli, tempDir } from '../support/server';
import { joseGateway, type JoseClient } from './support';

/** Bearer authentication, tenant isolation, the no-auth mode and issuer JWTs. */
describe('bearer tokens and tenants', () => {
  let c: JoseClient;
  beforeAll(async () => {
    // A short cache bound, so that revocation is seen within the test.
    c = await joseGateway({ KMS_CACHE_TTL_MS: '1000' });
  }, 30000);
  afterAll(() => c.close());

  it('refuses a missing, malformed or unknown token with 401', async () => {
    for (const token of [null, 'kgw_not-a-token', 'x']) {
      const res = await c.call('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' }, { token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: 'unauthorized', description: expect.any(String) });
    }
  });

  it("hides another tenant's keys as not found, and each tenant sees only its own JWKS", async () => {
    const { kid } = (await c.call('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' })).json;
    await cli(c.gw.dataDir, ['tenant', 'create', 'other']);
    const other = (await cli(c.gw.dataDir, ['credential', 'jose', 'other'])).json.token;
    for (const [path, body] of [
      ['/v1/crypto/sign', { kid, alg: 'ES256', data: 'YWJj' }],
      ['/v1/crypto/encrypt', { kid, alg: 'ECDH-ES', enc: 'A256GCM', data: 'YWJj' }],
    ] as const) {
      const res = await c.call(path, body, { token: other });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'not_found', description: 'Key not found' });
    }
    expect((await c.call(`/v1/crypto/keys/${kid}`, undefined, { method: 'DELETE', token: other })).status).toBe(404);
    const theirs = await c.call('/.well-known/jwks.json', undefined, { method: 'GET', token: other });
    expect(theirs.json.keys).toEqual([]);
    expect((await c.call('/v1/crypto/sign', { kid, alg: 'ES256', data: 'YWJj' })).status).toBe(200);
  });

  it('a revoked token stops working within the cache bound', async () => {
    const issued = (await cli(c.gw.dataDir, ['credential', 'jose', 'jose-tests'])).json;
    expect((await c.call('/v1/crypto/keys', { kty: 'oct', alg: 'HS256' }, { token: issued.token })).status).toBe(200);
    const hash = createHash('sha256').update(issued.token).digest('hex');
    expect((await cli(c.gw.dataDir, ['credential', 'revoke', 'jose-token', hash])).json).toEqual({ revoked: true });
    await new Promise((r) => setTimeout(r, 1200));
    expect((await c.call('/v1/crypto/keys', { kty: 'oct', alg: 'HS256' }, { token: issued.token })).status).toBe(401);
  });
});

describe('no-auth mode (explicitly switched on)', () => {
  it('maps every request to the default tenant', async () => {
    const c = await joseGateway({ KMS_JOSE_AUTH: 'none', KMS_JOSE_DEFAULT_TENANT: 'dev' });
    try {
      const made = await c.call('/v1/crypto/keys', { kty: 'oct', alg: 'A128GCM' }, { token: null });
      expect(made.status).toBe(200);
      const listed = (await cli(c.gw.dataDir, ['key', 'list', 'dev'])).json;
      expect(listed.keys.map((k: { id: string }) => k.id)).toContain(made.json.kid);
    } finally {
      await c.close();
    }
  });
});

describe('JWTs from a configured issuer', () => {
  it('accepts a valid JWT naming a tenant and refuses expired, foreign and forged ones', async () => {
    const dir = tempDir('kms-jwt-');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'issuer-1', alg: 'ES256' };
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    const c = await joseGateway(
      { KMS_JOSE_JWT_KEYS: join(dir, 'jwks.json'), KMS_JOSE_JWT_ISSUER: 'https://issuer.test', KMS_JOSE_JWT_AUDIENCE: 'kms', KMS_CACHE_TTL_MS: '1000' },
      'acme',
    );
    try {
      const mint = (claims: Record<string, unknown>, exp = '5m', key = privateKey) =>
        new jose.SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'issuer-1' })
          .setIssuer('https://issuer.test')
          .setAudience('kms')
          .setSubject('svc-a')
          .setIssuedAt()
          .setExpirationTime(exp)
          .sign(key);
      const good = await mint({ tenant: 'acme' });
      expect((await c.call('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' }, { token: good })).status).toBe(200);
      const expired = await mint({ tenant: 'acme' }, '-1m');
      const unknownTenant = await mint({ tenant: 'nobody' });
      const forged = await mint({ tenant: 'acme' }, '5m', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
      const wrongAudience = await new jose.SignJWT({ tenant: 'acme' })
        .setProtectedHeader({ alg: 'ES256', kid: 'issuer-1' })
        .setIssuer('https://issuer.test')
        .setAudience('other')
        .setExpirationTime('5m')
        .sign(privateKey);
      for (const token of [expired, unknownTenant, forged, wrongAudience]) {
        expect((await c.call('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' }, { token })).status).toBe(401);
      }
    } finally {
      await c.close();
    }
  });
});
