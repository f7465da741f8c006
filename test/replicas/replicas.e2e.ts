import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HemClient } from '../encedo/hem-client';
import { signedEhsmBody } from '../support/ehsm-sign';
import { cli, startGateway, type Gateway } from '../support/server';
import { TEST_DB, dropDatabase, ensureDatabase } from '../support/test-db';

/**
 * Two gateway processes on one PostgreSQL database behave as one service (issue 8), checked
 * through the real dialect APIs: keys made on one replica are usable at once on the other, a
 * disable on one is refused on the other within the documented bound, eHSM replay protection,
 * Encedo challenges, secrets versions and the audit trail are shared, and concurrent creation on
 * both never loses or duplicates a row. Runs in the pg run of `npm test` (KMS_TEST_DB=pg).
 */
const PASS = 'replica passphrase';
/** Short, so that the bound is tested quickly; LISTEN/NOTIFY normally makes the change visible sooner. */
const TTL_MS = 1000;
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

type Reply = { code: number; message: string; result: any };

// Runs in the PostgreSQL pass of `npm test` (test/support/run-pg.js); the SQLite pass leaves this
// folder out, and running it without PostgreSQL is an error, not a skip.
if (TEST_DB !== 'pg') throw new Error('test/replicas needs PostgreSQL: run it through `npm run test:pg` with KMS_TEST_PG_URL set');

describe('two replicas on one PostgreSQL database', () => {
  const dbName = `kms_replicas_${randomBytes(6).toString('hex')}`;
  let env: Record<string, string>;
  let a: Gateway;
  let b: Gateway;
  let token: string;
  let app: { appid: string; apikey: string };

  const signed = (payload: Record<string, unknown>, who = app) => signedEhsmBody(who, payload);
  async function post(gw: Gateway, action: string, body: string): Promise<Reply> {
    const res = await fetch(`${gw.url}/ehsm?Action=${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    return (await res.json()) as Reply;
  }
  const ehsm = (gw: Gateway, action: string, payload: Record<string, unknown>) => post(gw, action, signed(payload));
  async function jose(gw: Gateway, path: string, body: unknown) {
    const res = await fetch(`${gw.url}/v1/crypto/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  }

  beforeAll(async () => {
    env = { KMS_DB_URL: ensureDatabase(dbName), KMS_MASTER_KEY: randomBytes(32).toString('base64'), KMS_CACHE_TTL_MS: String(TTL_MS) };
    // Started together on an empty database: the migrations must run once (advisory lock).
    [a, b] = await Promise.all([startGateway(env), startGateway(env)]);
    expect((await cli(a.dataDir, ['tenant', 'create', 'acme'], env)).code).toBe(0);
    token = (await cli(a.dataDir, ['credential', 'jose', 'acme'], env)).json.token;
    app = (await cli(b.dataDir, ['credential', 'ehsm', 'acme'], env)).json;
    const file = join(a.dataDir, 'pass.txt');
    writeFileSync(file, PASS);
    expect((await cli(a.dataDir, ['credential', 'encedo', 'acme', '--passphrase-file', file], env)).code).toBe(0);
  }, 60000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    a?.cleanup();
    b?.cleanup();
    dropDatabase(dbName);
  });

  it('a key created through JOSE on A is used at once on B, through JOSE and eHSM', async () => {
    const { json: aes } = await jose(a, 'keys', { kty: 'oct', alg: 'A256GCM' });
    const enc = await ehsm(b, 'Encrypt', { keyid: aes.kid, plaintext: b64('made on A, used on B') });
    expect(enc.code).toBe(200);
    const dec = await ehsm(a, 'Decrypt', { keyid: aes.kid, ciphertext: enc.result.ciphertext });
    expect(Buffer.from(dec.result.plaintext, 'base64').toString()).toBe('made on A, used on B');

    const { json: ec } = await jose(a, 'keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const data = b64u('signed on B');
    const sig = await jose(b, 'sign', { kid: ec.kid, alg: 'ES256', data });
    expect(sig.status).toBe(200);
    const pem = (await ehsm(a, 'GetPublicKey', { keyid: ec.kid })).result.pubkey;
    const raw = Buffer.from(sig.json.signature, 'base64url');
    const input = Buffer.from(`${sig.json.protected}.${data}`);
    expect(nodeVerify('sha256', input, { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
    // And JOSE on A verifies what B signed.
    expect((await jose(a, 'verify', { protected: sig.json.protected, data, signature: sig.json.signature, kid: ec.kid })).json).toEqual({ kid: ec.kid, valid: true });
  });

  it('a key disabled on A is refused on B within the cache TTL, and deletion likewise', async () => {
    const made = await ehsm(a, 'CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
    const keyid = made.result.keyid as string;
    // B has it cached and ready.
    expect((await ehsm(b, 'Encrypt', { keyid, plaintext: b64('x') })).code).toBe(200);
    expect((await ehsm(a, 'DisableKey', { keyid })).code).toBe(200);
    const disabledAt = Date.now();
    let refusedAfter = -1;
    while (Date.now() - disabledAt < TTL_MS + 2000) {
      const r = await ehsm(b, 'Encrypt', { keyid, plaintext: b64('x') });
      if (r.code !== 200) {
        refusedAfter = Date.now() - disabledAt;
        expect(r.code).toBe(400);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThanOrEqual(TTL_MS + 250);
    // Enabled again on B, usable on A; deleted on B, gone on A.
    expect((await ehsm(b, 'EnableKey', { keyid })).code).toBe(200);
    await waitFor(async () => (await ehsm(a, 'Encrypt', { keyid, plaintext: b64('x') })).code === 200, TTL_MS + 2000);
    expect((await ehsm(b, 'DeleteKey', { keyid })).code).toBe(200);
    await waitFor(async () => (await ehsm(a, 'Encrypt', { keyid, plaintext: b64('x') })).code === 400, TTL_MS + 2000);
    console.log(`replicas: a disable on A was refused on B after ${refusedAfter} ms (bound ${TTL_MS} ms)`);
  });

  it('an eHSM request accepted on A is a replay on B, and a request sent to both at once is accepted once', async () => {
    const body = signed({});
    expect((await post(a, 'ListKey', body)).code).toBe(200);
    expect(await post(b, 'ListKey', body)).toMatchObject({ code: 400, message: "Timestamp can't be repeated in 20 minutes" });
    expect(await post(a, 'ListKey', body)).toMatchObject({ code: 400 });
    for (let i = 0; i < 10; i++) {
      const once = signed({});
      const replies = await Promise.all([post(a, 'ListKey', once), post(b, 'ListKey', once), post(a, 'ListKey', once), post(b, 'ListKey', once)]);
      expect(replies.filter((r) => r.code === 200)).toHaveLength(1);
    }
  });

  it('an Encedo challenge fetched from A logs in through B, once', async () => {
    const hemA = new HemClient(a.url, PASS);
    const hemB = new HemClient(b.url, PASS);
    const ch = [(await hemA.call('GET', '/api/auth/token')).body, (await hemB.call('GET', '/api/auth/token')).body];
    expect(ch[0].spk).toBe(ch[1].spk);
    expect(ch[0].eid).toBe(ch[1].eid);
    const auth = await hemA.ejwt('keymgmt:list');
    const login = await hemB.call('POST', '/api/auth/token', { auth });
    expect(login.status).toBe(200);
    // Single use across replicas.
    expect((await hemA.call('POST', '/api/auth/token', { auth })).status).toBe(401);
    expect((await hemB.call('POST', '/api/auth/token', { auth })).status).toBe(401);
    // The token works on both.
    for (const h of [hemA, hemB]) expect((await h.call('GET', '/api/keymgmt/list', undefined, login.body.token)).status).toBe(200);
  });

  it('secret versions put concurrently through both replicas are all kept, each under its own number', async () => {
    expect((await ehsm(a, 'CreateSecret', { secretName: 'shared', secretData: 'v0' })).code).toBe(200);
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    const puts = await Promise.all(values.map((v, i) => ehsm(i % 2 ? a : b, 'PutSecretValue', { secretName: 'shared', secretData: v })));
    expect(puts.map((p) => p.code)).toEqual(values.map(() => 200));
    const listed = await ehsm(b, 'ListSecretVersionIds', { secretName: 'shared' });
    const ids = (listed.result.versionIds as Array<{ versionId: number }>).map((v) => v.versionId).sort((x, y) => x - y);
    expect(ids).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    const got = await Promise.all(ids.map((v) => ehsm(v % 2 ? a : b, 'GetSecretValue', { secretName: 'shared', versionId: v })));
    expect(got.map((g) => g.result.secretData).sort()).toEqual(['v0', ...values].sort());
    const current = await ehsm(a, 'GetSecretValue', { secretName: 'shared' });
    expect(current.result.versionId).toBe(21);
  });

  it('keys created and apps enrolled concurrently on both replicas are neither lost nor duplicated', async () => {
    const before = (await cli(a.dataDir, ['key', 'list', 'acme'], env)).json.total as number;
    const N = 50;
    const made = await Promise.all(Array.from({ length: 2 * N }, (_, i) => jose(i % 2 ? a : b, 'keys', { kty: 'oct', alg: 'A128GCM' })));
    expect(made.every((m) => m.status === 200)).toBe(true);
    const kids = new Set(made.map((m) => m.json.kid as string));
    expect(kids.size).toBe(2 * N);
    const listed = (await cli(b.dataDir, ['key', 'list', 'acme'], env)).json;
    expect(listed.total).toBe(before + 2 * N);
    const listedIds = new Set((listed.keys ?? listed.items ?? []).map((k: { id: string }) => k.id));
    for (const kid of kids) expect(listedIds.has(kid)).toBe(true);

    const enrolled = await Promise.all(
      Array.from({ length: 2 * N }, async (_, i) => {
        const res = await fetch(`${(i % 2 ? a : b).url}/ehsm?Action=Enroll`);
        return (await res.json()) as Reply;
      }),
    );
    expect(enrolled.every((e) => e.code === 200)).toBe(true);
    const appids = new Set(enrolled.map((e) => e.result.appid as string));
    expect(appids.size).toBe(2 * N);
    const tenants = (await cli(a.dataDir, ['tenant', 'list'], env)).json as Array<{ name: string }>;
    const names = new Set(tenants.map((t) => t.name));
    for (const id of appids) expect(names.has(`ehsm-${id}`)).toBe(true);
    // Each enrolled app works on the replica that did not enrol it.
    const sample = enrolled.slice(0, 4).map((e) => e.result as { appid: string; apikey: string });
    for (const [i, who] of sample.entries()) {
      expect((await post(i % 2 ? b : a, 'ListKey', signed({}, who))).code).toBe(200);
    }
  });

  it('audit rows of both replicas are in the shared table', async () => {
    const before = (await cli(a.dataDir, ['audit', '--tenant', 'acme', '--limit', '10000'], env)).json as Array<{ operation: string }>;
    const { json: aes } = await jose(a, 'keys', { kty: 'oct', alg: 'A256GCM' });
    for (const gw of [a, b, b]) expect((await ehsm(gw, 'Encrypt', { keyid: aes.kid, plaintext: b64('audited') })).code).toBe(200);
    const after = (await cli(b.dataDir, ['audit', '--tenant', 'acme', '--limit', '10000'], env)).json as Array<{ operation: string; keyId: string }>;
    expect(after.length).toBe(before.length + 4);
    expect(
      after
        .filter((r) => r.keyId === aes.kid)
        .map((r) => r.operation)
        .sort(),
    ).toEqual(['create', 'encrypt', 'encrypt', 'encrypt']);
  });
});

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
