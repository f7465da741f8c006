import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { HemClient } from '../encedo/hem-client';
import { NOT_ON_SOFTHSM } from '../support/backend';
import { cli, runGatewayExpectingExit, startGateway, tempDir, type Gateway } from '../support/server';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm';

/**
 * The PKCS#11 backend through the real gateway: GET /backends (admin), the master key on the
 * token, and re-homing a software key into the HSM with the admin CLI while JOSE and Encedo
 * clients keep using it. One private SoftHSM2 token for the file.
 */
const ADMIN = 'admin-token-0123456789abcdef';
const PASS = 'rehoming passphrase';
let token: SoftHsmToken;

beforeAll(() => {
  token = createSoftHsmToken('kms-gw');
});
afterAll(() => token?.cleanup());

/** The token's objects, read in this process with pkcs11js (as pkcs11-tool -O would). */
function tokenObjects(template: pkcs11js.Template): Array<{ cls: number; label: string; sensitive: boolean | null; extractable: boolean | null }> {
  const p11 = new pkcs11js.PKCS11();
  p11.load(token.module);
  p11.C_Initialize();
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label)!;
    const s = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      p11.C_Login(s, pkcs11js.CKU_USER, token.pin);
      p11.C_FindObjectsInit(s, template);
      const handles = p11.C_FindObjects(s, 20);
      p11.C_FindObjectsFinal(s);
      return handles.map((h) => {
        const [cls, label] = p11.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_CLASS }, { type: pkcs11js.CKA_LABEL }]);
        const c = cls.value.readUInt32LE(0);
        const flags =
          c === pkcs11js.CKO_PUBLIC_KEY
            ? [null, null]
            : p11.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]).map((a) => a.value[0] === 1);
        return { cls: c, label: label.value.toString(), sensitive: flags[0]!, extractable: flags[1]! };
      });
    } finally {
      p11.C_CloseSession(s);
    }
  } finally {
    p11.C_Finalize();
  }
}

async function json(gw: Gateway, path: string, opts: { method?: string; bearer?: string; body?: unknown } = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: opts.method ?? 'GET',
    headers: { ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('GET /backends (admin)', () => {
  it('is absent (404) without KMS_ADMIN_TOKEN', async () => {
    const gw = await startGateway({ ...token.env });
    try {
      expect((await json(gw, '/backends')).status).toBe(404);
      expect((await json(gw, '/backends', { bearer: ADMIN })).status).toBe(404);
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });

  it('answers 401 without the token, and each backend with its health and computed capability matrix with it', async () => {
    const gw = await startGateway({ ...token.env, KMS_ADMIN_TOKEN: ADMIN, KMS_ROUTING_RULES: JSON.stringify([{ spec: 'ec-*', backend: 'pkcs11', fallback: 'soft' }]) });
    try {
      expect((await json(gw, '/backends')).status).toBe(401);
      expect((await json(gw, '/backends', { bearer: `${ADMIN}x` })).status).toBe(401);
      expect((await json(gw, '/backends', { bearer: ADMIN.slice(0, -1) })).status).toBe(401);
      const r = await json(gw, '/backends', { bearer: ADMIN });
      expect(r.status).toBe(200);
      expect(r.body.routing).toEqual({ default: 'soft', rules: [{ spec: 'ec-*', backend: 'pkcs11', fallback: 'soft' }] });
      const byName = Object.fromEntries(r.body.backends.map((b: any) => [b.name, b]));
      expect(Object.keys(byName).sort()).toEqual(['pkcs11', 'soft']);
      expect(byName.soft.health).toEqual({ ok: true });
      expect(byName.pkcs11.health).toEqual({ ok: true });
      const p11 = byName.pkcs11;
      process.stdout.write(`SoftHSM2 capability matrix (GET /backends):\n${JSON.stringify(p11.capabilities, null, 2)}\n${p11.mechanisms.join('\n')}\n`);
      // The pkcs11 run of the dialect suites expects exactly these specs to be refused.
      const fixed = byName.soft.capabilities.specs.filter((s: string) => !s.endsWith('*'));
      expect(fixed.filter((s: string) => !p11.capabilities.specs.includes(s)).sort()).toEqual(Object.keys(NOT_ON_SOFTHSM).sort());
      // The software engine's matrix is computed from the core tables (it once was a hand list that lacked these).
      expect(byName.soft.capabilities.mechanisms).toEqual(expect.arrayContaining(['AES-CBC', 'AES-ECB', 'X448', 'ML-DSA', 'ML-KEM', 'HMAC-SM3']));
      expect(p11.capabilities.specs).toEqual(expect.arrayContaining(['aes-256', 'ec-p256', 'okp-ed25519', 'rsa-*', 'secret-*']));
      expect(p11.capabilities.mechanisms).toEqual(expect.arrayContaining(['AES-GCM', 'AES-KW', 'RSA-OAEP', 'RSA-PSS', 'ECDSA', 'ECDH', 'EdDSA', 'HMAC-SHA-256']));
      expect(p11.mechanisms).toEqual(expect.arrayContaining([expect.stringMatching(/^AES-GCM: 16\.\.32 bytes$/), expect.stringMatching(/^curves: /)]));
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });

  it('refuses a short admin token at start-up, naming the setting', async () => {
    const r = await runGatewayExpectingExit({ KMS_DATA_DIR: tempDir(), KMS_ADMIN_TOKEN: 'short' });
    expect(r.code).toBe(2);
    expect(r.output).toContain('KMS_ADMIN_TOKEN');
  });
});

describe('master key on the token (KMS_MASTER_KEY_SOURCE=pkcs11)', () => {
  const label = 'kms-master-e2e';
  const env = () => ({ ...token.env, KMS_MASTER_KEY_SOURCE: 'pkcs11', KMS_MASTER_KEY_LABEL: label, KMS_JOSE_AUTH: 'none', KMS_JOSE_DEFAULT_TENANT: 'acme' });

  it('makes the master key on the token, never in a file; soft keys survive a restart', async () => {
    const dir = tempDir();
    let gw = await startGateway(env(), dir);
    let jwe: any;
    let kid: string;
    try {
      expect((await cli(dir, ['tenant', 'create', 'acme'], env())).code).toBe(0);
      const made = await cli(dir, ['key', 'create', 'acme', 'aes-256'], env());
      expect(made.json).toMatchObject({ backend: 'soft', spec: 'aes-256' });
      kid = made.json.id;
      const enc = await json(gw, '/v1/crypto/encrypt', {
        method: 'POST',
        body: { kid, alg: 'dir', enc: 'A256GCM', data: Buffer.from('sealed under the token').toString('base64url') },
      });
      expect(enc.status).toBe(200);
      jwe = enc.body;
    } finally {
      await gw.stop();
    }
    // No master key in the data directory: only the wrapped blob, which is not the key.
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('master'))).toEqual(['master.key.wrapped.json']);
    const doc = JSON.parse(readFileSync(join(dir, 'master.key.wrapped.json'), 'utf8'));
    expect(doc).toMatchObject({ v: 1, label, mechanism: 'CKM_AES_KEY_WRAP' });
    expect(Buffer.from(doc.wrapped, 'base64')).toHaveLength(40);
    // The KEK: one AES key on the token, sensitive and never extractable.
    expect(tokenObjects([{ type: pkcs11js.CKA_LABEL, value: label }])).toEqual([{ cls: pkcs11js.CKO_SECRET_KEY, label, sensitive: true, extractable: false }]);

    gw = await startGateway(env(), dir);
    try {
      const dec = await json(gw, '/v1/crypto/decrypt', { method: 'POST', body: jwe });
      expect(dec.status).toBe(200);
      expect(Buffer.from(dec.body.data, 'base64url').toString()).toBe('sealed under the token');
      expect((await cli(dir, ['key', 'show', kid!], env())).json).toMatchObject({ id: kid!, backend: 'soft' });
    } finally {
      await gw.stop();
    }
    // Another label opens nothing: the start fails and says why.
    const wrong = await runGatewayExpectingExit({ ...env(), KMS_DATA_DIR: dir, KMS_MASTER_KEY_LABEL: 'no-such-kek' });
    expect(wrong.code).toBe(2);
    expect(wrong.output).toContain('KMS_MASTER_KEY_LABEL');
    // A data directory with a master key file is not silently switched to the token.
    const fileDir = tempDir();
    writeFileSync(join(fileDir, 'master.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const mixed = await runGatewayExpectingExit({ ...env(), KMS_DATA_DIR: fileDir });
    expect(mixed.code).toBe(2);
    expect(mixed.output).toContain('a master key file exists');
    gw.cleanup();
  });
});

describe('re-homing a software key into the HSM (key rehome --to pkcs11)', () => {
  let gw: Gateway;
  let jose: string;
  let hem: HemClient;
  // The CLI changes the store under the running server: no cache staleness in this test.
  const env = () => ({ ...token.env, KMS_CACHE_TTL_MS: '0' });
  const joseCall = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${jose}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

  beforeAll(async () => {
    gw = await startGateway(env());
    expect((await cli(gw.dataDir, ['tenant', 'create', 'acme'], env())).code).toBe(0);
    jose = (await cli(gw.dataDir, ['credential', 'jose', 'acme'], env())).json.token;
    const file = join(gw.dataDir, 'pass.txt');
    writeFileSync(file, `${PASS}\n`);
    expect((await cli(gw.dataDir, ['credential', 'encedo', 'acme', '--passphrase-file', file], env())).code).toBe(0);
    hem = new HemClient(gw.url, PASS);
  }, 60000);
  afterAll(async () => {
    await gw?.stop();
    gw?.cleanup();
  });

  it('moves exportable AES and EC keys onto the token under the same id; JOSE and Encedo clients keep working', async () => {
    const aes = (await cli(gw.dataDir, ['key', 'create', 'acme', 'aes-256', '--exportable'], env())).json;
    const ec = (await cli(gw.dataDir, ['key', 'create', 'acme', 'ec-p256', '--exportable'], env())).json;
    expect([aes.backend, ec.backend]).toEqual(['soft', 'soft']);
    const hexAes = aes.id.replace(/-/g, '');
    const hexEc = ec.id.replace(/-/g, '');
    const msg = Buffer.from('made in software, used in the HSM');

    // Before: a JWE (JOSE) and a GCM ciphertext (Encedo) under the AES key; signatures under the EC key.
    const jwe = await joseCall('/v1/crypto/encrypt', { kid: aes.id, alg: 'dir', enc: 'A256GCM', data: msg.toString('base64url') });
    expect(jwe.status).toBe(200);
    const hemCt = await hem.use(hexAes, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64(msg) });
    expect(hemCt.status).toBe(200);
    const jws = await joseCall('/v1/crypto/sign', { kid: ec.id, alg: 'ES256', data: msg.toString('base64url') });
    expect(jws.status).toBe(200);
    expect(tokenObjects([{ type: pkcs11js.CKA_ID, value: Buffer.from(hexAes, 'hex') }])).toEqual([]);

    for (const key of [aes, ec]) {
      const moved = await cli(gw.dataDir, ['key', 'rehome', key.id, '--to', 'pkcs11'], env());
      expect([moved.code, moved.stderr]).toEqual([0, '']);
      expect(moved.json).toMatchObject({ id: key.id, backend: 'pkcs11', spec: key.spec, publicKey: key.publicKey });
      expect((await cli(gw.dataDir, ['key', 'show', key.id], env())).json).toMatchObject({ id: key.id, backend: 'pkcs11', revision: key.revision + 1 });
    }
    // On the token by CKA_ID (the key id), labelled for humans; exportable keys stay extractable.
    expect(tokenObjects([{ type: pkcs11js.CKA_ID, value: Buffer.from(hexAes, 'hex') }])).toEqual([
      { cls: pkcs11js.CKO_SECRET_KEY, label: `kms:${aes.id}`, sensitive: false, extractable: true },
    ]);
    expect(
      tokenObjects([{ type: pkcs11js.CKA_ID, value: Buffer.from(hexEc, 'hex') }])
        .map((o) => o.cls)
        .sort(),
    ).toEqual([pkcs11js.CKO_PUBLIC_KEY, pkcs11js.CKO_PRIVATE_KEY].sort());

    // After: what was made before opens, by both dialects, and new operations run on the token.
    const opened = await joseCall('/v1/crypto/decrypt', jwe.body);
    expect([opened.status, Buffer.from(opened.body.data, 'base64url').equals(msg)]).toEqual([200, true]);
    const hemPlain = await hem.use(hexAes, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: hemCt.body.ciphertext, iv: hemCt.body.iv, tag: hemCt.body.tag });
    expect([hemPlain.status, hemPlain.body?.plaintext]).toEqual([200, b64(msg)]);
    const again = await hem.use(hexAes, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64(msg) });
    const viaJose = await joseCall('/v1/crypto/encrypt', { kid: aes.id, alg: 'dir', enc: 'A256GCM', data: msg.toString('base64url') });
    expect((await hem.use(hexAes, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: again.body.ciphertext, iv: again.body.iv, tag: again.body.tag })).body.plaintext).toBe(
      b64(msg),
    );
    expect((await joseCall('/v1/crypto/decrypt', viaJose.body)).body.data).toBe(msg.toString('base64url'));

    expect((await joseCall('/v1/crypto/verify', { protected: jws.body.protected, data: msg.toString('base64url'), signature: jws.body.signature })).body.valid).toBe(true);
    const pub = createPublicKey({ key: Buffer.from(ec.publicKey, 'base64'), format: 'der', type: 'spki' });
    const hemSig = await hem.use(hexEc, '/api/crypto/exdsa/sign', { msg: b64(msg), alg: 'SHA256WithECDSA' });
    expect(hemSig.status).toBe(200);
    expect(nodeVerify('sha256', msg, { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(hemSig.body.sign, 'base64'))).toBe(true);
    const jws2 = await joseCall('/v1/crypto/sign', { kid: ec.id, alg: 'ES256', data: msg.toString('base64url') });
    expect(
      nodeVerify(
        'sha256',
        Buffer.from(`${jws2.body.protected}.${msg.toString('base64url')}`),
        { key: pub, dsaEncoding: 'ieee-p1363' },
        Buffer.from(jws2.body.signature, 'base64url'),
      ),
    ).toBe(true);

    const audit = (await cli(gw.dataDir, ['audit', '--key', aes.id, '--limit', '50'], env())).json as Array<{ operation: string; backend: string; outcome: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ operation: 'rehome', backend: 'pkcs11', outcome: 'ok' }));
    // Once moved, again is an error, and nothing changes.
    const twice = await cli(gw.dataDir, ['key', 'rehome', aes.id, '--to', 'pkcs11'], env());
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already on backend 'pkcs11'");
  });

  it('refuses a non-exportable key, and a spec the token cannot hold, with a clear message', async () => {
    const fixed = (await cli(gw.dataDir, ['key', 'create', 'acme', 'aes-256'], env())).json;
    const r = await cli(gw.dataDir, ['key', 'rehome', fixed.id, '--to', 'pkcs11'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the key is not exportable');
    expect((await cli(gw.dataDir, ['key', 'show', fixed.id], env())).json.backend).toBe('soft');
    const sm4 = (await cli(gw.dataDir, ['key', 'create', 'acme', 'sm4-128', '--exportable'], env())).json;
    const r2 = await cli(gw.dataDir, ['key', 'rehome', sm4.id, '--to', 'pkcs11'], env());
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("key spec sm4-128 is not supported by backend 'pkcs11'");
    const usage = await cli(gw.dataDir, ['key', 'rehome', fixed.id], env());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--to <backend> is required');
  });
});
