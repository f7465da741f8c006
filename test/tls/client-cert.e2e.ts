import { cli, startGateway, type Gateway } from '../support/server';
import { handshakeFailure, httpsCall, type TlsClientOptions } from './https-client';
import { TestPki, type Ca, type Issued } from './pki';
import { eventually } from '../support/eventually';

/**
 * TLS client certificates through the built gateway: mapped to a tenant by the admin CLI
 * (`credential cert`, alias `credential kmip`), they authenticate JOSE requests without a bearer
 * token once the client CA verified them; unmapped, revoked or foreign ones authenticate nothing.
 * Under `require`, a client without one the CA signed gets no handshake.
 */
const pki = new TestPki();
let serverCa: Ca;
let server: Issued;
let clientCa: Ca;
let otherCa: Ca;
const clients: Record<'alice' | 'bob' | 'carol' | 'dave' | 'mallory', Issued> = {} as never;

beforeAll(() => {
  serverCa = pki.ca('server-ca');
  server = pki.issue(serverCa, 'server', 'server');
  clientCa = pki.ca('client-ca');
  otherCa = pki.ca('other-ca');
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) clients[name] = pki.issue(clientCa, name, 'client');
  // Signed by a CA the gateway does not trust; mapped all the same below, so that only the
  // verification can refuse it.
  clients.mallory = pki.issue(otherCa, 'mallory', 'client');
});

const as = (who?: Issued): TlsClientOptions => ({ ca: serverCa.cert, ...(who ? { cert: who.cert, key: who.key } : {}) });

/** A JOSE call as `who` (client certificate) with an optional bearer token. */
const jose = (gw: Gateway, who: Issued | undefined, path: string, body?: unknown, bearer?: string) =>
  httpsCall(gw.url, as(who), {
    method: body === undefined ? 'GET' : 'POST',
    path,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('KMS_TLS_CLIENT_AUTH=optional (the default with a client CA)', () => {
  let gw: Gateway;
  let otherToken: string;
  let aliceCredential: string;

  beforeAll(async () => {
    gw = await startGateway({ KMS_TLS_CERT: server.cert, KMS_TLS_KEY: server.key, KMS_TLS_CLIENT_CA: clientCa.cert, KMS_CACHE_TTL_MS: '500' });
    for (const t of ['certs', 'others']) expect((await cli(gw.dataDir, ['tenant', 'create', t])).code).toBe(0);
    otherToken = (await cli(gw.dataDir, ['credential', 'jose', 'others'])).json.token;
    const mapped = await cli(gw.dataDir, ['credential', 'cert', 'certs', '--cert', clients.alice.cert, '--label', 'alice']);
    expect(mapped.code).toBe(0);
    expect(mapped.json).toMatchObject({ tenant: 'certs', fingerprint: clients.alice.fingerprint, subject: 'CN=alice', issuer: 'CN=client-ca' });
    aliceCredential = mapped.json.id;
    for (const who of ['carol', 'mallory'] as const) expect((await cli(gw.dataDir, ['credential', 'cert', 'certs', '--cert', clients[who].cert])).code).toBe(0);
    // The name KMIP users look for maps the same way.
    const kmip = await cli(gw.dataDir, ['credential', 'kmip', 'certs', '--cert', clients.dave.cert]);
    expect(kmip.code).toBe(0);
    expect(kmip.json.fingerprint).toBe(clients.dave.fingerprint);
  }, 60000);
  afterAll(async () => {
    await gw.stop();
    gw.cleanup();
  });

  it('a mapped certificate authenticates JOSE requests as its tenant, without a token', async () => {
    const made = await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
    expect(made.status).toBe(200);
    const listed = (await cli(gw.dataDir, ['key', 'list', 'certs'])).json;
    expect(listed.keys.map((k: { id: string }) => k.id)).toContain(made.json.kid);
    const data = Buffer.from('by certificate').toString('base64url');
    const jwe = await jose(gw, clients.alice, '/v1/crypto/encrypt', { kid: made.json.kid, alg: 'dir', enc: 'A256GCM', data });
    expect(jwe.status).toBe(200);
    // Another mapped certificate of the same tenant (mapped with `credential kmip`) decrypts it.
    expect((await jose(gw, clients.dave, '/v1/crypto/decrypt', jwe.json)).json).toEqual({ kid: made.json.kid, data });
    const ec = await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect((await jose(gw, clients.alice, `/v1/crypto/keys/${ec.json.kid}`)).json).toMatchObject({ kid: `${ec.json.kid}_pk`, kty: 'EC', crv: 'P-256' });
    // The audit names the certificate's credential as the principal.
    const audit = (await cli(gw.dataDir, ['audit', '--tenant', 'certs', '--key', made.json.kid, '--limit', '10'])).json as Array<{ operation: string; principal: string }>;
    expect(audit.find((a) => a.operation === 'create')?.principal).toBe(aliceCredential);
  });

  it('refuses (JOSE 401) no certificate, an unmapped one, and a mapped one another CA signed', async () => {
    for (const who of [undefined, clients.bob, clients.mallory]) {
      const r = await jose(gw, who, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
      expect([who?.cert, r.status, r.json?.error]).toEqual([who?.cert, 401, 'unauthorized']);
    }
  });

  it('lets a presented token decide: a valid one is its own tenant, a bad one is refused over a mapped certificate', async () => {
    // An EC key: its public JWK is readable by its own tenant only.
    const mine = (await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' })).json.kid;
    expect((await jose(gw, clients.alice, `/v1/crypto/keys/${mine}`)).status).toBe(200);
    expect((await jose(gw, clients.alice, `/v1/crypto/keys/${mine}`, undefined, otherToken)).status).toBe(404);
    const theirs = await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' }, otherToken);
    expect(theirs.status).toBe(200);
    expect((await cli(gw.dataDir, ['key', 'list', 'others'])).json.keys.map((k: { id: string }) => k.id)).toContain(theirs.json.kid);
    expect(await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' }, 'kgw_not-a-token')).toMatchObject({ status: 401 });
  });

  it('authenticates nothing in the dialects whose vendors have no certificate auth', async () => {
    const ehsm = await httpsCall(gw.url, as(clients.alice), { method: 'POST', path: '/ehsm?Action=ListKey', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(ehsm.json).toMatchObject({ code: 400 });
    const hem = await httpsCall(gw.url, as(clients.alice), { path: '/api/keymgmt/list' });
    expect(hem.status).toBe(401);
    const aws = await httpsCall(gw.url, as(clients.alice), {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
      body: '{}',
    });
    expect([aws.status, aws.json?.__type]).toEqual([403, 'MissingAuthenticationTokenException']);
  });

  it('a revoked certificate authenticates nothing once the cache TTL has passed', async () => {
    expect((await jose(gw, clients.carol, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' })).status).toBe(200);
    const colons = clients.carol.fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const revoked = await cli(gw.dataDir, ['credential', 'revoke', 'tls-client-cert', colons]);
    expect(revoked.json).toEqual({ revoked: true });
    await eventually(async () => (await jose(gw, clients.carol, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' })).status === 401, 'the revocation (KMS_CACHE_TTL_MS=500)');
    // Alice's certificate is another credential: still accepted.
    expect((await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' })).status).toBe(200);
    const listed = (await cli(gw.dataDir, ['credential', 'list', 'certs'])).json as Array<{ kind: string; lookup: string; revokedAt: number | null }>;
    expect(listed.find((c) => c.lookup === clients.carol.fingerprint)).toMatchObject({ kind: 'tls-client-cert', revokedAt: expect.any(Number) });
  });

  it('refuses bad CLI input: a non-certificate file, a certificate mapped twice, a non-fingerprint to revoke', async () => {
    const notCert = await cli(gw.dataDir, ['credential', 'cert', 'certs', '--cert', clients.bob.key]);
    expect(notCert.code).toBe(2);
    expect(notCert.stderr).toContain('holds no PEM certificate');
    const twice = await cli(gw.dataDir, ['credential', 'cert', 'others', '--cert', clients.alice.cert]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('already exists');
    const badFp = await cli(gw.dataDir, ['credential', 'revoke', 'tls-client-cert', 'abc']);
    expect(badFp.code).toBe(2);
    expect(badFp.stderr).toContain('is not a SHA-256 fingerprint');
  });
});

describe('KMS_TLS_CLIENT_AUTH=require', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ KMS_TLS_CERT: server.cert, KMS_TLS_KEY: server.key, KMS_TLS_CLIENT_CA: clientCa.cert, KMS_TLS_CLIENT_AUTH: 'require' });
    expect((await cli(gw.dataDir, ['tenant', 'create', 'certs'])).code).toBe(0);
    expect((await cli(gw.dataDir, ['credential', 'cert', 'certs', '--cert', clients.alice.cert])).code).toBe(0);
  }, 60000);
  afterAll(async () => {
    await gw.stop();
    gw.cleanup();
  });

  it('gives no handshake to a client without a certificate, or with one another CA signed (TLS 1.3 and 1.2)', async () => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      for (const who of [undefined, clients.mallory]) {
        const err = await handshakeFailure(httpsCall(gw.url, { ...as(who), maxVersion }, { path: '/health/live' }));
        expect([maxVersion, who?.cert, err.code]).toEqual([maxVersion, who?.cert, expect.stringMatching(/^(ERR_SSL_|ECONNRESET|EPROTO)/)]);
      }
    }
  });

  it('serves a client with a certificate the CA signed; only a mapped one authenticates JOSE', async () => {
    expect((await httpsCall(gw.url, as(clients.bob), { path: '/health/live' })).status).toBe(200);
    expect((await jose(gw, clients.bob, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' })).status).toBe(401);
    expect((await jose(gw, clients.alice, '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' })).status).toBe(200);
  });
});
