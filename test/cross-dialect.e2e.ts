import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HemClient } from './encedo/hem-client';
import { signedEhsmBody } from './support/ehsm-sign';
import { cli, startGateway, type Gateway } from './support/server';

/**
 * One tenant, three dialects, one key store: a key made through any dialect is listed and used
 * through the other two (the eHSM keyid and JOSE kid are the UUID; the Encedo KID is the same UUID
 * as 32 hex digits). Another tenant sees none of them.
 */
const PASS = 'cross dialect passphrase';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const hex = (uuid: string) => uuid.replace(/-/g, '');
const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

let gw: Gateway;
let token: string;
let otherToken: string;
let app: { appid: string; apikey: string };
let hem: HemClient;

async function ehsm(action: string, payload: Record<string, unknown>, who = app) {
  const res = await fetch(`${gw.url}/ehsm?Action=${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: signedEhsmBody(who, payload) });
  expect(res.status).toBe(200);
  return (await res.json()) as { code: number; message: string; result: any };
}
async function jose(path: string, body: unknown, bearer = token) {
  const res = await fetch(`${gw.url}/v1/crypto/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

beforeAll(async () => {
  gw = await startGateway();
  expect((await cli(gw.dataDir, ['tenant', 'create', 'shared'])).code).toBe(0);
  expect((await cli(gw.dataDir, ['tenant', 'create', 'stranger'])).code).toBe(0);
  token = (await cli(gw.dataDir, ['credential', 'jose', 'shared'])).json.token;
  otherToken = (await cli(gw.dataDir, ['credential', 'jose', 'stranger'])).json.token;
  app = (await cli(gw.dataDir, ['credential', 'ehsm', 'shared'])).json;
  const file = join(gw.dataDir, 'pass.txt');
  writeFileSync(file, PASS);
  expect((await cli(gw.dataDir, ['credential', 'encedo', 'shared', '--passphrase-file', file])).code).toBe(0);
  hem = new HemClient(gw.url, PASS);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

it('a JOSE EC key signs through eHSM and Encedo, and all three agree on its public key', async () => {
  const { json: made } = await jose('keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
  const msg = Buffer.from('signed through eHSM');
  const signed = await ehsm('Sign', { keyid: made.kid, message: b64(msg), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' });
  expect(signed).toMatchObject({ code: 200 });
  const pem = (await ehsm('GetPublicKey', { keyid: made.kid })).result.pubkey;
  expect(nodeVerify('sha256', msg, createPublicKey(pem), Buffer.from(signed.result.signature, 'base64'))).toBe(true);

  const kid = hex(made.kid);
  const got = await hem.call('GET', `/api/keymgmt/get/${kid}`, undefined, await hem.token('keymgmt:get'));
  expect(got.status).toBe(200);
  expect(got.body.type).toBe('SECP256R1');
  const spkiOfPem = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  const hemPoint = Buffer.from(got.body.pubkey, 'base64');
  // The HEM's compressed point is the same point as eHSM's SPKI.
  expect(spkiOfPem.subarray(-64, -32).equals(hemPoint.subarray(1))).toBe(true);

  const sig = await hem.use(kid, '/api/crypto/exdsa/sign', { msg: b64(msg), alg: 'SHA256WithECDSA' });
  expect(sig.status).toBe(200);
  const jws = await jose('verify', { protected: b64u('{"alg":"ES256"}'), data: b64u(msg), signature: b64u(Buffer.from(sig.body.sign, 'base64')), kid: made.kid });
  expect(jws.status).toBe(200);
  // Encedo signs the message itself; JOSE verifies "protected.data": the two inputs differ, so false...
  expect(jws.json.valid).toBe(false);
  // ...while the HEM's signature over the message verifies locally with the JOSE key's public key.
  expect(nodeVerify('sha256', msg, { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.body.sign, 'base64'))).toBe(true);
});

it('an eHSM AES key encrypts through JOSE and Encedo', async () => {
  const created = await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
  const keyid = created.result.keyid;
  const data = b64u('through JOSE');
  const jwe = await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data });
  expect(jwe.status).toBe(200);
  expect((await jose('decrypt', jwe.json)).json).toEqual({ kid: keyid, data });

  const kid = hex(keyid);
  const enc = await hem.use(kid, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('through Encedo') });
  expect(enc.status).toBe(200);
  const dec = await hem.use(kid, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: enc.body.ciphertext, iv: enc.body.iv, tag: enc.body.tag });
  expect(Buffer.from(dec.body.plaintext, 'base64').toString()).toBe('through Encedo');

  // Disabling through eHSM stops every dialect.
  expect((await ehsm('DisableKey', { keyid })).code).toBe(200);
  expect((await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data })).status).toBe(422);
  expect((await hem.use(kid, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('x') })).status).not.toBe(200);
  expect((await ehsm('EnableKey', { keyid })).code).toBe(200);
  expect((await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data })).status).toBe(200);
});

it('an Encedo key is used through JOSE and eHSM by its UUID, and every dialect lists every key', async () => {
  const created = await hem.call('POST', '/api/keymgmt/create', { label: 'from-hem', type: 'SECP256R1', mode: 'ECDH,ExDSA' }, await hem.token('keymgmt:gen'));
  expect(created.status).toBe(200);
  const id = uuid(created.body.kid);
  const data = b64u('signed through JOSE');
  const signed = await jose('sign', { kid: id, alg: 'ES256', data });
  expect(signed.status).toBe(200);
  expect((await jose('verify', { ...signed.json, data })).json.valid).toBe(true);
  // JOSE signs "protected.data" with raw r||s: the HEM verifies that input with the same key.
  const input = Buffer.from(`${signed.json.protected}.${data}`);
  const v = await hem.use(created.body.kid, '/api/crypto/exdsa/verify', { msg: b64(input), alg: 'SHA256WithECDSA', sign: b64(Buffer.from(signed.json.signature, 'base64url')) });
  expect(v.status).toBe(200);
  const e = await ehsm('Sign', {
    keyid: id,
    message: b64(createHash('sha256').update('d').digest()),
    message_type: 'EH_DIGEST',
    digest_mode: 'EH_SHA_256',
    padding_mode: 'EH_RSA_PKCS1',
  });
  expect(e.code).toBe(200);

  // A secret makes the tenant's default secret key: the gateway's own, so no dialect lists it.
  expect((await ehsm('CreateSecret', { secretName: 'cross', secretData: 'value' })).code).toBe(200);
  const listed = await hem.call('GET', '/api/keymgmt/list/0/15', undefined, await hem.token('keymgmt:list'));
  const hemKids = listed.body.list.map((k: { kid: string }) => k.kid);
  const ehsmIds = (await ehsm('ListKey', {})).result.list.map((k: { keyid: string }) => k.keyid);
  expect(hemKids).toContain(created.body.kid);
  expect(ehsmIds).toContain(id);
  expect(listed.body.total).toBe(ehsmIds.length);
  expect(hemKids.map(uuid).sort()).toEqual([...ehsmIds].sort());
  const jwks = await fetch(`${gw.url}/.well-known/jwks.json`, { headers: { authorization: `Bearer ${token}` } });
  expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeLessThanOrEqual(ehsmIds.length);
});

it('RFC 4231 test case 6 (131-byte key) imported through JOSE gives the RFC HMACs through Encedo', async () => {
  const key = Buffer.alloc(131, 0xaa);
  const data = Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First');
  const rfc: Record<string, string> = {
    HS256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    HS384: '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952',
    HS512: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  };
  for (const [alg, mac] of Object.entries(rfc)) {
    const { json: made } = await jose('keys', { kty: 'oct', alg, k: b64u(key) });
    const kid = hex(made.kid);
    const hashed = await hem.use(kid, '/api/crypto/hmac/hash', { msg: b64(data) });
    expect([alg, hashed.status]).toEqual([alg, 200]);
    expect(Buffer.from(hashed.body.mac, 'base64').toString('hex')).toBe(mac);
    expect((await hem.use(kid, '/api/crypto/hmac/verify', { msg: b64(data), mac: hashed.body.mac })).status).toBe(200);
    const wrong = Buffer.from(mac, 'hex');
    wrong[0] ^= 1;
    expect((await hem.use(kid, '/api/crypto/hmac/verify', { msg: b64(data), mac: b64(wrong) })).status).toBe(406);
    // The same key through JOSE's MAC agrees.
    expect((await jose('mac', { kid: made.kid, alg, data: b64u(data) })).json.mac).toBe(Buffer.from(mac, 'hex').toString('base64url'));
  }
});

it('another tenant sees none of these keys through any dialect', async () => {
  const created = await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
  const r = await jose('encrypt', { kid: created.result.keyid, alg: 'dir', enc: 'A128GCM', data: 'YQ' }, otherToken);
  expect(r.status).toBe(404);
  expect(r.json).toEqual({ error: 'not_found', description: 'Key not found' });
});
