import { constants, createHash, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { startGateway, type Gateway } from '../support/server';
import { type App, PyClient, type PyRequest } from './py-client';
import { backendHolds, describeRefusals, noteRefusal, NOT_ON_SOFTHSM } from '../support/backend';

/**
 * What Intel's own eHSM-KMS clients (intel/ehsm 3454cac: sdk/python with its server_tests and CLI,
 * sdk/go kms_test.go, sdk/rust src/test.rs, and the older REST scripts under test/) send and
 * expect, replayed through the standard-library client test/ehsm/client.py with its `style`
 * option, which builds, signs and orders each body the way that SDK does. Each case here is a
 * mismatch found by running those clients against the gateway, or a habit the notes flag; the
 * vendor code itself is not needed (CI cannot fetch it).
 */

type Style = NonNullable<PyRequest['style']>;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64');
/** Go's base64.StdEncoding / the Rust SDK's base64 0.13 STANDARD check: padded, standard alphabet. */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ENC = 'EH_KEYUSAGE_ENCRYPT_DECRYPT';
const SIG = 'EH_KEYUSAGE_SIGN_VERIFY';

let gw: Gateway;
let py: PyClient;
let app: App;

const as = (style: Style, action: string, payload?: Record<string, unknown>, who: App = app) =>
  py.call({ style, action, appid: who.appid, apikey: who.apikey, ...(payload === undefined ? {} : { payload }) });

async function createKey(style: Style, keyspec: string, keyusage: string, origin = 'EH_INTERNAL_KEY'): Promise<string> {
  const r = await as(style, 'CreateKey', { keyspec, origin, keyusage });
  expect(r).toMatchObject({ code: 200, message: 'success!' });
  return r.result.keyid;
}

beforeAll(async () => {
  gw = await startGateway();
  py = new PyClient(gw.url);
  // The Python SDK: httpx with base_url ".../ehsm" asks for "/ehsm/?Action=Enroll".
  const r = await py.call({ action: 'Enroll', method: 'GET', path: '/ehsm/' });
  expect(r).toMatchObject({ code: 200, message: 'successful' });
  app = r.result;
}, 60000);

afterAll(async () => {
  await py?.close();
  await gw?.stop();
  gw?.cleanup();
});

describe('Python SDK (ehsm/utils.py prepare_params): empty strings are signed as `k=`', () => {
  // Found with the SDK's CLI: `ehsm encrypt --keyid K --plaintext P` sends its default `--aad ""`,
  // signed as `aad=&keyid=...`, and got "sign error" (the vendor server drops empty values).
  it('Encrypt/Decrypt with the CLI default aad "" round-trip', async () => {
    const keyid = await createKey('python-sdk', 'EH_AES_GCM_128', ENC);
    const enc = await as('python-sdk', 'Encrypt', { aad: '', keyid, plaintext: b64('hello') });
    expect(enc).toMatchObject({ code: 200, message: 'success!' });
    const dec = await as('python-sdk', 'Decrypt', { aad: '', keyid, ciphertext: enc.result.ciphertext });
    expect(dec).toEqual({ code: 200, message: 'success!', result: { plaintext: b64('hello') } });
    // The same request from a client that leaves the empty aad out of the string (the server's own rule) works too.
    expect(await py.call({ action: 'Decrypt', appid: app.appid, apikey: app.apikey, payload: { aad: '', keyid, ciphertext: enc.result.ciphertext } })).toMatchObject({ code: 200 });
  });

  it('export_data_key(aad="", ..., old_data_key, ukeyid, padding_mode) as the SDK sends it', async () => {
    const cmk = await createKey('python-sdk', 'EH_AES_GCM_256', ENC);
    const ukey = await createKey('python-sdk', 'EH_RSA_2048', ENC);
    const gen = await as('python-sdk', 'GenerateDataKey', { aad: '', keyid: cmk, keylen: 32 });
    expect(gen).toMatchObject({ code: 200 });
    const exp = await as('python-sdk', 'ExportDataKey', { aad: '', keyid: cmk, old_data_key: gen.result.ciphertext, ukeyid: ukey, padding_mode: 'EH_RSA_PKCS1_OAEP' });
    expect(exp).toMatchObject({ code: 200, message: 'success!' });
    const back = await as('python-sdk', 'AsymmetricDecrypt', { keyid: ukey, ciphertext: exp.result.newdatakey, padding_mode: 'EH_RSA_PKCS1_OAEP' });
    expect(back.result.plaintext).toBe(gen.result.plaintext);
  });

  it('create_secret(description="") and update_secret_description(description="")', async () => {
    const name = `s ${randomBytes(4).toString('hex')} &=+%`;
    expect(await as('python-sdk', 'CreateSecret', { secretName: name, secretData: 'd a=t&a', description: '' })).toMatchObject({
      code: 200,
      message: `The ${name} create success.`,
    });
    expect(await as('python-sdk', 'UpdateSecretDesc', { secretName: name, description: '' })).toMatchObject({ code: 200 });
    expect(await as('python-sdk', 'GetSecretValue', { secretName: name })).toMatchObject({ code: 200, result: { secretName: name, secretData: 'd a=t&a', versionId: 1 } });
  });

  it('still refuses a wrong apikey and a body other than the one signed', async () => {
    const keyid = await createKey('python-sdk', 'EH_AES_GCM_128', ENC);
    const payload = { aad: '', keyid, plaintext: b64('x') };
    expect(await as('python-sdk', 'Encrypt', payload, { appid: app.appid, apikey: 'x'.repeat(32) })).toEqual({ code: 400, message: 'sign error', result: {} });
    const sent = (override: Record<string, unknown>) =>
      py.call({ style: 'python-sdk', action: 'Encrypt', appid: app.appid, apikey: app.apikey, payload, override: { payload: override } });
    expect(await sent({ ...payload, aad: b64('a') })).toEqual({ code: 400, message: 'sign error', result: {} });
    expect(await sent({ ...payload, plaintext: b64('y') })).toEqual({ code: 400, message: 'sign error', result: {} });
    expect(await sent({ keyid, plaintext: b64('x') })).toEqual({ code: 400, message: 'sign error', result: {} });
    expect(await sent(payload)).toMatchObject({ code: 200 });
  });

  it('ListKey items carry every field the SDK model requires (keyid, alias, keyspec, keyState, creationDate, expireTime)', async () => {
    const r = await as('python-sdk', 'ListKey');
    expect(r).toMatchObject({ code: 200, message: 'successful' });
    expect(r.result.list.length).toBeGreaterThan(0);
    for (const item of r.result.list) {
      expect(item).toEqual(
        expect.objectContaining({
          keyid: expect.any(String),
          alias: '',
          keyspec: expect.any(String),
          keyState: expect.any(Number),
          creationDate: expect.any(Number),
          expireTime: expect.any(Number),
        }),
      );
    }
  });
});

describe('Rust SDK (src/client.rs): numeric nonce, quotes stripped, PKCS#1 PEM, standard base64 token', () => {
  // Found replaying test_import_key: import_key_material() refuses an importToken that is not
  // standard base64 (`is_base64(import_token)`), and the gateway's was `base64url.base64url`.
  it.each([
    ['EH_AES_GCM_128', 16, 'EH_RSA_PKCS1'],
    ['EH_AES_GCM_192', 24, 'EH_RSA_PKCS1_OAEP'],
    ['EH_AES_GCM_256', 32, 'EH_RSA_PKCS1_OAEP'],
  ])('BYOK %s (%i bytes) wrapped with %s', async (keyspec, size, padding) => {
    const keyid = await createKey('rust', keyspec, ENC, 'EH_EXTERNAL_KEY');
    const params = await as('rust', 'GetParametersForImport', { keyid, keyspec: 'EH_RSA_2048' });
    expect(params).toMatchObject({ code: 200 });
    const { pubkey, importToken } = params.result;
    expect(importToken).toMatch(STD_BASE64);
    expect(pubkey).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/); // Rsa::public_key_from_pem_pkcs1
    const key = createPublicKey({ key: pubkey, format: 'pem', type: 'pkcs1' });
    const material = publicEncrypt(
      padding === 'EH_RSA_PKCS1' ? { key, padding: constants.RSA_PKCS1_PADDING } : { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      randomBytes(size),
    );
    expect(await as('rust', 'ImportKeyMaterial', { keyid, padding_mode: padding, key_material: b64(material), importToken })).toEqual({
      code: 200,
      message: 'success!',
      result: { result: true },
    });
    const enc = await as('rust', 'Encrypt', { keyid, plaintext: b64('unit test'), aad: b64('aad') });
    const dec = await as('rust', 'Decrypt', { keyid, ciphertext: enc.result.ciphertext, aad: b64('aad') });
    expect(unb64(dec.result.plaintext).toString()).toBe('unit test');
  });

  it('still reads a token in the unwrapped form earlier builds handed out', async () => {
    const keyid = await createKey('rust', 'EH_AES_GCM_256', ENC, 'EH_EXTERNAL_KEY');
    const { pubkey, importToken } = (await as('rust', 'GetParametersForImport', { keyid, keyspec: 'EH_RSA_3072' })).result;
    const legacy = unb64(importToken).toString('utf8');
    expect(legacy).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const material = publicEncrypt({ key: pubkey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32));
    expect(await as('rust', 'ImportKeyMaterial', { keyid, padding_mode: 'EH_RSA_PKCS1_OAEP', key_material: b64(material), importToken: legacy })).toMatchObject({
      code: 200,
      result: { result: true },
    });
  });

  it('GetPublicKey: RSA as PKCS#1, EC as SPKI, for either key usage', async () => {
    for (const usage of [SIG, ENC]) {
      const rsa = await createKey('rust', 'EH_RSA_3072', usage);
      expect((await as('rust', 'GetPublicKey', { keyid: rsa })).result.pubkey).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n[\s\S]+-----END RSA PUBLIC KEY-----\n$/);
      const ec = await createKey('rust', 'EH_EC_P256K', usage);
      expect((await as('rust', 'GetPublicKey', { keyid: ec })).result.pubkey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    }
  });

  it('signs its keylen as a JSON number and a 20-digit nonce as a string', async () => {
    const keyid = await createKey('rust', 'EH_AES_GCM_128', ENC);
    const nonce = '18446744073709551615';
    const r = await py.call({
      style: 'rust',
      action: 'GenerateDataKeyWithoutPlaintext',
      appid: app.appid,
      apikey: app.apikey,
      nonce,
      payload: { aad: b64('aad'), keyid, keylen: 48 },
    });
    expect(r).toMatchObject({ code: 200, message: 'success!' });
    // The same nonce and a new timestamp is a new request.
    expect(await py.call({ style: 'rust', action: 'ListKey', appid: app.appid, apikey: app.apikey, nonce })).toMatchObject({ code: 200 });
  });
});

describe('Go SDK (client.go): always a payload, no value skipped, errors need a message', () => {
  it('signs "payload":{} for an action without parameters', async () => {
    expect(await as('go', 'ListKey')).toMatchObject({ code: 200, message: 'successful' });
  });

  it('EC keys sign and verify with EH_PAD_NONE, raw and over a SHA-256 digest (TestECSignVerify)', async () => {
    const msg = Buffer.from('test for signature');
    for (const keyspec of ['EH_EC_P224', 'EH_EC_P256', 'EH_EC_P256K', 'EH_EC_P384', 'EH_EC_P521']) {
      const keyid = await createKey('go', keyspec, SIG);
      for (const [type, message] of [
        ['EH_RAW', msg],
        ['EH_DIGEST', createHash('sha256').update(msg).digest()],
      ] as const) {
        // Go's field order: keyid, message, message_type, padding_mode, digest_mode.
        const s = await as('go', 'Sign', { keyid, message: b64(message), message_type: type, padding_mode: 'EH_PAD_NONE', digest_mode: 'EH_SHA_256' });
        expect(s).toMatchObject({ code: 200 });
        const v = await as('go', 'Verify', {
          keyid,
          message: b64(message),
          signature: s.result.signature,
          message_type: type,
          padding_mode: 'EH_PAD_NONE',
          digest_mode: 'EH_SHA_256',
        });
        expect(v).toEqual({ code: 200, message: 'success!', result: { result: true } });
      }
    }
  });

  it('SM2 signs with EH_PAD_NONE and EH_SM3 over an SM3 digest, and encrypts with EH_PAD_NONE', async () => {
    if (!backendHolds('ec-sm2')) {
      expect(await as('go', 'CreateKey', { keyspec: 'EH_SM2', origin: 'EH_INTERNAL_KEY', keyusage: SIG })).toEqual({ code: 500, message: 'Server exception.', result: {} });
      noteRefusal('EH_SM2', NOT_ON_SOFTHSM['ec-sm2']);
      return;
    }
    const msg = Buffer.from('test for signature');
    const keyid = await createKey('go', 'EH_SM2', SIG);
    const digest = createHash('sm3').update(msg).digest();
    for (const [type, message] of [
      ['EH_RAW', msg],
      ['EH_DIGEST', digest],
    ] as const) {
      const s = await as('go', 'Sign', { keyid, message: b64(message), message_type: type, padding_mode: 'EH_PAD_NONE', digest_mode: 'EH_SM3' });
      expect(s).toMatchObject({ code: 200 });
      expect(
        (await as('go', 'Verify', { keyid, message: b64(message), signature: s.result.signature, message_type: type, padding_mode: 'EH_PAD_NONE', digest_mode: 'EH_SM3' })).result,
      ).toEqual({ result: true });
    }
    const enc = await createKey('go', 'EH_SM2', ENC);
    const ct = await as('go', 'AsymmetricEncrypt', { keyid: enc, padding_mode: 'EH_PAD_NONE', plaintext: b64('test for encrypt') });
    expect(unb64((await as('go', 'AsymmetricDecrypt', { keyid: enc, padding_mode: 'EH_PAD_NONE', ciphertext: ct.result.ciphertext })).result.plaintext).toString()).toBe(
      'test for encrypt',
    );
  });

  it('every failure it provokes carries a string message (doPost panics on `respJSON["message"].(string)` otherwise)', async () => {
    const rsa = await createKey('go', 'EH_RSA_2048', SIG);
    const digest = createHash('sha256').update('test for encrypt').digest();
    // TestRSAInvalidPadding and TestInvalidKeyUsage.
    const bad = [
      await as('go', 'Sign', { keyid: rsa, message: b64(digest), message_type: 'EH_DIGEST', padding_mode: 'EH_PAD_NONE', digest_mode: 'EH_SHA_256' }),
      await as('go', 'AsymmetricEncrypt', { keyid: rsa, padding_mode: 'EH_RSA_PKCS1', plaintext: b64('test for encrypt') }),
      await as('go', 'CreateKey', { keyspec: 'EH_AES_GCM_128', origin: 'EH_INTERNAL_KEY', keyusage: SIG }),
      await as('go', 'CreateKey', { keyspec: 'EH_RSA_3071', origin: 'EH_INTERNAL_KEY', keyusage: ENC }),
      await as('go', 'ListKey', {}, { appid: '5c6e4f1a-0000-4000-8000-000000000000', apikey: app.apikey }),
      await as('go', 'ListKey', {}, { appid: app.appid, apikey: 'x'.repeat(32) }),
    ];
    for (const r of bad) {
      expect(r.code).not.toBe(200);
      expect(typeof r.message).toBe('string');
      expect(r.message.length).toBeGreaterThan(0);
    }
  });

  it('GenerateDataKey with an int32 keylen and ExportDataKey with olddatakey_base (Go field order)', async () => {
    const cmk = await createKey('go', 'EH_AES_GCM_256', ENC);
    const ukey = await createKey('go', 'EH_RSA_3072', ENC);
    const gen = await as('go', 'GenerateDataKey', { keyid: cmk, keylen: 48, aad: b64('aad') });
    expect(unb64(gen.result.plaintext)).toHaveLength(48);
    const exp = await as('go', 'ExportDataKey', { keyid: cmk, ukeyid: ukey, olddatakey_base: gen.result.ciphertext, aad: b64('aad') });
    expect(exp).toMatchObject({ code: 200 });
    expect((await as('go', 'AsymmetricDecrypt', { keyid: ukey, padding_mode: 'EH_RSA_PKCS1_OAEP', ciphertext: exp.result.newdatakey })).result.plaintext).toBe(
      gen.result.plaintext,
    );
  });
});

describeRefusals(['EH_SM2']);
