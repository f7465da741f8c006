import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants, createHash, createPublicKey, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startGateway, type Gateway } from '../support/server';

/**
 * The eHSM dialect end to end: the real built gateway, driven by an independent Python client
 * (test/ehsm/client.py, standard library only) that signs requests the way the vendor's clients
 * do. Formats are checked locally with node:crypto wherever a public key allows it.
 */

interface Reply {
  code: number;
  message: string;
  result: any;
}
interface PyRequest {
  action: string;
  method?: 'GET' | 'POST';
  path?: string;
  appid?: string;
  apikey?: string;
  payload?: unknown;
  nonce?: unknown;
  timestamp?: string;
  sign?: string;
  upper?: boolean;
  raw?: string;
  override?: Record<string, unknown>;
}
interface App {
  appid: string;
  apikey: string;
}

/** One long-lived Python process: a JSON request per line in, a JSON answer per line out. */
class PyClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(line: string) => void> = [];
  private stderr = '';

  constructor(private readonly base: string) {
    this.proc = spawn('python3', [join(__dirname, 'client.py'), '--serve'], { stdio: 'pipe' });
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
  }

  async raw(req: PyRequest): Promise<{ status: number; body: Reply | null; text: string }> {
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(`${JSON.stringify({ base: this.base, ...req })}\n`);
    });
    const out = JSON.parse(line);
    if (out.status === 0) throw new Error(`${out.text}\n${this.stderr}`);
    return out;
  }

  /** The eHSM reply, asserting HTTP 200 (the vendor's transport never says anything else). */
  async call(req: PyRequest): Promise<Reply> {
    const out = await this.raw(req);
    expect(out.status).toBe(200);
    expect(out.body).not.toBeNull();
    return out.body!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.stdin.end();
    });
  }
}

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
    // Not served yet: BYOK, ExportDataKey, secrets and quotes.
    expect(await act(app, 'ExportDataKey', { keyid: 'x' })).toMatchObject({ code: 404, message: 'API Not Found' });
  });

  it('answers an invalid JSON body with its envelope', async () => {
    const r = await py.raw({ action: 'ListKey', raw: '{"appid": "x", ' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ code: 400, message: 'Invalid JSON', result: {} });
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
  it.each([
    ['EH_AES_GCM_128', 28],
    ['EH_AES_GCM_192', 28],
    ['EH_AES_GCM_256', 28],
    ['EH_SM4_CTR', 16],
  ])('%s: Encrypt round-trips through Decrypt, ciphertext = ct ‖ iv (‖ tag)', async (keyspec, overhead) => {
    const keyid = await createKey(keyspec, ENC);
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

  it('EH_SM4_CBC pads with PKCS#7 and appends a 16-byte IV', async () => {
    const keyid = await createKey('EH_SM4_CBC', ENC);
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

  it('SM2: signs with SM3 whatever is asked, verifies on the server, and round-trips encryption', async () => {
    const signKey = await createKey('EH_SM2', SIG);
    const pk = await act(app, 'GetPublicKey', { keyid: signKey });
    expect(pk.result.pubkey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const s = await act(app, 'Sign', { keyid: signKey, message: b64(message), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' });
    expect(s).toMatchObject({ code: 200 });
    const verify = (msg: Buffer, digest_mode = 'EH_SM3') =>
      act(app, 'Verify', { keyid: signKey, message: b64(msg), message_type: 'EH_RAW', digest_mode, padding_mode: 'EH_RSA_PKCS1', signature: s.result.signature });
    expect(await verify(message)).toMatchObject({ code: 200, result: { result: true } });
    expect(await verify(Buffer.from('tampered'))).toMatchObject({ code: 200, result: { result: false } });
    expect(await verify(message, 'EH_SHA_256')).toMatchObject({ code: 500, message: 'Server exception.' });

    const encKey = await createKey('EH_SM2', ENC);
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
      expect(k).toEqual({ keyid: expect.any(String), creationDate: expect.any(Number), expireTime: k.creationDate + 365 * 86400000, alias: '', keyspec: k.keyid === a ? 'EH_AES_GCM_128' : 'EH_EC_P256', keyState: 1 });
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
    expect(await m('Sign', { keyid: aes, message: b64('m'), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256' })).toBe('Missing required parameters, The padding_mode cannot be empty.');
  });

  it('a ciphertext that was tampered with does not decrypt', async () => {
    const enc = await act(app, 'Encrypt', { keyid: aes, plaintext: b64('secret') });
    const blob = unb64(enc.result.ciphertext);
    blob[0] ^= 1;
    expect(await act(app, 'Decrypt', { keyid: aes, ciphertext: b64(blob) })).toEqual({ code: 400, message: 'Decryption failed, Please confirm that your parameters are correct.', result: {} });
    expect(await act(app, 'Decrypt', { keyid: aes, ciphertext: b64('short') })).toMatchObject({ code: 400, message: 'Decryption failed, Please confirm that your parameters are correct.' });
  });
});

describe('the server log', () => {
  it('holds no error line and no apikey', () => {
    const out = gw.output();
    expect(out).not.toMatch(/"level":(50|60)/);
    expect(out).not.toContain(app.apikey);
  });
});
