import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HemClient } from './encedo/hem-client';
import { NOT_ON_SOFTHSM, ON_PKCS11, backendHolds, describeRefusals, noteRefusal } from './support/backend';
import { signedEhsmBody } from './support/ehsm-sign';
import { cli, startGateway, type Gateway } from './support/server';

/**
 * The key lifecycle through every dialect over real HTTP, with the admin CLI doing the lifecycle
 * (`key rotate`, `key min-decrypt-version`, `key schedule-deletion`, `key cancel-deletion`,
 * `lifecycle run --at`, `key alias set`) on the store under the running gateway: what a client
 * made before a rotation keeps opening and verifying through its own dialect, what it makes after
 * uses the new version; a key pending deletion or disabled gets each dialect's invalid-state
 * answer, and once destroyed each dialect's not-found one; aliases are JOSE kids.
 */
const PASS = 'lifecycle passphrase';
const TENANT = 'life';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const hex = (uuid: string) => uuid.replace(/-/g, '');
const uuidOf = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
const DAY = 86_400_000;
/** Tests that run the admin CLI a dozen times: each run starts a kernel (about 1-3 s on a busy machine). */
const CLI_HEAVY = 240_000;

let gw: Gateway;
let token: string;
let app: { appid: string; apikey: string };
let hem: HemClient;

beforeAll(async () => {
  // The CLI changes keys under the running gateway: no cache staleness, and no scheduler of its own.
  gw = await startGateway({ KMS_CACHE_TTL_MS: '0', KMS_LIFECYCLE_INTERVAL_MS: '0' });
  expect((await cli(gw.dataDir, ['tenant', 'create', TENANT])).code).toBe(0);
  token = (await cli(gw.dataDir, ['credential', 'jose', TENANT])).json.token;
  app = (await cli(gw.dataDir, ['credential', 'ehsm', TENANT])).json;
  const file = join(gw.dataDir, 'pass.txt');
  writeFileSync(file, PASS);
  expect((await cli(gw.dataDir, ['credential', 'encedo', TENANT, '--passphrase-file', file])).code).toBe(0);
  hem = new HemClient(gw.url, PASS);
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

async function ehsm(action: string, payload: Record<string, unknown>) {
  const res = await fetch(`${gw.url}/ehsm?Action=${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: signedEhsmBody(app, payload) });
  expect(res.status).toBe(200);
  return (await res.json()) as { code: number; message: string; result: any };
}
async function jose(path: string, body?: unknown, method = 'POST') {
  const res = await fetch(`${gw.url}/v1/crypto/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}
async function hemCreate(type: string, label: string, mode?: string): Promise<string> {
  const r = await hem.call('POST', '/api/keymgmt/create', { label, type, ...(mode ? { mode } : {}) }, await hem.token('keymgmt:gen'));
  expect(r.status).toBe(200);
  return r.body.kid;
}
/** Every HEM-visible key of the tenant, paging as the vendor's clients do (15 a page). */
async function hemList(): Promise<Array<{ kid: string; label: string }>> {
  const all: Array<{ kid: string; label: string }> = [];
  for (let offset = 0, total = 1; offset < total;) {
    const page = (await hem.call('GET', `/api/keymgmt/list/${offset}/15`, undefined, await hem.token('keymgmt:list'))).body;
    all.push(...page.list);
    total = page.total;
    offset += page.listed;
  }
  return all;
}
async function cliOk(args: string[]) {
  const r = await cli(gw.dataDir, args);
  expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 0, '']);
  return r.json;
}
const spkiKey = (b64der: string) => createPublicKey({ key: Buffer.from(b64der, 'base64'), format: 'der', type: 'spki' });
const derVerifies = (key: KeyObject, msg: Buffer, sig: Buffer) => nodeVerify('sha256', msg, key, sig);
const rawVerifies = (key: KeyObject, msg: Buffer, sig: Buffer) => nodeVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig);
const header = (protectedB64: string) => JSON.parse(Buffer.from(protectedB64, 'base64url').toString()) as Record<string, unknown>;

const msg = Buffer.from('made before the rotation');
const aad = b64('lifecycle aad');
const ehsmSign = (keyid: string, message: Buffer) =>
  ehsm('Sign', { keyid, message: b64(message), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1' });
const ehsmVerify = async (keyid: string, message: Buffer, signature: string) =>
  (await ehsm('Verify', { keyid, message: b64(message), message_type: 'EH_RAW', digest_mode: 'EH_SHA_256', padding_mode: 'EH_RSA_PKCS1', signature })).result?.result;

it(
  'what each dialect made before a rotation still opens and verifies through it; what it makes after uses the new version',
  async () => {
    // eHSM: Encrypt under an AES-GCM key, Sign under an EC key.
    const eAes = (await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' })).result.keyid as string;
    const eEc = (await ehsm('CreateKey', { keyspec: 'EH_EC_P256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_SIGN_VERIFY' })).result.keyid as string;
    const ct1 = (await ehsm('Encrypt', { keyid: eAes, plaintext: b64(msg), aad })).result.ciphertext as string;
    const sig1 = (await ehsmSign(eEc, msg)).result.signature as string;
    const pem1 = (await ehsm('GetPublicKey', { keyid: eEc })).result.pubkey as string;
    // JOSE: a dir A256GCM JWE and an ES256 JWS.
    const jOct = (await jose('keys', { kty: 'oct', alg: 'A256GCM' })).json.kid as string;
    const jEc = (await jose('keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' })).json.kid as string;
    const data = b64u(msg);
    const jwe1 = (await jose('encrypt', { kid: jOct, alg: 'dir', enc: 'A256GCM', data })).json;
    const jws1 = (await jose('sign', { kid: jEc, alg: 'ES256', data })).json;
    // Encedo: AES-GCM cipher, ECDSA sign and HMAC.
    const hAes = await hemCreate('AES256', 'life-aes');
    const hEc = await hemCreate('SECP256R1', 'life-ec', 'ExDSA');
    const hMac = await hemCreate('SHA2-256', 'life-mac');
    const c1 = (await hem.use(hAes, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64(msg) })).body;
    const hs1 = (await hem.use(hEc, '/api/crypto/exdsa/sign', { alg: 'SHA256WithECDSA', msg: b64(msg) })).body.sign as string;
    const m1 = (await hem.use(hMac, '/api/crypto/hmac/hash', { msg: b64(msg) })).body.mac as string;
    const pub1 = (await hem.call('GET', `/api/keymgmt/get/${hEc}`, undefined, await hem.token('keymgmt:get'))).body.pubkey as string;

    const publicKeys: Record<string, KeyObject[]> = {};
    for (const id of [eAes, eEc, jOct, jEc, uuidOf(hAes), uuidOf(hEc), uuidOf(hMac)]) {
      const rotated = await cliOk(['key', 'rotate', id]);
      // Every key is on the backend under test (SoftHSM2 holds AES, P-256 and HMAC keys), now at version 2 of 2.
      expect([id, rotated.backend, rotated.currentVersion, rotated.versions.map((v: { version: number }) => v.version)]).toEqual([id, ON_PKCS11 ? 'pkcs11' : 'soft', 2, [1, 2]]);
      publicKeys[id] = rotated.versions.flatMap((v: { publicKey: string | null }) => (v.publicKey ? [spkiKey(v.publicKey)] : []));
    }
    // The core's version listing says the same.
    const listing = await cliOk(['key', 'versions', eEc]);
    expect(listing).toMatchObject({ id: eEc, currentVersion: 2, minDecryptVersion: 1 });
    expect(
      listing.versions.map((v: { version: number; state: string; publicKey: string }) => [v.version, v.state, spkiKey(v.publicKey).equals(publicKeys[eEc][v.version - 1])]),
    ).toEqual([
      [1, 'enabled', true],
      [2, 'enabled', true],
    ]);

    // Before: everything still opens and verifies, each through its own dialect.
    expect(Buffer.from((await ehsm('Decrypt', { keyid: eAes, ciphertext: ct1, aad })).result.plaintext, 'base64').equals(msg)).toBe(true);
    expect(await ehsmVerify(eEc, msg, sig1)).toBe(true);
    expect((await jose('decrypt', jwe1)).json).toEqual({ kid: jOct, data });
    expect((await jose('verify', { ...jws1, data })).json).toEqual({ kid: `${jEc}_pk`, valid: true });
    const dec = await hem.use(hAes, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: c1.ciphertext, iv: c1.iv, tag: c1.tag });
    expect([dec.status, dec.body?.plaintext]).toEqual([200, b64(msg)]);
    expect((await hem.use(hEc, '/api/crypto/exdsa/verify', { alg: 'SHA256WithECDSA', msg: b64(msg), sign: hs1 })).status).toBe(200);
    expect((await hem.use(hMac, '/api/crypto/hmac/verify', { msg: b64(msg), mac: m1 })).status).toBe(200);

    // After: new ciphertexts, signatures and MACs.
    const ct2 = (await ehsm('Encrypt', { keyid: eAes, plaintext: b64(msg), aad })).result.ciphertext as string;
    const sig2 = (await ehsmSign(eEc, msg)).result.signature as string;
    const pem2 = (await ehsm('GetPublicKey', { keyid: eEc })).result.pubkey as string;
    const jwe2 = (await jose('encrypt', { kid: jOct, alg: 'dir', enc: 'A256GCM', data })).json;
    const jws2 = (await jose('sign', { kid: jEc, alg: 'ES256', data })).json;
    const c2 = (await hem.use(hAes, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64(msg) })).body;
    const hs2 = (await hem.use(hEc, '/api/crypto/exdsa/sign', { alg: 'SHA256WithECDSA', msg: b64(msg) })).body.sign as string;
    const m2 = (await hem.use(hMac, '/api/crypto/hmac/hash', { msg: b64(msg) })).body.mac as string;
    const pub2 = (await hem.call('GET', `/api/keymgmt/get/${hEc}`, undefined, await hem.token('keymgmt:get'))).body.pubkey as string;

    // Signatures: each made by its version's key, as the core shows them.
    const [ehsmV1, ehsmV2] = publicKeys[eEc];
    expect(createPublicKey(pem1).equals(ehsmV1)).toBe(true);
    // GetPublicKey answers the current version.
    expect(createPublicKey(pem2).equals(ehsmV2)).toBe(true);
    const signed = (s: string) => Buffer.from(s, 'base64');
    expect([derVerifies(ehsmV1, msg, signed(sig1)), derVerifies(ehsmV2, msg, signed(sig2)), derVerifies(ehsmV1, msg, signed(sig2))]).toEqual([true, true, false]);
    const [joseV1, joseV2] = publicKeys[jEc];
    const input = (jws: { protected: string }) => Buffer.from(`${jws.protected}.${data}`);
    const jsig = (jws: { signature: string }) => Buffer.from(jws.signature, 'base64url');
    expect([rawVerifies(joseV1, input(jws1), jsig(jws1)), rawVerifies(joseV2, input(jws2), jsig(jws2)), rawVerifies(joseV1, input(jws2), jsig(jws2))]).toEqual([true, true, false]);
    // JOSE says which version it used: nothing before the rotation, `kv` 2 after.
    expect([header(jws1.protected).kv, header(jws2.protected).kv, header(jwe1.protected).kv, header(jwe2.protected).kv]).toEqual([undefined, 2, undefined, 2]);
    const [hemV1, hemV2] = publicKeys[uuidOf(hEc)];
    expect([rawVerifies(hemV1, msg, signed(hs1)), rawVerifies(hemV2, msg, signed(hs2)), rawVerifies(hemV1, msg, signed(hs2))]).toEqual([true, true, false]);
    // The HEM's `get` answers the current version's point (compressed: its x is the SPKI's).
    const xOf = (k: KeyObject) => k.export({ format: 'der', type: 'spki' }).subarray(-64, -32);
    expect([signed(pub1).subarray(1).equals(xOf(hemV1)), signed(pub2).subarray(1).equals(xOf(hemV2))]).toEqual([true, true]);
    expect(await ehsmVerify(eEc, msg, sig2)).toBe(true);
    expect((await jose('verify', { ...jws2, data })).json).toEqual({ kid: `${jEc}_pk`, valid: true });
    expect((await hem.use(hEc, '/api/crypto/exdsa/verify', { alg: 'SHA256WithECDSA', msg: b64(msg), sign: hs2 })).status).toBe(200);

    // Ciphertexts and MACs: with version 1 no longer allowed to decrypt, only the new ones open.
    for (const id of [eAes, jOct, uuidOf(hAes), uuidOf(hMac)]) expect((await cliOk(['key', 'min-decrypt-version', id, '2'])).minDecryptVersion).toBe(2);
    expect(await ehsm('Decrypt', { keyid: eAes, ciphertext: ct1, aad })).toMatchObject({
      code: 400,
      message: 'Decryption failed, Please confirm that your parameters are correct.',
    });
    expect(Buffer.from((await ehsm('Decrypt', { keyid: eAes, ciphertext: ct2, aad })).result.plaintext, 'base64').equals(msg)).toBe(true);
    expect((await jose('decrypt', jwe1)).status).toBe(422);
    expect((await jose('decrypt', jwe2)).json).toEqual({ kid: jOct, data });
    expect((await hem.use(hAes, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: c1.ciphertext, iv: c1.iv, tag: c1.tag })).status).toBe(406);
    expect((await hem.use(hAes, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: c2.ciphertext, iv: c2.iv, tag: c2.tag })).body?.plaintext).toBe(b64(msg));
    expect((await hem.use(hMac, '/api/crypto/hmac/verify', { msg: b64(msg), mac: m1 })).status).toBe(406);
    expect((await hem.use(hMac, '/api/crypto/hmac/verify', { msg: b64(msg), mac: m2 })).status).toBe(200);
  },
  CLI_HEAVY,
);

if (backendHolds('sm4-128')) {
  it('an eHSM SM4 key cannot be rotated: its ciphertexts carry neither a version nor a tag', async () => {
    const created = await ehsm('CreateKey', { keyspec: 'EH_SM4_CBC', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
    const refused = await cli(gw.dataDir, ['key', 'rotate', created.result.keyid]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('an SM4 key cannot be rotated')]);
    expect((await cliOk(['key', 'versions', created.result.keyid])).currentVersion).toBe(1);
    const ct = (await ehsm('Encrypt', { keyid: created.result.keyid, plaintext: b64(msg) })).result.ciphertext as string;
    expect(Buffer.from((await ehsm('Decrypt', { keyid: created.result.keyid, ciphertext: ct })).result.plaintext, 'base64').equals(msg)).toBe(true);
  });
} else {
  it(`an eHSM SM4 key (never rotated) is refused by this backend: CreateKey answers unsupported (${NOT_ON_SOFTHSM['sm4-128']})`, async () => {
    const created = await ehsm('CreateKey', { keyspec: 'EH_SM4_CBC', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' });
    expect(created).toEqual({ code: 500, message: 'Server exception.', result: {} });
    noteRefusal('EH_SM4_CBC', NOT_ON_SOFTHSM['sm4-128']);
  });
}

it(
  "a key pending deletion gets each dialect's invalid-state answer; cancelled it is disabled; destroyed when its window ends, each dialect no longer finds it",
  async () => {
    // One AES-256 key, made through eHSM, used through all three dialects.
    const keyid = (await ehsm('CreateKey', { keyspec: 'EH_AES_GCM_256', origin: 'EH_INTERNAL_KEY', keyusage: 'EH_KEYUSAGE_ENCRYPT_DECRYPT' })).result.keyid as string;
    const kid = hex(keyid);
    const data = b64u('short-lived');
    const encrypt = {
      ehsm: () => ehsm('Encrypt', { keyid, plaintext: b64('short-lived') }),
      jose: () => jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data }),
      hem: () => hem.use(kid, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg: b64('short-lived') }),
    };
    const jwe = (await encrypt.jose()).json;
    expect((await encrypt.ehsm()).code).toBe(200);
    expect((await encrypt.hem()).status).toBe(200);
    const hemGet = async () => (await hem.call('GET', `/api/keymgmt/get/${kid}`, undefined, await hem.token('keymgmt:get'))).status;
    /** Each dialect's answer to using the key, to decrypting what it made, and (HEM) to looking it up. */
    const answers = async () => {
      const e = await encrypt.ehsm();
      const j = await encrypt.jose();
      const jd = await jose('decrypt', jwe);
      return { ehsm: [e.code, e.message], jose: [j.status, j.json.error], joseDecrypt: [jd.status, jd.json.error], hem: (await encrypt.hem()).status, hemGet: await hemGet() };
    };
    const invalidState = { ehsm: [400, 'keyid is disabled'], jose: [422, 'crypto_failure'], joseDecrypt: [422, 'crypto_failure'], hem: 406, hemGet: 200 };

    const t0 = Date.now();
    const scheduled = await cliOk(['key', 'schedule-deletion', keyid, '--days', '7']);
    expect(scheduled).toMatchObject({ state: 'pending_deletion' });
    expect(scheduled.deletionAt).toBeGreaterThanOrEqual(t0 + 7 * DAY);
    expect(await answers()).toEqual(invalidState);
    expect((await jose('encrypt', { kid: keyid, alg: 'dir', enc: 'A256GCM', data })).json.description).toBe('the key is pending deletion');
    // eHSM lists it as not usable (keyState 0), as a disabled key.
    const listed = (await ehsm('ListKey', {})).result.list.find((k: { keyid: string }) => k.keyid === keyid);
    expect(listed.keyState).toBe(0);

    // Cancelled, the key is disabled: the same answers, until it is enabled again.
    expect(await cliOk(['key', 'cancel-deletion', keyid])).toMatchObject({ state: 'disabled', deletionAt: null });
    expect(await answers()).toEqual(invalidState);
    expect((await ehsm('EnableKey', { keyid })).code).toBe(200);
    expect((await encrypt.jose()).status).toBe(200);
    expect((await encrypt.hem()).status).toBe(200);

    // Scheduled again: a run before the window ends does nothing; one after it destroys the key.
    await cliOk(['key', 'schedule-deletion', keyid, '--days', '7']);
    const early = await cliOk(['lifecycle', 'run', '--at', new Date(t0 + 6 * DAY).toISOString()]);
    expect(early.destroyed).not.toContain(keyid);
    expect(await answers()).toEqual(invalidState);
    const due = await cliOk(['lifecycle', 'run', '--at', new Date(Date.now() + 8 * DAY).toISOString()]);
    expect(due.destroyed).toContain(keyid);
    expect((await cliOk(['key', 'show', keyid])).state).toBe('destroyed');
    expect(await answers()).toEqual({
      ehsm: [400, 'keyid error'],
      jose: [404, 'not_found'],
      joseDecrypt: [404, 'not_found'],
      // HEM's unknown KID.
      hem: 406,
      hemGet: 406,
    });
    expect((await hemList()).map((k) => k.kid)).not.toContain(kid);
  },
  CLI_HEAVY,
);

it(
  'an alias made with the CLI is a JOSE kid; the headers name the key itself, so the alias may move on',
  async () => {
    const first = (await jose('keys', { kty: 'oct', alg: 'A256GCM' })).json.kid as string;
    const second = (await jose('keys', { kty: 'oct', alg: 'A256GCM' })).json.kid as string;
    const ec = (await jose('keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' })).json.kid as string;
    await cliOk(['key', 'alias', 'set', TENANT, 'orders', first]);
    await cliOk(['key', 'alias', 'set', TENANT, 'signer', ec]);
    const data = b64u('by name');
    const jwe = (await jose('encrypt', { kid: 'orders', alg: 'dir', enc: 'A256GCM', data })).json;
    expect(header(jwe.protected)).toEqual({ alg: 'dir', enc: 'A256GCM', kid: first });
    expect((await jose('decrypt', jwe)).json).toEqual({ kid: first, data });
    expect((await jose('decrypt', { ...jwe, kid: 'orders' })).json).toEqual({ kid: 'orders', data });
    const jws = (await jose('sign', { kid: 'signer', alg: 'ES256', data })).json;
    expect(header(jws.protected)).toEqual({ alg: 'ES256', kid: `${ec}_pk` });
    expect((await jose('verify', { ...jws, data })).json.valid).toBe(true);
    expect((await jose('keys/signer', undefined, 'GET')).json).toMatchObject({ kid: `${ec}_pk`, kv: 1, kty: 'EC' });
    expect((await jose('keys/signer_pk', undefined, 'GET')).json).toMatchObject({ kid: `${ec}_pk`, kv: 1 });

    // Pointed at another key, the alias encrypts under it; what was made under the first still opens.
    await cliOk(['key', 'alias', 'set', TENANT, 'orders', second]);
    const again = (await jose('encrypt', { kid: 'orders', alg: 'dir', enc: 'A256GCM', data })).json;
    expect(header(again.protected).kid).toBe(second);
    expect((await jose('decrypt', jwe)).json).toEqual({ kid: first, data });
    expect((await cliOk(['key', 'alias', 'list', TENANT])).map((a: { name: string; keyId: string }) => [a.name, a.keyId])).toEqual(
      expect.arrayContaining([
        ['orders', second],
        ['signer', ec],
      ]),
    );
    await cliOk(['key', 'alias', 'rm', TENANT, 'orders']);
    expect((await jose('encrypt', { kid: 'orders', alg: 'dir', enc: 'A256GCM', data })).status).toBe(404);
  },
  CLI_HEAVY,
);

it('an Encedo label names its key for the other dialects when the name is free, and follows a relabel', async () => {
  const aes = await hemCreate('AES256', 'hem-named');
  const twin = await hemCreate('AES256', 'hem-named');
  const data = b64u('through the label');
  // The first key labelled so took the name; the second keeps its label on the HEM only.
  const jwe = (await jose('encrypt', { kid: 'hem-named', alg: 'dir', enc: 'A256GCM', data })).json;
  expect(header(jwe.protected).kid).toBe(uuidOf(aes));
  const listed = await hemList();
  expect(listed.filter((k) => k.label === 'hem-named').map((k) => k.kid)).toEqual([aes, twin]);
  // A relabel moves the alias the old label made.
  const upd = await hem.call('POST', '/api/keymgmt/update', { kid: aes, label: 'hem-renamed' }, await hem.token('keymgmt:upd'));
  expect(upd.status).toBe(200);
  expect((await jose('encrypt', { kid: 'hem-named', alg: 'dir', enc: 'A256GCM', data })).status).toBe(404);
  expect(header((await jose('encrypt', { kid: 'hem-renamed', alg: 'dir', enc: 'A256GCM', data })).json.protected).kid).toBe(uuidOf(aes));
  // A name the admin gave first stays the admin's.
  const taken = (await jose('keys', { kty: 'oct', alg: 'A256GCM' })).json.kid as string;
  await cliOk(['key', 'alias', 'set', TENANT, 'admin-name', taken]);
  await hemCreate('AES256', 'admin-name');
  expect(header((await jose('encrypt', { kid: 'admin-name', alg: 'dir', enc: 'A256GCM', data })).json.protected).kid).toBe(taken);
  // The HEM's own answers are the device's: labels as given, several keys per label, by KID.
  const relisted = await hemList();
  expect(relisted.filter((k) => [aes, twin].includes(k.kid)).map((k) => k.label)).toEqual(['hem-renamed', 'hem-named']);
  expect(relisted.filter((k) => k.label === 'admin-name')).toHaveLength(1);
});

describeRefusals(['EH_SM4_CBC']);
