import { Agent } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { HemClient } from '../encedo/hem-client';
import { signedEhsmBody } from '../support/ehsm-sign';
import { cli, startGateway, type Gateway } from '../support/server';
import { httpsCall, type TlsClientOptions } from './https-client';
import { TestPki, type Ca } from './pki';

/**
 * Every dialect over the gateway's own HTTPS, each with its own authentication, unchanged by TLS:
 * a signed eHSM request, a JOSE bearer token, an Encedo login (with `KMS_ENCEDO_REQUIRE_TLS=on`,
 * where native TLS counts as TLS) and the AWS SDK's SigV4.
 */
const PASS = 'tls passphrase for the HEM';
const pki = new TestPki();
let ca: Ca;
let gw: Gateway;
let tls: TlsClientOptions;

beforeAll(async () => {
  ca = pki.ca('dialects-ca');
  const server = pki.issue(ca, 'dialects-server', 'server');
  tls = { ca: ca.cert };
  gw = await startGateway({ KMS_TLS_CERT: server.cert, KMS_TLS_KEY: server.key, KMS_ENCEDO_REQUIRE_TLS: 'on' });
  expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect((await cli(gw.dataDir, ['tenant', 'create', 'over-tls'])).code).toBe(0);
});
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  httpsCall(gw.url, tls, { method, path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

it('eHSM: a signed CreateKey, Encrypt and Decrypt', async () => {
  const app = (await cli(gw.dataDir, ['credential', 'ehsm', 'over-tls'])).json;
  const call = async (action: string, payload: Record<string, unknown>) => {
    const res = await httpsCall(gw.url, tls, {
      method: 'POST',
      path: `/ehsm?Action=${action}`,
      headers: { 'content-type': 'application/json' },
      body: signedEhsmBody(app, payload),
    });
    expect(res.protocol).toMatch(/^TLSv1\.[23]$/);
    return res.json as { code: number; result: any };
  };
  const made = await call('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY' });
  expect(made.code).toBe(200);
  const aad = Buffer.from('aad').toString('base64');
  const enc = await call('Encrypt', { keyid: made.result.keyid, plaintext: Buffer.from('over eHSM').toString('base64'), aad });
  expect(enc.code).toBe(200);
  const dec = await call('Decrypt', { keyid: made.result.keyid, ciphertext: enc.result.ciphertext, aad });
  expect(Buffer.from(dec.result.plaintext, 'base64').toString()).toBe('over eHSM');
});

it('JOSE: bearer token, encrypt and decrypt; no token is 401', async () => {
  const { token } = (await cli(gw.dataDir, ['credential', 'jose', 'over-tls'])).json;
  const auth = { authorization: `Bearer ${token}` };
  const key = await json('POST', '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' }, auth);
  expect(key.status).toBe(200);
  const data = Buffer.from('over JOSE').toString('base64url');
  const jwe = await json('POST', '/v1/crypto/encrypt', { kid: key.json.kid, alg: 'dir', enc: 'A256GCM', data }, auth);
  expect(jwe.status).toBe(200);
  expect((await json('POST', '/v1/crypto/decrypt', jwe.json, auth)).json).toEqual({ kid: key.json.kid, data });
  expect(await json('POST', '/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' })).toMatchObject({ status: 401, json: { error: 'unauthorized' } });
});

it('Encedo: native TLS passes the device’s TLS check (KMS_ENCEDO_REQUIRE_TLS=on)', async () => {
  const file = join(gw.dataDir, 'pass.txt');
  writeFileSync(file, PASS);
  expect((await cli(gw.dataDir, ['credential', 'encedo', 'over-tls', '--passphrase-file', file])).code).toBe(0);
  const hem = new HemClient(gw.url, PASS, {}, { ca: readFileSync(ca.cert) });
  const made = await hem.call('POST', '/api/keymgmt/create', { label: 'over-tls', type: 'AES256' }, await hem.token('keymgmt:gen'));
  expect(made.status).toBe(200);
  const enc = await hem.use(made.body.kid, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: Buffer.from('over HEM').toString('base64') });
  expect(enc.status).toBe(200);
  const listed = await hem.call('GET', '/api/keymgmt/list', undefined, await hem.token('keymgmt:list'));
  expect(listed.status).toBe(200);
  expect(listed.body.list.map((k: { kid: string }) => k.kid)).toContain(made.body.kid);
});

it('AWS: the AWS SDK over HTTPS (SigV4 unchanged)', async () => {
  const creds = (await cli(gw.dataDir, ['credential', 'aws', 'over-tls'])).json;
  const kms = new KMSClient({
    endpoint: gw.url,
    region: 'eu-west-3',
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    maxAttempts: 1,
    requestHandler: { httpsAgent: new Agent({ ca: readFileSync(ca.cert) }) },
  });
  try {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT' }));
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('over AWS') }));
    const { Plaintext } = await kms.send(new DecryptCommand({ KeyId: KeyMetadata!.KeyId, CiphertextBlob }));
    expect(Buffer.from(Plaintext!).toString()).toBe('over AWS');
  } finally {
    kms.destroy();
  }
});
