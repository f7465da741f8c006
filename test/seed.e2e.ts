import { createDecipheriv, createHmac, generateKeyPairSync, randomBytes, randomUUID, verify as nodeVerify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenerateMacCommand, SignCommand } from '@aws-sdk/client-kms';
import { stringify } from 'yaml';
import { kmsClient } from './aws/support';
import { HemClient } from './encedo/hem-client';
import { signedEhsmBody } from './support/ehsm-sign';
import { backendEnv, cli, runGatewayExpectingExit, startGateway, tempDir, type Gateway } from './support/server';
import { dbEnv } from './support/test-db';
import { httpsCall } from './tls/https-client';
import { TestPki } from './tls/pki';
import { vaultClient } from './vault/support';

/**
 * The seed file (docs/seed.md) through the real gateway: applied at start-up (KMS_SEED), applied
 * again by a restart and by `seed apply` without any change, refused whole when it conflicts
 * (exit 2, the entry's path, nothing written), and its credentials and keys used through the
 * dialects with the given secrets, every result checked here with the known material.
 */
const dir = tempDir('kms-seed-files-');
const APP = { appid: randomUUID(), apikey: Array.from(randomBytes(32), (b) => '0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz'[b % 58]).join('') };
const AWS = { accessKeyId: `AKIA${Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('')}`, secretAccessKey: randomBytes(30).toString('base64') };
const JOSE = `kgw_${randomBytes(32).toString('base64url')}`;
const VAULT = `hvs.${randomBytes(32).toString('base64url')}`;
const PASSPHRASE = `pass-${randomBytes(12).toString('hex')}`;
const AES = randomBytes(32);
const HMAC = randomBytes(32);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ID = { aes: randomUUID(), rsa: randomUUID(), ec: randomUUID(), hmac: randomUUID(), generated: randomUUID() };
const SECRETS = [APP.apikey, AWS.secretAccessKey, JOSE, VAULT, PASSPHRASE, AES.toString('base64'), HMAC.toString('base64')];

const seed = () => ({
  tenants: [
    {
      name: 'ci',
      credentials: [
        { kind: 'ehsm', appid: APP.appid, apikey: APP.apikey, label: 'ci eHSM' },
        { kind: 'jose', token: JOSE },
        { kind: 'aws', accessKeyId: AWS.accessKeyId, secretAccessKey: AWS.secretAccessKey },
        { kind: 'vault', token: VAULT },
        { kind: 'encedo', passphrase: PASSPHRASE },
        { kind: 'cert', fingerprint: randomBytes(32).toString('hex') },
      ],
      keys: [
        { id: ID.aes, spec: 'aes-256', usages: ['encrypt', 'decrypt'], aliases: ['ci-aes'], material: { raw: AES.toString('base64') } },
        { id: ID.rsa, spec: 'rsa-2048', usages: ['sign', 'verify'], material: { pem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) } },
        { id: ID.ec, spec: 'ec-p256', usages: ['sign', 'verify'], aliases: ['ci-ec'], material: { jwk: ec.privateKey.export({ format: 'jwk' }) } },
        { id: ID.hmac, spec: 'secret-256', usages: ['mac'], aliases: ['ci-hmac'], material: { raw: HMAC.toString('base64') } },
        { id: ID.generated, spec: 'aes-256', label: 'made once' },
      ],
    },
  ],
});

const file = (name: string, doc: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, stringify(doc));
  return path;
};
const SEED = file('seed.yaml', seed());

let gw: Gateway;
/** What the store holds for the tenant, compared across restarts. */
const snapshot = async () => ({
  keys: (await cli(gw.dataDir, ['key', 'list', 'ci'])).json,
  credentials: (await cli(gw.dataDir, ['credential', 'list', 'ci'])).json,
  aliases: (await cli(gw.dataDir, ['key', 'alias', 'list', 'ci'])).json,
});
const creations = async () =>
  ((await cli(gw.dataDir, ['audit', '--tenant', 'ci', '--limit', '1000'])).json as Array<{ operation: string; outcome: string }>).filter((r) =>
    ['create', 'import', 'create-alias'].includes(r.operation),
  );

beforeAll(async () => {
  gw = await startGateway({ KMS_SEED: SEED, KMS_LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

describe('seed file', () => {
  it('makes the tenant, its credentials, keys and aliases at start-up, audited as admin/seed', async () => {
    const s = await snapshot();
    expect(s.keys.keys.map((k: { id: string }) => k.id).sort()).toEqual(Object.values(ID).sort());
    expect(s.credentials.map((c: { kind: string }) => c.kind).sort()).toEqual(['aws-access-key', 'ehsm-app', 'encedo-user', 'jose-token', 'tls-client-cert', 'vault-token']);
    expect(s.aliases.map((a: { name: string }) => a.name).sort()).toEqual(['ci-aes', 'ci-ec', 'ci-hmac']);
    const made = await creations();
    expect(made).toHaveLength(8);
    expect(made.every((r) => r.outcome === 'ok')).toBe(true);
    const rows = (await cli(gw.dataDir, ['audit', '--tenant', 'ci', '--limit', '1000'])).json as Array<{ operation: string; dialect: string; principal: string }>;
    expect(rows.filter((r) => r.operation === 'import').every((r) => r.dialect === 'admin' && r.principal === 'seed')).toBe(true);
  });

  it('eHSM Encrypt with the seeded appid/apikey opens locally under the given AES key', async () => {
    const plaintext = Buffer.from('seeded eHSM plaintext');
    const res = await fetch(`${gw.url}/ehsm?Action=Encrypt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: signedEhsmBody(APP, { keyid: ID.aes, plaintext: plaintext.toString('base64') }),
    });
    const body = (await res.json()) as { code: number; result: { ciphertext: string } };
    expect(body.code).toBe(200);
    // Documented layout (docs/ehsm.md): AES-GCM ct ‖ iv (12) ‖ tag (16).
    const blob = Buffer.from(body.result.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', AES, blob.subarray(blob.length - 28, blob.length - 16));
    d.setAuthTag(blob.subarray(blob.length - 16));
    expect(Buffer.concat([d.update(blob.subarray(0, blob.length - 28)), d.final()])).toEqual(plaintext);
  });

  it('JOSE signs with the seeded token and RSA key; the signature verifies with the given public key', async () => {
    const data = Buffer.from('seeded JOSE payload').toString('base64url');
    const res = await fetch(`${gw.url}/v1/crypto/sign`, {
      method: 'POST',
      headers: { authorization: `Bearer ${JOSE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kid: ID.rsa, alg: 'RS256', data }),
    });
    expect(res.status).toBe(200);
    const signed = (await res.json()) as { protected: string; signature: string };
    expect(nodeVerify('sha256', Buffer.from(`${signed.protected}.${data}`), rsa.publicKey, Buffer.from(signed.signature, 'base64url'))).toBe(true);
  });

  it('AWS signs with the seeded access key and EC key, and MACs with the given HMAC key', async () => {
    const kms = kmsClient(gw, AWS);
    const msg = Buffer.from('seeded AWS message');
    const { Signature } = await kms.send(new SignCommand({ KeyId: 'alias/ci-ec', Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(nodeVerify('sha256', msg, ec.publicKey, Buffer.from(Signature!))).toBe(true);
    const { Mac } = await kms.send(new GenerateMacCommand({ KeyId: ID.hmac, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(Mac!)).toEqual(createHmac('sha256', HMAC).update(msg).digest());
  });

  it('Vault HMACs with the seeded token under the alias, equal to a local HMAC', async () => {
    const input = Buffer.from('seeded Vault input');
    const out = await vaultClient(gw, VAULT).write('transit/hmac/ci-hmac/sha2-256', { input: input.toString('base64') });
    expect(out.data.hmac).toBe(`vault:v1:${createHmac('sha256', HMAC).update(input).digest('base64')}`);
  });

  it('Encedo encrypts with the seeded passphrase under the given AES key, opened locally', async () => {
    const hem = new HemClient(gw.url, PASSPHRASE);
    const plaintext = Buffer.from('seeded Encedo plaintext');
    const enc = await hem.use(ID.aes.replace(/-/g, ''), '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: plaintext.toString('base64') });
    expect(enc.status).toBe(200);
    const d = createDecipheriv('aes-256-gcm', AES, Buffer.from(enc.body.iv, 'base64'));
    d.setAuthTag(Buffer.from(enc.body.tag, 'base64'));
    expect(Buffer.concat([d.update(Buffer.from(enc.body.ciphertext, 'base64')), d.final()])).toEqual(plaintext);
    // Another passphrase logs in to nothing.
    await expect(new HemClient(gw.url, 'not the seeded passphrase').token('keymgmt:list')).rejects.toThrow();
  });

  it('never writes a secret of the file to the gateway output', () => {
    for (const s of SECRETS) expect(gw.output()).not.toContain(s);
    expect(gw.output()).toContain('seed file applied');
  });

  it('changes nothing when started again with the same file, or applied by the CLI', async () => {
    const before = await snapshot();
    const made = (await creations()).length;
    await gw.stop();
    gw = await startGateway({ KMS_SEED: SEED, KMS_LOG_LEVEL: 'info' }, gw.dataDir);
    expect(await snapshot()).toEqual(before);
    const again = await cli(gw.dataDir, ['seed', 'apply', SEED]);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ created: { tenant: 0, credential: 0, key: 0, alias: 0 }, unchanged: 1 + 6 + 5 + 3 });
    expect(await snapshot()).toEqual(before);
    expect(await creations()).toHaveLength(made);
    for (const s of SECRETS) expect(gw.output() + again.stdout + again.stderr).not.toContain(s);
  });

  const spoiled: Array<[string, (d: any) => void, string]> = [
    [
      'another apikey for the appid',
      (d) => (d.tenants[0].credentials[0].apikey = APP.apikey.split('').reverse().join('')),
      'tenants[0].credentials[0].apikey: differs from the secret stored',
    ],
    ['another AES material', (d) => (d.tenants[0].keys[0].material.raw = randomBytes(32).toString('base64')), 'tenants[0].keys[0].material: differs'],
    [
      'another EC key',
      (d) => (d.tenants[0].keys[2].material.jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })),
      'tenants[0].keys[2].material: differs',
    ],
    ['another spec for a key id', (d) => (d.tenants[0].keys[4].spec = 'aes-128'), 'tenants[0].keys[4].spec: differs'],
    [
      'an alias pointing elsewhere',
      (d) => {
        d.tenants[0].keys[0].aliases = [];
        d.tenants[0].keys[4].aliases = ['ci-aes'];
      },
      'tenants[0].keys[4].aliases[0]: already names key',
    ],
    [
      'the credential under another tenant',
      (d) => {
        d.tenants[0].credentials.splice(3, 1);
        d.tenants.push({ name: 'other', credentials: [{ kind: 'vault', token: VAULT }] });
      },
      'tenants[2].credentials[0].token: is already a credential of another tenant',
    ],
  ];

  it.each(spoiled)('stops start-up on %s with exit 2 and the path, writing nothing', async (_what, spoil, path) => {
    const doc: any = seed();
    // A new key and a new tenant besides the conflict: neither may be written.
    doc.tenants[0].keys.push({ id: randomUUID(), spec: 'aes-128' });
    doc.tenants.push({ name: `extra-${randomBytes(3).toString('hex')}` });
    spoil(doc);
    const bad = file(`bad-${randomBytes(4).toString('hex')}.yaml`, doc);
    const before = await snapshot();
    const tenants = (await cli(gw.dataDir, ['tenant', 'list'])).json;
    await gw.stop();
    const refused = await runGatewayExpectingExit({ KMS_SEED: bad, KMS_DATA_DIR: gw.dataDir, ...backendEnv(), ...dbEnv(gw.dataDir) });
    expect(refused.code).toBe(2);
    expect(refused.output).toContain(path);
    expect(refused.output).toContain(bad);
    const viaCli = await cli(gw.dataDir, ['seed', 'apply', bad]);
    expect(viaCli.code).toBe(2);
    expect(viaCli.stderr).toContain(path);
    for (const s of SECRETS) expect(refused.output + viaCli.stderr + viaCli.stdout).not.toContain(s);
    gw = await startGateway({ KMS_SEED: SEED }, gw.dataDir);
    expect(await snapshot()).toEqual(before);
    expect((await cli(gw.dataDir, ['tenant', 'list'])).json).toEqual(tenants);
  });
});

describe('seed file with a client certificate, over TLS, under two workers', () => {
  const pki = new TestPki();
  const serverCa = pki.ca('seed-server-ca');
  const clientCa = pki.ca('seed-client-ca');
  const server = pki.issue(serverCa, 'seed-server', 'server');
  const client = pki.issue(clientCa, 'seed-client', 'client');
  const unmapped = pki.issue(clientCa, 'seed-unmapped', 'client');
  const doc = {
    tenants: [
      {
        name: 'tls-ci',
        credentials: [{ kind: 'cert', cert: readFileSync(client.cert, 'utf8'), label: 'ci client' }],
        keys: [{ id: randomUUID(), spec: 'ec-p256', usages: ['sign', 'verify'], aliases: ['tls-ec'], material: { jwk: ec.privateKey.export({ format: 'jwk' }) } }],
      },
    ],
  };
  const seedFile = file('tls-seed.yaml', doc);
  const env = { KMS_SEED: seedFile, KMS_WORKERS: '2', KMS_TLS_CERT: server.cert, KMS_TLS_KEY: server.key, KMS_TLS_CLIENT_CA: clientCa.cert };
  let tls: Gateway;
  beforeAll(async () => {
    tls = await startGateway(env);
  }, 60000);
  afterAll(async () => {
    await tls.stop();
    tls.cleanup();
  });
  const sign = (who: { cert: string; key: string }) =>
    httpsCall(
      tls.url,
      { ca: serverCa.cert, ...who },
      {
        method: 'POST',
        path: '/v1/crypto/sign',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kid: doc.tenants[0].keys[0].id, alg: 'ES256', data: 'c2VlZA' }),
      },
    );

  it('applies it once: one tenant, one credential, one key and alias, whichever worker answers', async () => {
    expect((await cli(tls.dataDir, ['credential', 'list', 'tls-ci'])).json).toEqual([
      expect.objectContaining({ kind: 'tls-client-cert', lookup: client.fingerprint, label: 'ci client' }),
    ]);
    expect((await cli(tls.dataDir, ['key', 'list', 'tls-ci'])).json.keys.map((k: { id: string }) => k.id)).toEqual([doc.tenants[0].keys[0].id]);
    expect((await cli(tls.dataDir, ['tenant', 'list'])).json.filter((t: { name: string }) => t.name === 'tls-ci')).toHaveLength(1);
  });

  it('the seeded certificate signs through JOSE with no token, verified with the given key; another certificate of the CA does not', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await sign(client);
      expect(r.status).toBe(200);
      expect(nodeVerify('sha256', Buffer.from(`${r.json.protected}.c2VlZA`), { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(r.json.signature, 'base64url'))).toBe(
        true,
      );
    }
    expect((await sign(unmapped)).status).toBe(401);
  });

  it('changes nothing when both workers start again with the same file', async () => {
    const before = (await cli(tls.dataDir, ['credential', 'list', 'tls-ci'])).json;
    await tls.stop();
    tls = await startGateway(env, tls.dataDir);
    expect((await cli(tls.dataDir, ['credential', 'list', 'tls-ci'])).json).toEqual(before);
    expect((await sign(client)).status).toBe(200);
  });
});
