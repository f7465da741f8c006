import { constants, createDecipheriv, createHash, createPublicKey, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sealer } from '../../libs/core/src/crypto/sealer';
import { cli, startGateway, type Gateway } from '../support/server';
import { type App, PyClient, type PyRequest } from './py-client';
import { NOT_ON_SOFTHSM, backendHolds, describeRefusals, noteRefusal } from '../support/backend';

/**
 * The eHSM dialect end to end: the real built gateway, driven by an independent Python client
 * (test/ehsm/client.py, standard library only) that signs requests the way the vendor's clients
 * do. Formats are checked locally with node:crypto wherever a public key allows it.
 */

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64');

let gw: Gateway;
let py: PyClient;
let app: App;
let other: App;

const act = (who: App, action: string, payload?: unknown, extra: Partial<PyRequest> = {}) =>
  py.call({ action, appid: who.appid, apikey: who.apikey, ...(payload === undefined ? {} : { payload }), ...extra });

async function enroll(): Promise<App> {
  const r = await py.call({ action: 'Enroll', method: 'GET', path: '/ehsm/' });
  expect(r).toMatchObject({ code: 200, message: 'successful' });
  expect(r.result.appid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(r.result.apikey).toMatch(/^[0-9A-HJ-NP-Za-km-np-z]{32}$/);
  return r.result;
}

async function createKey(keyspec: string, keyusage?: string, who = app): Promise<string> {
  const r = await act(who, 'CreateKey', { keyspec, origin: 'EH_INTERNAL_KEY', ...(keyusage ? { keyusage } : {}) });
  expect(r).toMatchObject({ code: 200, message: 'success!' });
  return r.result.keyid;
}

/** eHSM key specs whose canonical spec a backend may not hold (the others map to aes/rsa/ec specs every backend here holds). */
const CANONICAL: Record<string, string> = { EH_SM4_CTR: 'sm4-128', EH_SM4_CBC: 'sm4-128', EH_SM2: 'ec-sm2' };

/**
 * A test that needs a key of `keyspec`. Where the backend under test cannot hold its spec, the
 * test asserts eHSM's unsupported error for CreateKey instead (and records it), so that every test
 * asserts what this backend does.
 */
function itWithKey(title: string, keyspec: string, keyusage: string, body: (keyid: string) => Promise<void>): void {
  const spec = CANONICAL[keyspec] ?? keyspec;
  if (backendHolds(spec)) {
    it(title, async () => body(await createKey(keyspec, keyusage)));
  } else {
    it(`${title}: CreateKey refused (${NOT_ON_SOFTHSM[spec]})`, async () => {
      expect(await act(app, 'CreateKey', { keyspec, origin: 'EH_INTERNAL_KEY', keyusage })).toEqual({ code: 500, message: 'Server exception.', result: {} });
      noteRefusal(keyspec, NOT_ON_SOFTHSM[spec]);
    });
  }
}

const ENC = 'EH_KEYUSAGE_ENCRYPT_DECRYPT';
const SIG = 'EH_KEYUSAGE_SIGN_VERIFY';

beforeAll(async () => {
  gw = await startGateway();
  py = new PyClient(gw.url);
  app = await enroll();
  other = await enroll();
}, 60000);

afterAll(async () => {
  await py?.close();
  await gw?.stop();
  gw?.cleanup();
});

describe('unauthenticated calls and the wire', () => {
  it('answers GetVersion and Enroll on /ehsm and /ehsm/', async () => {
    for (const path of ['/ehsm', '/ehsm/']) {
      const r = await py.call({ action: 'GetVersion', method: 'GET', path });
      expect(r).toEqual({ code: 200, message: 'success!', result: { git_sha: expect.stringMatching(/^[0-9a-f]{7}$/), version: expect.any(String) } });
    }
    expect(app.appid).not.toBe(other.appid);
  });

  it('says API Not Found for an unknown action, once authenticated', async () => {
    expect(await act(app, 'NoSuchAction', {})).toEqual({ code: 404, message: 'API Not Found', result: {} });
    expect(await act(app, 'deletekey', { keyid: '00000000-0000-0000-0000-000000000000' })).toMatchObject({ code: 404 });
  });

  it('answers an invalid JSON body with its envelope', async () => {
    const r = await py.raw({ action: 'ListKey', raw: '{"appid": "x", ' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ code: 400, message: 'Invalid JSON', result: {} });
  });

  it("answers a body that is not JSON with its envelope on both paths; other methods keep the router's 404", async () => {
    for (const path of ['/ehsm', '/legacy/ehsm']) {
      const res = await fetch(`${gw.url}${path}?Action=ListKey`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'appid=x' });
      expect([path, res.status, await res.json()]).toEqual([path, 200, { code: 400, message: 'Missing required parameters', result: {} }]);
    }
    const put = await fetch(`${gw.url}/ehsm?Action=ListKey`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(put.status).toBe(404);
    expect(await put.json()).toMatchObject({ statusCode: 404 });
  });

  it('refuses a GET of a signed action and a POST of GetVersion', async () => {
    expect(await py.call({ action: 'ListKey', method: 'GET' })).toEqual({ code: 400, message: 'Missing required parameters', result: {} });
    expect(await act(app, 'GetVersion')).toMatchObject({ code: 404, message: 'API Not Found' });
  });
});

describe('authentication', () => {
  it('accepts a request with and without a nonce, and the upper-cased signature of the vendor docs', async () => {
    expect(await act(app, 'ListKey')).toMatchObject({ code: 200, message: 'successful' });
    expect(await act(app, 'ListKey', undefined, { nonce: randomBytes(16).toString('hex') })).toMatchObject({ code: 200 });
    expect(await act(app, 'ListKey', {}, { nonce: 12345678 })).toMatchObject({ code: 200 });
    expect(await act(app, 'ListKey', undefined, { upper: true })).toMatchObject({ code: 200 });
  });

  it('checks in the vendor order with the vendor texts', async () => {
    const msg = async (extra: Partial<PyRequest>, action = 'ListKey', payload?: unknown) => (await act(app, action, payload, extra)).message;
    expect(await msg({ override: { sign: '' } })).toBe('Missing required parameters');
    expect(await msg({}, 'Encrypt')).toBe('Missing required parameters');
    expect(await msg({ override: { timestamp: Date.now() } })).toBe('param type error');
    expect(await msg({ nonce: 'n'.repeat(65) })).toBe('Nonce length error');
    expect(await msg({ timestamp: '170000000000' })).toBe('Timestamp length error');
    expect(await msg({ timestamp: String(Date.now() - 11 * 60 * 1000) })).toBe('Timestamp error');
    expect(await msg({ timestamp: String(Date.now() + 11 * 60 * 1000) })).toBe('Timestamp error');
    expect(await msg({ sign: b64(randomBytes(32)) })).toBe('sign error');
    expect(await msg({ appid: '5c6e4f1a-0000-4000-8000-000000000000' })).toBe('Appid not found');
  });

  it('refuses a replayed (timestamp, nonce), and only after the signature verified', async () => {
    const timestamp = String(Date.now());
    const nonce = randomBytes(8).toString('hex');
    // A forged copy must not poison the cache for the genuine request.
    expect(await act(app, 'ListKey', undefined, { timestamp, nonce, sign: b64(randomBytes(32)) })).toMatchObject({ message: 'sign error' });
    expect(await act(app, 'ListKey', undefined, { timestamp, nonce })).toMatchObject({ code: 200 });
    expect(await act(app, 'ListKey', undefined, { timestamp, nonce })).toEqual({ code: 400, message: "Timestamp can't be repeated in 20 minutes", result: {} });
    // Another nonce in the same millisecond is another request.
    expect(await act(app, 'ListKey', undefined, { timestamp, nonce: `${nonce}x` })).toMatchObject({ code: 200 });
  });
});

describe('symmetric keys', () => {
  for (const [keyspec, overhead] of [
    ['EH_AES_GCM_128', 28],
    ['EH_AES_GCM_192', 28],
    ['EH_AES_GCM_256', 28],
    ['EH_SM4_CTR', 16],
  ] as const) {
    itWithKey(`${keyspec}: Encrypt round-trips through Decrypt, ciphertext = ct ‖ iv (‖ tag)`, keyspec, ENC, async (keyid) => {
      const plaintext = randomBytes(100);
      const aad = b64('some context');
      const enc = await act(app, 'Encrypt', { keyid, plaintext: b64(plaintext), aad });
      expect(enc).toMatchObject({ code: 200, message: 'success!' });
      expect(unb64(enc.result.ciphertext).length).toBe(plaintext.length + overhead);
      const dec = await act(app, 'Decrypt', { keyid, ciphertext: enc.result.ciphertext, aad });
      expect(dec).toMatchObject({ code: 200, message: 'success!' });
      expect(unb64(dec.result.plaintext)).toEqual(plaintext);
      const wrongAad = await act(app, 'Decrypt', { keyid, ciphertext: enc.result.ciphertext, aad: b64('other context') });
      if (keyspec.startsWith('EH_AES')) expect(wrongAad).toEqual({ code: 400, message: 'Decryption failed, Please confirm that your parameters are correct.', result: {} });
      else expect(unb64(wrongAad.result.plaintext)).toEqual(plaintext); // SM4 ignores aad
    });
  }

  itWithKey('EH_SM4_CBC pads with PKCS#7 and appends a 16-byte IV', 'EH_SM4_CBC', ENC, async (keyid) => {
    const plaintext = randomBytes(20);
    const enc = await act(app, 'Encrypt', { keyid, plaintext: b64(plaintext) });
    expect(unb64(enc.result.ciphertext).length).toBe(32 + 16);
    expect(unb64((await act(app, 'Decrypt', { keyid, ciphertext: enc.result.ciphertext })).result.plaintext)).toEqual(plaintext);
  });

  it('GenerateDataKey: the ciphertext decrypts to the plaintext data key (same aad)', async () => {
    const keyid = await createKey('EH_AES_GCM_256', ENC);
    const aad = b64('dk');
    const gen = await act(app, 'GenerateDataKey', { keyid, keylen: 32, aad });
    expect(gen).toMatchObject({ code: 200, message: 'success!' });
    expect(unb64(gen.result.plaintext)).toHaveLength(32);
    const dec = await act(app, 'Decrypt', { keyid, ciphertext: gen.result.ciphertext, aad });
    expect(dec.result.plaintext).toBe(gen.result.plaintext);
    const bare = await act(app, 'GenerateDataKeyWithoutPlaintext', { keyid, keylen: 1024, aad });
    expect(Object.keys(bare.result)).toEqual(['ciphertext']);
    expect(unb64((await act(app, 'Decrypt', { keyid, ciphertext: bare.result.ciphertext, aad })).result.plaintext)).toHaveLength(1024);
  });

  it('defaults keyusage to ENCRYPT_DECRYPT for a B-era client that sends none', async () => {
    const keyid = await createKey('EH_AES_GCM_128');
    expect(await act(app, 'Encrypt', { keyid, plaintext: b64('x') })).toMatchObject({ code: 200 });
  });
});

describe('asymmetric keys', () => {
  const message = Buffer.from('The quick brown fox jumps over the lazy dog +/= & %');

  it('RSA: PKCS#1 PEM; PKCS1 and PSS signatures verify locally; raw and digest input', async () => {
    const keyid = await createKey('EH_RSA_2048', SIG);
    const pk = await act(app, 'GetPublicKey', { keyid });
    expect(pk).toMatchObject({ code: 200, result: { keyid } });
    expect(pk.result.pubkey).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n[\s\S]+\n-----END RSA PUBLIC KEY-----\n$/);
    const key = createPublicKey(pk.result.pubkey);
    for (const [padding_mode, digest_mode, hash, padding] of [
      ['EH_RSA_PKCS1', 'EH_SHA_256', 'sha256', constants.RSA_PKCS1_PADDING],
      ['EH_RSA_PKCS1_PSS', 'EH_SHA_384', 'sha384', constants.RSA_PKCS1_PSS_PADDING],
      ['EH_PAD_RSA_PKCS1_PSS', 'EH_SHA_2_512', 'sha512', constants.RSA_PKCS1_PSS_PADDING],
    ] as const) {
      const saltLength = createHash(hash).digest().length;
      for (const [message_type, input] of [
        ['EH_RAW', message],
        ['EH_DIGEST', createHash(hash).update(message).digest()],
      ] as const) {
        const s = await act(app, 'Sign', { keyid, message: b64(input), message_type, digest_mode, padding_mode });
        expect(s).toMatchObject({ code: 200, message: 'success!' });
        const sig = unb64(s.result.signature);
        expect(nodeVerify(hash, message, { key, padding, saltLength }, sig)).toBe(true);
        const v = await act(app, 'Verify', { keyid, message: b64(input), message_type, digest_mode, padding_mode, signature: s.result.signature });
        expect(v).toEqual({ code: 200, message: 'success!', result: { result: true } });
      }
    }
    const bad = await act(app, 'Sign', { keyid, message: b64(message), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_PAD_NONE' });
    expect(bad).toEqual({ code: 500, message: 'Server exception.', result: {} });
  });

  it.each([
    ['EH_EC_P256', 'EH_SHA_256', 'sha256'],
    ['EH_EC_P384', 'EH_SHA_384', 'sha384'],
    ['EH_EC_P256K', 'EH_SHA_256', 'sha256'],
  ])('%s: SPKI PEM, DER ECDSA verifies locally, padding ignored', async (keyspec, digest_mode, hash) => {
    const keyid = await createKey(keyspec, SIG);
    const pk = await act(app, 'GetPublicKey', { keyid });
    expect(pk.result.pubkey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const s = await act(app, 'Sign', { keyid, message: b64(message), message_type: 'EH_RAW', digest_mode, padding_mode: 'EH_RSA_PKCS1' });
    expect(s).toMatchObject({ code: 200 });
    expect(nodeVerify(hash, message, createPublicKey(pk.result.pubkey), unb64(s.result.signature))).toBe(true);
  });

  itWithKey('SM2: signs with SM3 whatever is asked, and verifies on the server', 'EH_SM2', SIG, async (signKey) => {
    const pk = await act(app, 'GetPublicKey', { keyid: signKey });
    expect(pk.result.pubkey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const s = await act(app, 'Sign', { keyid: signKey, message: b64(message), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' });
    expect(s).toMatchObject({ code: 200 });
    const verify = (msg: Buffer, digest_mode = 'EH_SM3') =>
      act(app, 'Verify', { keyid: signKey, message: b64(msg), message_type: 'EH_RAW', digest_mode, padding_mode: 'EH_RSA_PKCS1', signature: s.result.signature });
    expect(await verify(message)).toMatchObject({ code: 200, result: { result: true } });
    expect(await verify(Buffer.from('tampered'))).toMatchObject({ code: 200, result: { result: false } });
    expect(await verify(message, 'EH_SHA_256')).toMatchObject({ code: 500, message: 'Server exception.' });
  });

  itWithKey('SM2: round-trips encryption', 'EH_SM2', ENC, async (encKey) => {
    const plaintext = randomBytes(64);
    const enc = await act(app, 'AsymmetricEncrypt', { keyid: encKey, plaintext: b64(plaintext), padding_mode: 'EH_RSA_PKCS1_OAEP' });
    expect(enc).toMatchObject({ code: 200 });
    const dec = await act(app, 'AsymmetricDecrypt', { keyid: encKey, ciphertext: enc.result.ciphertext, padding_mode: 'EH_RSA_PKCS1_OAEP' });
    expect(unb64(dec.result.plaintext)).toEqual(plaintext);
  });

  it('RSA: OAEP-SHA256 from node decrypts on the server; PKCS#1 v1.5 round-trips', async () => {
    const keyid = await createKey('EH_RSA_3072', ENC);
    const pem = (await act(app, 'GetPublicKey', { keyid })).result.pubkey;
    const plaintext = randomBytes(100);
    const local = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext);
    const dec = await act(app, 'AsymmetricDecrypt', { keyid, ciphertext: b64(local), padding_mode: 'EH_RSA_PKCS1_OAEP' });
    expect(dec).toMatchObject({ code: 200, message: 'success!' });
    expect(unb64(dec.result.plaintext)).toEqual(plaintext);
    const enc = await act(app, 'AsymmetricEncrypt', { keyid, plaintext: b64(plaintext), padding_mode: 'EH_RSA_PKCS1' });
    const back = await act(app, 'AsymmetricDecrypt', { keyid, ciphertext: enc.result.ciphertext, padding_mode: 'EH_RSA_PKCS1' });
    expect(unb64(back.result.plaintext)).toEqual(plaintext);
    const pss = await act(app, 'AsymmetricEncrypt', { keyid, plaintext: b64(plaintext), padding_mode: 'EH_RSA_PKCS1_PSS' });
    expect(pss).toEqual({ code: 500, message: 'Server exception.', result: {} });
  });
});

describe('key management', () => {
  it('lists, disables, enables and deletes keys of the caller only', async () => {
    const fresh = await enroll();
    const a = await createKey('EH_AES_GCM_128', ENC, fresh);
    const b = await createKey('EH_EC_P256', SIG, fresh);
    await createKey('EH_AES_GCM_128', ENC, other);
    const list = await act(fresh, 'ListKey');
    expect(list.message).toBe('successful');
    expect(new Set(list.result.list.map((k: any) => k.keyid))).toEqual(new Set([a, b]));
    for (const k of list.result.list) {
      expect(k).toEqual({
        keyid: expect.any(String),
        creationDate: expect.any(Number),
        expireTime: k.creationDate + 365 * 86400000,
        alias: '',
        keyspec: k.keyid === a ? 'EH_AES_GCM_128' : 'EH_EC_P256',
        keyState: 1,
      });
    }
    expect(await act(fresh, 'DisableKey', { keyid: a })).toEqual({ code: 200, message: 'successful', result: {} });
    expect(await act(fresh, 'DisableKey', { keyid: a })).toMatchObject({ code: 200 });
    expect((await act(fresh, 'ListKey')).result.list.find((k: any) => k.keyid === a).keyState).toBe(0);
    expect(await act(fresh, 'Encrypt', { keyid: a, plaintext: b64('x') })).toEqual({ code: 400, message: 'keyid is disabled', result: {} });
    expect(await act(fresh, 'EnableKey', { keyid: a })).toMatchObject({ code: 200, message: 'successful' });
    expect(await act(fresh, 'Encrypt', { keyid: a, plaintext: b64('x') })).toMatchObject({ code: 200 });
    expect(await act(fresh, 'EnableKey', { keyid: '00000000-0000-4000-8000-000000000000' })).toEqual({ code: 400, message: 'not find this keyid', result: {} });
    expect(await act(other, 'DisableKey', { keyid: a })).toEqual({ code: 400, message: 'not find this keyid', result: {} });

    expect(await act(fresh, 'DeleteKey', { keyid: a })).toEqual({ code: 200, message: 'successful', result: {} });
    expect(await act(fresh, 'DeleteKey', { keyid: a })).toMatchObject({ code: 200, message: 'successful' });
    expect(await act(fresh, 'Encrypt', { keyid: a, plaintext: b64('x') })).toMatchObject({ code: 400, message: 'keyid error' });
    expect(await act(fresh, 'DeleteALLKey')).toMatchObject({ code: 200, message: 'successful' });
    expect((await act(fresh, 'ListKey')).result.list).toEqual([]);
    expect(await act(fresh, 'DeleteAllKey', {})).toMatchObject({ code: 200 });
  });
});

describe('errors in the vendor words', () => {
  let aes: string;
  beforeAll(async () => {
    aes = await createKey('EH_AES_GCM_256', ENC);
  });

  it('key lookup: unknown keyid, another app’s key, bad keyid format', async () => {
    expect(await act(app, 'Encrypt', { keyid: '00000000-0000-4000-8000-000000000000', plaintext: b64('x') })).toEqual({ code: 400, message: 'keyid error', result: {} });
    expect(await act(other, 'Encrypt', { keyid: aes, plaintext: b64('x') })).toEqual({ code: 400, message: 'appid error', result: {} });
    expect(await act(app, 'Encrypt', { keyid: aes.toUpperCase(), plaintext: b64('x') })).toMatchObject({ code: 400, message: 'Parameter invalid, The keyid format wrong.' });
    expect(await act(app, 'Encrypt', { keyid: 'short', plaintext: b64('x') })).toMatchObject({ message: 'Parameter invalid, The keyid length error.' });
  });

  it('audits the probe that told another app’s key from none, under the app that asked', async () => {
    const stranger = await enroll();
    expect(await act(stranger, 'Decrypt', { keyid: aes, ciphertext: b64(randomBytes(40)) })).toEqual({ code: 400, message: 'appid error', result: {} });
    const unknown = '00000000-0000-4000-8000-00000000beef';
    expect(await act(stranger, 'Decrypt', { keyid: unknown, ciphertext: b64(randomBytes(40)) })).toEqual({ code: 400, message: 'keyid error', result: {} });
    const rows = (await cli(gw.dataDir, ['audit', '--tenant', `ehsm-${stranger.appid}`])).json as Array<{
      operation: string;
      outcome: string;
      keyId: string | null;
      dialect: string;
    }>;
    const probes = rows.filter((r) => r.operation === 'probe-holder').map(({ keyId, outcome, dialect }) => ({ keyId, outcome, dialect }));
    expect(probes.sort((a, b) => a.outcome.localeCompare(b.outcome))).toEqual([
      { keyId: aes, outcome: 'FORBIDDEN', dialect: 'ehsm' },
      { keyId: unknown, outcome: 'NOT_FOUND', dialect: 'ehsm' },
    ]);
  });

  it('audits a refusal of the dialect’s own (a key of the wrong kind) once, under the app that asked', async () => {
    const asker = await enroll();
    const own = await createKey('EH_AES_GCM_256', ENC, asker);
    expect(await act(asker, 'Sign', { keyid: own, digest: b64('d'.repeat(32)) })).toMatchObject({ code: 500, message: 'Server exception.' });
    const rows = (await cli(gw.dataDir, ['audit', '--tenant', `ehsm-${asker.appid}`])).json as Array<{ operation: string; outcome: string }>;
    expect(rows.filter((r) => r.operation === 'Sign').map((r) => r.outcome)).toEqual(['INVALID_ARGUMENT']);
  });

  it('wrong key usage is the enclave’s 500', async () => {
    expect(await act(app, 'Sign', { keyid: aes, message: b64('m'), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' })).toEqual({
      code: 500,
      message: 'Server exception.',
      result: {},
    });
    const rsaEnc = await createKey('EH_RSA_2048', ENC);
    expect(await act(app, 'Sign', { keyid: rsaEnc, message: b64('m'), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' })).toMatchObject({
      code: 500,
      message: 'Server exception.',
    });
    const ecSig = await createKey('EH_EC_P256', SIG);
    expect(await act(app, 'Encrypt', { keyid: ecSig, plaintext: b64('x') })).toMatchObject({ code: 500, message: 'Server exception.' });
    expect(await act(app, 'CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY', keyusage: SIG })).toMatchObject({ code: 500, message: 'Server exception.' });
    expect(await act(app, 'CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_NOPE' })).toMatchObject({ code: 500 });
  });

  it('payload validation', async () => {
    const m = async (action: string, payload: unknown) => (await act(app, action, payload)).message;
    expect(await m('Encrypt', { keyid: aes, plaintext: 'not base64!' })).toBe('Parameter invalid, The plaintext not a vailed base64 string.');
    expect(await m('Encrypt', { keyid: aes, plaintext: 'QUJD-_' })).toBe('Parameter invalid, The plaintext not a vailed base64 string.');
    expect(await m('Encrypt', { keyid: aes, plaintext: b64(randomBytes(6145)) })).toBe('Parameter invalid, The plaintext length error.');
    expect((await act(app, 'Encrypt', { keyid: aes, plaintext: b64(randomBytes(6144)) })).code).toBe(200);
    expect(await m('Encrypt', { keyid: aes, plaintext: '' })).toBe('Missing required parameters, The plaintext cannot be empty.');
    expect(await m('Encrypt', { keyid: aes, plaintext: 12 })).toBe('Parameter invalid, The plaintext must be of string type.');
    expect(await m('GenerateDataKey', { keyid: aes, keylen: 0 })).toBe('Parameter invalid, The keylen value must be greater than or equal to 1.');
    expect(await m('GenerateDataKey', { keyid: aes, keylen: 1025 })).toBe('Parameter invalid, The keylen value must be less than or equal to 1024.');
    expect(await m('GenerateDataKey', { keyid: aes, keylen: '32' })).toBe('Parameter invalid, The keylen must be of integer type.');
    expect(await m('CreateKey', { keyspec: 'EH_AES_GCM_512', origin: 'EH_INTERNAL_KEY' })).toBe('Parameter invalid, The keyspec type is incorrect.');
    expect(await m('CreateKey', { keyspec: 'EH_AES_GCM_128' })).toBe('Missing required parameters, The origin cannot be empty.');
    expect(await m('Sign', { keyid: aes, message: b64('m'), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256' })).toBe(
      'Missing required parameters, The padding_mode cannot be empty.',
    );
  });

  it('a ciphertext that was tampered with does not decrypt', async () => {
    const enc = await act(app, 'Encrypt', { keyid: aes, plaintext: b64('secret') });
    const blob = unb64(enc.result.ciphertext);
    blob[0] ^= 1;
    expect(await act(app, 'Decrypt', { keyid: aes, ciphertext: b64(blob) })).toEqual({
      code: 400,
      message: 'Decryption failed, Please confirm that your parameters are correct.',
      result: {},
    });
    expect(await act(app, 'Decrypt', { keyid: aes, ciphertext: b64('short') })).toMatchObject({
      code: 400,
      message: 'Decryption failed, Please confirm that your parameters are correct.',
    });
  });
});

describe('secret manager', () => {
  const NAME = ' odd name &=%+/?#"\\\' \t~`!@$^*()[]{}|;:,.<>';
  const DATA = 'p@ss w0rd &a=b%20c+d\n\t "quoted" \\ ~!';

  it('creates, reads, versions and describes a secret; printable text round-trips exactly', async () => {
    const who = await enroll();
    expect(await act(who, 'CreateSecret', { secretName: NAME, secretData: DATA, description: 'first & =desc' })).toEqual({
      code: 200,
      message: `The ${NAME} create success.`,
      result: {},
    });
    const v1 = await act(who, 'GetSecretValue', { secretName: NAME });
    expect(v1).toEqual({ code: 200, message: 'successful', result: { secretName: NAME, secretData: DATA, versionId: 1, createTime: expect.any(Number) } });
    expect(await act(who, 'PutSecretValue', { secretName: NAME, secretData: 'second' })).toEqual({ code: 200, message: `The ${NAME} new version put success.`, result: {} });
    expect((await act(who, 'GetSecretValue', { secretName: NAME })).result).toMatchObject({ secretData: 'second', versionId: 2 });
    expect((await act(who, 'GetSecretValue', { secretName: NAME, versionId: 1 })).result).toMatchObject({ secretData: DATA, versionId: 1 });
    expect(await act(who, 'GetSecretValue', { secretName: NAME, versionId: 9 })).toEqual({ code: 200, message: 'successful', result: {} });
    const versions = await act(who, 'ListSecretVersionIds', { secretName: NAME });
    expect(versions).toEqual({
      code: 200,
      message: 'List secret versionIds success.',
      result: {
        secretName: NAME,
        totalCount: 2,
        versionIds: [
          { versionId: 2, createTime: expect.any(Number) },
          { versionId: 1, createTime: expect.any(Number) },
        ],
      },
    });
    expect(await act(who, 'ListSecretVersionIds', { secretName: 'nope' })).toMatchObject({ code: 200, result: { secretName: 'nope', totalCount: 0, versionIds: [] } });
    const d = await act(who, 'DescribeSecret', { secretName: NAME });
    // No rotationInterval given: the document's default 30d (the vendor's code applies none).
    const created = v1.result.createTime;
    expect(d).toEqual({
      code: 200,
      message: 'Describe secrets success.',
      result: { secretName: NAME, description: 'first & =desc', createTime: created, rotationInterval: '30d', lastRotationDate: '', nextRotationDate: created + 30 * 86400000 },
    });
    expect(await act(who, 'DescribeSecret', { secretName: 'nope' })).toEqual({ code: 200, message: 'Describe secrets success.', result: {} });
    expect(await act(who, 'UpdateSecretDesc', { secretName: NAME, description: 'new' })).toEqual({ code: 200, message: 'Update secret description success.', result: {} });
    expect((await act(who, 'DescribeSecret', { secretName: NAME })).result.description).toBe('new');
    expect(await act(who, 'UpdateSecretDesc', { secretName: NAME })).toMatchObject({ code: 200 });
    expect((await act(who, 'DescribeSecret', { secretName: NAME })).result).not.toHaveProperty('description');
    expect(await act(who, 'UpdateSecretDesc', { secretName: 'nope' })).toEqual({ code: 400, message: 'Cannot find secretName', result: {} });
    expect(await act(who, 'PutSecretValue', { secretName: 'nope', secretData: 'x' })).toEqual({ code: 400, message: 'Can not find secretName', result: {} });
    // The default secret key is the gateway's own: no client listing shows it.
    expect((await act(who, 'ListKey')).result.list).toEqual([]);
    // Another app sees nothing of it.
    expect(await act(other, 'GetSecretValue', { secretName: NAME })).toEqual({ code: 400, message: `Can't find the ${NAME}'s value.`, result: {} });
    expect((await act(other, 'ListSecrets', {})).result.secretList.find((s: any) => s.secretName === NAME)).toBeUndefined();
  });

  it('refuses a duplicate name, an unknown CMK and a rotation out of range; keeps rotation dates', async () => {
    const who = await enroll();
    expect(await act(who, 'CreateSecret', { secretName: 's', secretData: 'x' })).toMatchObject({ code: 200 });
    expect(await act(who, 'CreateSecret', { secretName: 's', secretData: 'y' })).toEqual({
      code: 400,
      message: 'Secret name already exists, cannot use the same secret name',
      result: {},
    });
    expect(await act(who, 'CreateSecret', { secretName: 't', secretData: 'x', encryptionKeyId: '00000000-0000-4000-8000-000000000000' })).toEqual({
      code: 400,
      message: 'Cannot find cmk by keyid.',
      result: {},
    });
    expect(await act(who, 'CreateSecret', { secretName: 't', secretData: 'x', rotationInterval: '5h' })).toEqual({
      code: 400,
      message: 'The rotation time is less than 6 hours or more than 8760 hours',
      result: {},
    });
    expect(await act(who, 'CreateSecret', { secretName: 't', secretData: 'x', rotationInterval: '366d' })).toMatchObject({
      code: 400,
      message: 'The rotation time is less than 6 hours or more than 8760 hours',
    });
    expect(await act(who, 'CreateSecret', { secretName: 't', secretData: 'x', rotationInterval: '30,' })).toMatchObject({
      code: 400,
      message: 'Parameter invalid, The rotationInterval format wrong.',
    });
    expect(await act(who, 'CreateSecret', { secretName: 't', secretData: 'x', rotationInterval: '30x' })).toMatchObject({
      code: 400,
      message: 'Parameter invalid, The rotationInterval format wrong.',
    });
    expect(await act(who, 'CreateSecret', { secretName: 'x'.repeat(65), secretData: 'x' })).toMatchObject({ message: 'Parameter invalid, The secretName length error.' });
    expect(await act(who, 'CreateSecret', { secretName: 't', secretData: '' })).toMatchObject({ message: 'Missing required parameters, The secretData cannot be empty.' });
    expect(await act(who, 'ListSecrets')).toMatchObject({ code: 200, result: { totalCount: 1 } });
    expect(await act(who, 'DescribeSecret')).toMatchObject({ code: 400, message: 'Missing required parameters, The secretName cannot be empty.' });
    const cmk = await createKey('EH_AES_GCM_128', ENC, who);
    expect(await act(who, 'CreateSecret', { secretName: 'r', secretData: 'rotated', encryptionKeyId: cmk, rotationInterval: '30d' })).toMatchObject({ code: 200 });
    const d = (await act(who, 'DescribeSecret', { secretName: 'r' })).result;
    expect(d).toEqual({ secretName: 'r', createTime: expect.any(Number), rotationInterval: '30d', lastRotationDate: '', nextRotationDate: d.createTime + 30 * 86400000 });
    expect((await act(who, 'GetSecretValue', { secretName: 'r' })).result.secretData).toBe('rotated');
    // Values sealed under a CMK follow its state.
    await act(who, 'DisableKey', { keyid: cmk });
    expect(await act(who, 'GetSecretValue', { secretName: 'r' })).toEqual({ code: 400, message: 'keyid is disabled', result: {} });
    await act(who, 'EnableKey', { keyid: cmk });
    const sign = await createKey('EH_RSA_2048', SIG, who);
    expect(await act(who, 'CreateSecret', { secretName: 'q', secretData: 'x', encryptionKeyId: sign })).toMatchObject({ code: 500, message: 'Server exception.' });
    // DeleteAllKey spares the default secret key: secrets under it stay readable.
    expect(await act(who, 'DeleteAllKey')).toMatchObject({ code: 200 });
    expect((await act(who, 'GetSecretValue', { secretName: 's' })).result.secretData).toBe('x');
  });

  it('soft-deletes with a recovery window, restores, force-deletes', async () => {
    const who = await enroll();
    await act(who, 'CreateSecret', { secretName: 'a', secretData: 'one' });
    expect(await act(who, 'DeleteSecret', { secretName: 'a', forceDelete: 'maybe' })).toEqual({ code: 400, message: 'The forceDelete must be true or false', result: {} });
    expect(await act(who, 'DeleteSecret', { secretName: 'a', recoveryPeriod: 366 })).toMatchObject({
      message: 'Parameter invalid, The recoveryPeriod value must be less than or equal to 365.',
    });
    expect(await act(who, 'DeleteSecret', { secretName: 'a', recoveryPeriod: 7 })).toEqual({ code: 200, message: 'The a will be deleted after 7 days.', result: {} });
    expect(await act(who, 'GetSecretValue', { secretName: 'a' })).toEqual({ code: 400, message: "Can't find the a's value.", result: {} });
    expect(await act(who, 'PutSecretValue', { secretName: 'a', secretData: 'two' })).toEqual({ code: 400, message: 'Can not put value for a deleted secret.', result: {} });
    expect(await act(who, 'UpdateSecretDesc', { secretName: 'a', description: 'd' })).toEqual({ code: 400, message: 'Can not modify a deleted secret.', result: {} });
    expect((await act(who, 'ListSecretVersionIds', { secretName: 'a' })).result.totalCount).toBe(0);
    const listed = (await act(who, 'ListSecrets', { secretName: 'a' })).result;
    expect(listed.totalCount).toBe(1);
    expect(listed.secretList[0].plannedDeleteTime - listed.secretList[0].createTime).toBeGreaterThanOrEqual(7 * 86400000);
    expect((await act(who, 'DescribeSecret', { secretName: 'a' })).result.plannedDeleteTime).toBe(listed.secretList[0].plannedDeleteTime);
    expect(await act(who, 'CreateSecret', { secretName: 'a', secretData: 'x' })).toMatchObject({
      code: 400,
      message: 'Secret name already exists, cannot use the same secret name',
    });
    expect(await act(who, 'RestoreSecret', { secretName: 'a' })).toEqual({ code: 200, message: 'The a restore success.', result: {} });
    expect((await act(who, 'GetSecretValue', { secretName: 'a' })).result.secretData).toBe('one');
    expect(await act(who, 'RestoreSecret', { secretName: 'nope' })).toEqual({ code: 400, message: 'Can not restore secret, the secretName not find.', result: {} });
    expect(await act(who, 'DeleteSecret', { secretName: 'a' })).toEqual({ code: 200, message: 'The a will be deleted after 30 days.', result: {} });
    expect(await act(who, 'DeleteSecret', { secretName: 'a', forceDelete: 'true' })).toEqual({ code: 200, message: 'The a delete success', result: {} });
    expect(await act(who, 'DescribeSecret', { secretName: 'a' })).toMatchObject({ result: {} });
    expect(await act(who, 'DeleteSecret', { secretName: 'a' })).toEqual({ code: 400, message: 'Delete error, Can not find the secretName', result: {} });
    expect(await act(who, 'CreateSecret', { secretName: 'a', secretData: 'again' })).toMatchObject({ code: 200 });
    expect((await act(who, 'GetSecretValue', { secretName: 'a' })).result).toMatchObject({ secretData: 'again', versionId: 1 });
  });
});

describe('ExportDataKey', () => {
  it('re-wraps a data key to an RSA key (OAEP-SHA256); accepts the three field names', async () => {
    const cmk = await createKey('EH_AES_GCM_256', ENC);
    const aad = b64('export');
    const gen = await act(app, 'GenerateDataKey', { keyid: cmk, keylen: 32, aad });
    const rsa = await createKey('EH_RSA_3072', ENC);
    for (const field of ['olddatakey_base', 'olddatakey', 'old_data_key']) {
      const r = await act(app, 'ExportDataKey', { keyid: cmk, ukeyid: rsa, aad, [field]: gen.result.ciphertext });
      expect(r).toMatchObject({ code: 200, message: 'success!' });
      const back = await act(app, 'AsymmetricDecrypt', { keyid: rsa, ciphertext: r.result.newdatakey, padding_mode: 'EH_RSA_PKCS1_OAEP' });
      expect(back.result.plaintext).toBe(gen.result.plaintext);
    }
    expect(await act(app, 'ExportDataKey', { keyid: cmk, ukeyid: rsa, aad: b64('other'), olddatakey_base: gen.result.ciphertext })).toEqual({
      code: 400,
      message: 'Failed, Please confirm that your parameters are correct.',
      result: {},
    });
    const ec = await createKey('EH_EC_P256', SIG);
    expect(await act(app, 'ExportDataKey', { keyid: cmk, ukeyid: ec, aad, olddatakey_base: gen.result.ciphertext })).toEqual({ code: 400, message: 'key invalid.', result: {} });
    expect(await act(app, 'ExportDataKey', { keyid: cmk, ukeyid: rsa, aad })).toMatchObject({ message: 'Missing required parameters, The olddatakey_base cannot be empty.' });
  });

  itWithKey('re-wraps a data key to an SM2 key', 'EH_SM2', ENC, async (sm2) => {
    const cmk = await createKey('EH_AES_GCM_256', ENC);
    const aad = b64('export');
    const gen = await act(app, 'GenerateDataKey', { keyid: cmk, keylen: 32, aad });
    const s = await act(app, 'ExportDataKey', { keyid: cmk, ukeyid: sm2, aad, olddatakey_base: gen.result.ciphertext });
    expect(s).toMatchObject({ code: 200, message: 'success!' });
    expect((await act(app, 'AsymmetricDecrypt', { keyid: sm2, ciphertext: s.result.newdatakey, padding_mode: 'EH_RSA_PKCS1_OAEP' })).result.plaintext).toBe(gen.result.plaintext);
  });
});

describe('BYOK', () => {
  const importParams = async (keyid: string, keyspec = 'EH_RSA_2048') => {
    const r = await act(app, 'GetParametersForImport', { keyid, keyspec });
    expect(r).toMatchObject({ code: 200, message: 'success!' });
    expect(r.result.pubkey).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/);
    return r.result as { pubkey: string; importToken: string };
  };
  const external = async (keyspec = 'EH_AES_GCM_128') => {
    const r = await act(app, 'CreateKey', { keyspec, origin: 'EH_EXTERNAL_KEY', keyusage: ENC });
    expect(r).toMatchObject({ code: 200 });
    return r.result.keyid as string;
  };

  it('imports wrapped key material (OAEP and PKCS#1); the key then encrypts like its local twin', async () => {
    for (const [padding_mode, padding] of [
      ['EH_RSA_PKCS1_OAEP', constants.RSA_PKCS1_OAEP_PADDING],
      ['EH_RSA_PKCS1', constants.RSA_PKCS1_PADDING],
    ] as const) {
      const keyid = await external();
      // Empty until imported: a listed key that cannot encrypt yet.
      expect((await act(app, 'ListKey')).result.list.some((k: any) => k.keyid === keyid)).toBe(true);
      expect(await act(app, 'Encrypt', { keyid, plaintext: b64('x') })).toMatchObject({ code: 500 });
      const { pubkey, importToken } = await importParams(keyid);
      // The Python test wraps the ASCII hex of 8 random bytes: 16 bytes of key material.
      const material = Buffer.from(randomBytes(8).toString('hex'), 'ascii');
      const key_material = b64(publicEncrypt({ key: pubkey, padding, oaepHash: 'sha256' }, material));
      expect(await act(app, 'ImportKeyMaterial', { keyid, padding_mode, key_material, importToken })).toEqual({ code: 200, message: 'success!', result: { result: true } });
      const enc = await act(app, 'Encrypt', { keyid, plaintext: b64('hello'), aad: b64('a') });
      const blob = unb64(enc.result.ciphertext);
      const d = createDecipheriv('aes-128-gcm', material, blob.subarray(-28, -16));
      d.setAAD(Buffer.from('a'));
      d.setAuthTag(blob.subarray(-16));
      expect(Buffer.concat([d.update(blob.subarray(0, -28)), d.final()]).toString()).toBe('hello');
      // Once imported: no second import, no new parameters.
      expect(await act(app, 'ImportKeyMaterial', { keyid, padding_mode, key_material, importToken })).toMatchObject({ code: 500 });
      expect(await act(app, 'GetParametersForImport', { keyid, keyspec: 'EH_RSA_2048' })).toMatchObject({ code: 500, message: 'Server exception.' });
    }
    // The wrapping keys are the gateway's own and are gone: nothing but CMKs is listed.
    expect((await act(app, 'ListKey')).result.list.every((k: any) => k.keyspec !== 'EH_RSA_2048' || k.keyState === 1)).toBe(true);
  });

  it('refuses a forged, foreign, superseded or malformed token and a wrong-length key; the key stays empty', async () => {
    const keyid = await external('EH_AES_GCM_256');
    const first = await importParams(keyid, 'EH_RSA_3072');
    const { pubkey, importToken } = await importParams(keyid);
    const wrap = (m: Buffer) => b64(publicEncrypt({ key: pubkey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, m));
    const good = randomBytes(32);
    const imp = (over: Record<string, unknown>) => act(app, 'ImportKeyMaterial', { keyid, padding_mode: 'EH_RSA_PKCS1_OAEP', key_material: wrap(good), importToken, ...over });
    expect(await imp({ importToken: undefined })).toEqual({ code: 500, message: 'ImportKeyMaterial failed.', result: {} });
    expect(await imp({ importToken: 'garbage' })).toEqual({ code: 500, message: 'ImportToken failed.', result: {} });
    const [body, mac] = unb64(importToken).toString().split('.');
    const forged = Buffer.from(body, 'base64url')
      .toString()
      .replace(/"e":\d+/, '"e":99999999999999');
    expect(forged).not.toBe(Buffer.from(body, 'base64url').toString());
    expect(await imp({ importToken: b64(`${Buffer.from(forged).toString('base64url')}.${mac}`) })).toMatchObject({ code: 500, message: 'ImportToken failed.' });
    // The first token's wrapping pair was replaced by the second one.
    expect(await imp({ importToken: first.importToken })).toMatchObject({ code: 500, message: 'ImportToken failed.' });
    expect(await imp({ key_material: wrap(randomBytes(16)) })).toEqual({ code: 500, message: 'Import key failed.', result: {} });
    expect(await imp({ key_material: b64(randomBytes(256)) })).toMatchObject({ code: 500, message: 'Import key failed.' });
    expect(await imp({ padding_mode: 'EH_RSA_PKCS1_PSS' })).toMatchObject({ code: 500, message: 'Server exception.' });
    // Another app cannot use the token on its own key ids nor see this key.
    expect(await act(other, 'ImportKeyMaterial', { keyid, padding_mode: 'EH_RSA_PKCS1_OAEP', key_material: wrap(good), importToken })).toMatchObject({
      code: 400,
      message: 'appid error',
    });
    expect(await act(app, 'Encrypt', { keyid, plaintext: b64('x') })).toMatchObject({ code: 500 });
    expect(await imp({})).toEqual({ code: 200, message: 'success!', result: { result: true } });
    expect(await act(app, 'Encrypt', { keyid, plaintext: b64('x') })).toMatchObject({ code: 200 });
  });

  it('refuses parameters for an internal key, a non-RSA wrapping spec and an external asymmetric key', async () => {
    const internal = await createKey('EH_AES_GCM_128', ENC);
    expect(await act(app, 'GetParametersForImport', { keyid: internal, keyspec: 'EH_RSA_2048' })).toEqual({ code: 500, message: 'Server exception.', result: {} });
    const keyid = await external();
    expect(await act(app, 'GetParametersForImport', { keyid, keyspec: 'EH_EC_P256' })).toMatchObject({ code: 500, message: 'Server exception.' });
    expect(await act(app, 'CreateKey', { keyspec: 'EH_RSA_2048', origin: 'EH_EXTERNAL_KEY', keyusage: ENC })).toMatchObject({ code: 500, message: 'Server exception.' });
  });
});

describe('remote attestation', () => {
  const MR_ENCLAVE = '70de1979'.padEnd(64, 'a');
  const MR_SIGNER = 'c30446b4'.padEnd(64, 'b');

  it('stores quote policies per app', async () => {
    const up = await act(app, 'UploadQuotePolicy', { mr_enclave: MR_ENCLAVE, mr_signer: MR_SIGNER });
    expect(up).toEqual({ code: 200, message: 'Upload quote policy success.', result: { policyId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    const policyId = up.result.policyId;
    expect(await act(app, 'GetQuotePolicy', { policyId })).toEqual({
      code: 200,
      message: 'Query quote policy success.',
      result: { policyId, mr_enclave: MR_ENCLAVE, mr_signer: MR_SIGNER, createTime: expect.any(Number) },
    });
    expect(await act(other, 'GetQuotePolicy', { policyId })).toEqual({ code: 200, message: 'Query quote policy success.', result: { policyId } });
    expect(await act(app, 'UploadQuotePolicy', { mr_enclave: 'ab', mr_signer: MR_SIGNER })).toMatchObject({
      code: 400,
      message: 'Parameter invalid, The mr_enclave length error.',
    });
    // Found by fuzzing: without a payload (or with empty fields) nothing may reach the database's NOT NULL.
    expect(await act(app, 'UploadQuotePolicy')).toEqual({ code: 400, message: 'Missing required parameters, The mr_enclave cannot be empty.', result: {} });
    expect(await act(app, 'UploadQuotePolicy', { mr_enclave: '', mr_signer: MR_SIGNER })).toEqual({
      code: 400,
      message: 'Missing required parameters, The mr_enclave cannot be empty.',
      result: {},
    });
    expect(await act(app, 'UploadQuotePolicy', { mr_enclave: MR_ENCLAVE })).toEqual({
      code: 400,
      message: 'Missing required parameters, The mr_signer cannot be empty.',
      result: {},
    });
    expect(await act(app, 'GetQuotePolicy')).toEqual({ code: 400, message: 'Missing required parameters, The policyId cannot be empty.', result: {} });
  });

  it('says plainly that quotes need SGX', async () => {
    const g = await act(app, 'GenerateQuote', { challenge: b64('challenge') });
    expect(g).toEqual({ code: 500, message: expect.stringContaining('without SGX'), result: {} });
    const policyId = (await act(app, 'UploadQuotePolicy', { mr_enclave: MR_ENCLAVE, mr_signer: MR_SIGNER })).result.policyId;
    const quote = b64(randomBytes(64));
    expect(await act(app, 'VerifyQuote', { quote, nonce: b64('n'), policyId: '00000000-0000-4000-8000-000000000000' })).toEqual({
      code: 400,
      message: 'Invalid  policyId.',
      result: {},
    });
    expect(await act(app, 'VerifyQuote', { quote, nonce: b64('n'), policyId })).toEqual({ code: 500, message: expect.stringContaining('without SGX'), result: {} });
    expect(await act(app, 'VerifyQuote', { quote, nonce: 'not base64!' })).toMatchObject({ code: 400, message: 'Parameter invalid, The nonce not a vailed base64 string.' });
  });
});

describe('v1 CMK-blob API (legacy path)', () => {
  const path = '/legacy/ehsm';
  let v1app: { appid: string; apikey: string };
  const v1 = (action: string, payload: unknown, extra: Partial<PyRequest> = {}) => py.call({ action, path, v1: true, appid: v1app.appid, apikey: v1app.apikey, payload, ...extra });
  // v1 refuses a second request of one app in the same millisecond: space them out.
  const pause = () => new Promise((r) => setTimeout(r, 2));
  const call = async (action: string, payload: unknown, extra: Partial<PyRequest> = {}) => {
    await pause();
    return v1(action, payload, extra);
  };

  beforeAll(async () => {
    const r = await py.call({ action: 'RA_GET_API_KEY', path, raw: '{}' });
    expect(r).toMatchObject({ code: 200, message: 'successful' });
    v1app = { appid: r.result.appid, apikey: r.result.appkey };
    expect(v1app.apikey).not.toBe(v1app.appid);
  });

  it('AES-GCM-128 blobs: encrypt/decrypt raw strings, data keys, export to an RSA-3072 blob', async () => {
    const c = await call('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY' });
    expect(c).toMatchObject({ code: 200, message: 'success!' });
    const cmk = c.result.cmk_base64 as string;
    expect(unb64(cmk).readUInt32LE(0)).toBe(0);
    const enc = await call('Encrypt', { cmk_base64: cmk, plaintext: 'hello v1 & =', aad: 'challenge' });
    expect(unb64(enc.result.ciphertext_base64)).toHaveLength(12 + 12 + 16);
    const dec = await call('Decrypt', { cmk_base64: cmk, ciphertext: enc.result.ciphertext_base64, aad: 'challenge' });
    expect(dec).toEqual({ code: 200, message: 'success!', result: { plaintext_base64: b64('hello v1 & =') } });
    expect(await call('Decrypt', { cmk_base64: cmk, ciphertext: enc.result.ciphertext_base64, aad: 'other' })).toEqual({
      code: 400,
      message: 'Decryption failed, Please confirm that your parameters are correct.',
      result: {},
    });
    const dk = await call('GenerateDataKey', { cmk_base64: cmk, keylen: 16, aad: 'a' });
    expect(unb64(dk.result.plaintext_base64)).toHaveLength(16);
    const bare = await call('GenerateDataKeyWithoutPlaintext', { cmk_base64: cmk, keylen: 32, aad: 'a' });
    expect(Object.keys(bare.result)).toEqual(['ciphertext_base64']);
    const rsa = (await call('CreateKey', { keyspec: 'EH_RSA_3072', origin: 'EH_INTERNAL_KEY' })).result.cmk_base64;
    expect(unb64(rsa).readUInt32LE(0)).toBe(3);
    const ex = await call('ExportDataKey', { cmk_base64: cmk, ukey_base64: rsa, aad: 'a', olddatakey_base: dk.result.ciphertext_base64 });
    expect(ex).toMatchObject({ code: 200, message: 'success!' });
    const back = await call('AsymmetricDecrypt', { cmk_base64: rsa, ciphertext_base64: ex.result.newdatakey_base64 });
    expect(back.result.plaintext_base64).toBe(dk.result.plaintext_base64);
  });

  it('RSA-3072 blobs: OAEP-SHA256 and PKCS#1 v1.5 SHA-256 signatures over the raw digest string', async () => {
    const rsa = (await call('CreateKey', { keyspec: 'EH_RSA_3072', origin: 'EH_INTERNAL_KEY' })).result.cmk_base64;
    const enc = await call('AsymmetricEncrypt', { cmk_base64: rsa, plaintext: 'TestRSA-3072' });
    const dec = await call('AsymmetricDecrypt', { cmk_base64: rsa, ciphertext_base64: enc.result.ciphertext_base64 });
    expect(unb64(dec.result.plaintext_base64).toString()).toBe('TestRSA-3072');
    const s = await call('Sign', { cmk_base64: rsa, digest: 'some message' });
    expect(unb64(s.result.signature_base64)).toHaveLength(384);
    expect(await call('Verify', { cmk_base64: rsa, digest: 'some message', signature_base64: s.result.signature_base64 })).toEqual({
      code: 200,
      message: 'success!',
      result: { result: true },
    });
    expect((await call('Verify', { cmk_base64: rsa, digest: 'other', signature_base64: s.result.signature_base64 })).result).toEqual({ result: false });
    // A key of the wrong kind for the action: the enclave's 500.
    expect(await call('Encrypt', { cmk_base64: rsa, plaintext: 'x' })).toEqual({ code: 500, message: 'Server exception.', result: {} });
  });

  it('rejects any flipped bit, another app’s blob, and a keyspec it does not know', async () => {
    const cmk = (await call('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY' })).result.cmk_base64 as string;
    const raw = unb64(cmk);
    for (const bit of [0, 8 * 4, 8 * 36, 8 * 40, 8 * raw.length - 1]) {
      const t = Buffer.from(raw);
      t[bit >> 3] ^= 1 << (bit & 7);
      expect((await call('Encrypt', { cmk_base64: b64(t), plaintext: 'x' })).code).toBeGreaterThanOrEqual(400);
    }
    expect(await call('Encrypt', { cmk_base64: b64(raw.subarray(0, 40)), plaintext: 'x' })).toEqual({ code: 400, message: "The cmk's length is invalid.", result: {} });
    const r = await py.call({ action: 'RA_GET_API_KEY', path, raw: '{}' });
    const stranger = { appid: r.result.appid, apikey: r.result.appkey };
    expect(await py.call({ action: 'Encrypt', path, v1: true, ...stranger, payload: { cmk_base64: cmk, plaintext: 'x' } })).toEqual({
      code: 500,
      message: 'Server exception.',
      result: {},
    });
    // The keyspecs v1 promised "later" are made (test/ehsm/doc-v1.e2e.ts uses each); a keyspec
    // number beyond the table, or an EXTERNAL_KEY (v1 could never fill one), is the enclave's 500.
    const t = Buffer.from(raw);
    t.writeUInt32LE(99, 0);
    expect(await call('Encrypt', { cmk_base64: b64(t), plaintext: 'x' })).toEqual({ code: 500, message: 'Server exception.', result: {} });
    expect(await call('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EXTERNAL_KEY' })).toMatchObject({ code: 500 });
  });

  it('still opens blobs of the earlier layout (the raw AES-128 key sealed under the master key), with that very key', async () => {
    // The layout this gateway issued before blobs were sealed by the core: header ‖ seal(raw key).
    const sealer = new Sealer(Buffer.from(readFileSync(join(gw.dataDir, 'master.key'), 'utf8').trim(), 'base64'));
    const header = Buffer.alloc(36);
    const raw = randomBytes(16);
    const aad = Buffer.concat([Buffer.from('ehsm-v1-cmk\u0000', 'utf8'), header, Buffer.from(v1app.appid, 'utf8')]);
    const cmk = b64(Buffer.concat([header, sealer.seal('key-blob', raw, aad)]));
    const enc = await call('Encrypt', { cmk_base64: cmk, plaintext: 'old blob', aad: 'x' });
    expect(enc).toMatchObject({ code: 200 });
    const blob = unb64(enc.result.ciphertext_base64);
    const d = createDecipheriv('aes-128-gcm', raw, blob.subarray(-28, -16));
    d.setAAD(Buffer.from('x'));
    d.setAuthTag(blob.subarray(-16));
    expect(Buffer.concat([d.update(blob.subarray(0, -28)), d.final()]).toString()).toBe('old blob');
    expect((await call('Decrypt', { cmk_base64: cmk, ciphertext_base64: enc.result.ciphertext_base64, aad: 'x' })).result).toEqual({ plaintext_base64: b64('old blob') });
  });

  it('speaks v1 auth and validation', async () => {
    expect(await call('CreateKey', { keyspec: 'EH_AES_GCM_512', origin: 'EH_INTERNAL_KEY' })).toEqual({ code: 400, message: 'The keyspec type is incorrect', result: {} });
    expect(await call('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'NOPE' })).toMatchObject({ message: 'The origin type is incorrect' });
    expect(await call('Encrypt', { cmk_base64: 'x', plaintext: 'p', aad: 'a'.repeat(33) })).toMatchObject({ code: 400, message: 'aad length error' });
    expect(await call('Encrypt', { cmk_base64: 'x', plaintext: 12 })).toMatchObject({ message: 'plaintext must be of string type' });
    expect(await call('GenerateDataKey', { cmk_base64: 'x', keylen: 2000 })).toMatchObject({ message: 'keylen must be between 1 and 1024' });
    expect(await call('GenerateDataKey', { cmk_base64: 'x', keylen: '16' })).toMatchObject({ message: 'keylen must be of integer type' });
    expect(await call('Encrypt', { cmk_base64: 'x' })).toMatchObject({ message: 'Missing required parameters' });
    expect(await call('NoSuch', {})).toEqual({ code: 404, message: 'Not Fount', result: {} });
    expect(await call('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY' }, { sign: b64(randomBytes(32)) })).toMatchObject({ message: 'sign error' });
    expect(await call('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY' }, { appid: 'nobody' })).toMatchObject({ message: 'Appid not found' });
    await pause();
    expect(await py.call({ action: 'CreateKey', path, v1: true, ...v1app })).toMatchObject({ code: 400, message: 'Missing required parameters' });
    // v1's nonce is the timestamp: the same millisecond twice is a replay, whatever else differs.
    const timestamp = String(Date.now() + 5);
    await new Promise((r) => setTimeout(r, 10));
    expect(await v1('CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY' }, { timestamp })).toMatchObject({ code: 200 });
    expect(await v1('Encrypt', { cmk_base64: 'x', plaintext: 'p' }, { timestamp })).toEqual({ code: 400, message: "Timestamp can't be repeated in 20 minutes", result: {} });
  });
});

describe('the server log', () => {
  it('holds no error line and no apikey', () => {
    const out = gw.output();
    expect(out).not.toMatch(/"level":(50|60)/);
    expect(out).not.toContain(app.apikey);
  });
});

describeRefusals(['EH_SM4_CTR', 'EH_SM4_CBC', 'EH_SM2']);
