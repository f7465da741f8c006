import { createCipheriv, createDecipheriv, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOT_ON_SOFTHSM, backendHolds, describeRefusals, noteRefusal } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { HemClient } from './hem-client';

/**
 * What the vendor's own clients send and expect, found by running them against the gateway:
 * encedo/hem-api-tester @ e91e790a69ef (T-1, T-10, T-11) and encedo/hem-sdk-js @ 0d063775bf01.
 * Each case replays the client's exact request; none needs their code.
 */
const PASS = 'example passphrase';
const b64 = (b: Buffer) => b.toString('base64');
/** The foreign token TESTER T-1.4 sends (a real device's, long expired, `system:config`). */
const TESTER_DEMO_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6InN5c3RlbTpjb25maWciLCJzdWIiOiJVIiwiaWF0IjoxNjU5NDM2OTYyLCJleHAiOjE2NTk0NjU3NjIsImp0aSI6Im92L29ZcUVQbTRmUitoVmd5Ym1TaFhxdmJUdXRHSzlKTlRhZ1F3eG1yYTA9In0.1-ugkxpfjwwM1tSe9pOayVstSR1IptgT9evlcKO5ny8';

describe('Encedo HEM: what the vendor clients expect', () => {
  let gw: Gateway;
  let hem: HemClient;

  beforeAll(async () => {
    // allow_keysearch on for tenant "acme", as TESTER and the manager need.
    gw = await startGateway({ KMS_ENCEDO_KEYSEARCH_TENANT: 'acme' });
    expect((await cli(gw.dataDir, ['tenant', 'create', 'acme'])).code).toBe(0);
    expect((await cli(gw.dataDir, ['tenant', 'create', 'other'])).code).toBe(0);
    const file = join(gw.dataDir, 'pass.txt');
    writeFileSync(file, `${PASS}\n`);
    expect((await cli(gw.dataDir, ['credential', 'encedo', 'acme', '--passphrase-file', file])).code).toBe(0);
    hem = new HemClient(gw.url, PASS);
  }, 60000);

  afterAll(async () => {
    await gw?.stop();
    gw?.cleanup();
  });

  const create = async (type: string, descr: string, extra: Record<string, unknown> = {}) => {
    const r = await hem.call('POST', '/api/keymgmt/create', { label: `T ${type}`, type, descr: b64(Buffer.from(descr)), ...extra }, await hem.token('keymgmt:gen'));
    expect([type, r.status]).toEqual([type, 200]);
    return r.body.kid as string;
  };
  /** The backend under test (SoftHSM2) cannot hold CURVE25519: keymgmt/create answers 406, recorded. */
  const refusedX25519 = async () => {
    const r = await hem.call('POST', '/api/keymgmt/create', { label: 'T CURVE25519', type: 'CURVE25519' }, await hem.token('keymgmt:gen'));
    expect(['CURVE25519', r.status]).toEqual(['CURVE25519', 406]);
    noteRefusal('CURVE25519', NOT_ON_SOFTHSM['okp-x25519']);
  };

  it('T-1.4: a presented token that is not ours is 401, even on an open route', async () => {
    expect((await hem.call('GET', '/api/system/status', undefined, TESTER_DEMO_TOKEN)).status).toBe(401);
    expect((await hem.call('GET', '/api/system/version', undefined, 'garbage')).status).toBe(401);
    expect((await hem.call('GET', '/api/system/status', undefined, undefined, { Authorization: 'Basic eDp5' })).status).toBe(401);
    // Without a token the open routes stay open, and a valid token does not close them.
    expect((await hem.call('GET', '/api/system/status')).status).toBe(200);
    expect((await hem.call('GET', '/api/system/status', undefined, await hem.token('keymgmt:list'))).status).toBe(200);
    // Keymgmt with the foreign token: 401 (the hook), with empty body and capitalised headers.
    const r = await hem.call('GET', '/api/keymgmt/list', undefined, TESTER_DEMO_TOKEN);
    expect(r.status).toBe(401);
    expect(r.text).toBe('');
    expect(r.rawHeaders).toContain('Content-Type');
  });

  it('T-10.1: /api/keymgmt/derive answers 200 or 406 (TESTER aborts on anything else); a re-run is 406', async () => {
    // TESTER's CURVE25519 source and peer; without X25519 on the backend (SoftHSM2) a P-256 key
    // and a P-256 peer stand in.
    const x25519 = backendHolds('okp-x25519');
    if (!x25519) await refusedX25519();
    const kid = x25519 ? await create('CURVE25519', 'CCTEST:derive-source') : await create('SECP256R1', 'CCTEST:derive-source');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' });
    const pubkey = x25519
      ? 'ndCJcDWdP0qBOzc3He990b3aANV2Z0qaWZZFrnnMYzg='
      : b64(Buffer.concat([Buffer.of(Buffer.from(p256.y!, 'base64url')[31] & 1 ? 3 : 2), Buffer.from(p256.x!, 'base64url')]));
    const body = { label: 'T-10.1 DER AES256 (CURVE25519)', type: 'AES256', descr: b64(Buffer.from('CCTEST:T-10.1_AES256_CURVE25519')), kid, pubkey };
    const gen = await hem.token('keymgmt:gen');
    const first = await hem.call('POST', '/api/keymgmt/derive', body, gen);
    expect(first.status).toBe(200);
    expect(first.body.kid).toMatch(/^[0-9a-f]{32}$/);
    // TESTER's second run derives the same key again: 406, as the device's "key already exists".
    expect((await hem.call('POST', '/api/keymgmt/derive', body, gen)).status).toBe(406);
    // hem-sdk-js deriveKey sends a junk `mode` (the type) as well; an asymmetric target is 406.
    expect((await hem.call('POST', '/api/keymgmt/derive', { ...body, type: 'SHA2-256', mode: 'SHA2-256' }, gen)).status).toBe(200);
    expect((await hem.call('POST', '/api/keymgmt/derive', { ...body, type: 'ED25519', mode: 'ED25519' }, gen)).status).toBe(406);
    // The usual order first: no token 401, wrong scope 403, malformed 400, unknown kid 406.
    expect((await hem.call('POST', '/api/keymgmt/derive', body)).status).toBe(401);
    expect((await hem.call('POST', '/api/keymgmt/derive', body, await hem.token('keymgmt:list'))).status).toBe(403);
    expect((await hem.call('POST', '/api/keymgmt/derive', { ...body, kid: 'xyz' }, gen)).status).toBe(400);
    expect((await hem.call('POST', '/api/keymgmt/derive', { ...body, kid: '0'.repeat(32) }, gen)).status).toBe(406);
    // Two keys appeared, listed under the labels sent.
    const list = await hem.call('GET', '/api/keymgmt/list/0/15', undefined, await hem.token('keymgmt:list'));
    expect(list.body.list.filter((k: { label: string }) => k.label.startsWith('T-10.1 DER'))).toHaveLength(2);
  });

  it("T-11: token-less ^ search lists the allow_keysearch tenant's keys; anything else needs a token", async () => {
    const kid = await create('SHA2-256', 'CCTEST:T-10.1_SHA2-256');
    const needle = `^${b64(Buffer.from('CCTEST:T-10.1_SHA'))}`;
    const r = await hem.call('POST', '/api/keymgmt/search', { descr: needle, offset: 0 });
    expect(r.status).toBe(200);
    expect(r.body.list.map((k: { kid: string }) => k.kid)).toContain(kid);
    expect(r.body).toMatchObject({ offset: 0, total: r.body.listed });
    // Short, unanchored or suffix needles without a token: 401.
    expect((await hem.call('POST', '/api/keymgmt/search', { descr: `^${b64(Buffer.from('CCTES'))}` })).status).toBe(401);
    expect((await hem.call('POST', '/api/keymgmt/search', { descr: b64(Buffer.from('CCTEST:T-10.1_SHA')) })).status).toBe(401);
    expect((await hem.call('POST', '/api/keymgmt/search', { descr: `${b64(Buffer.from('T-10.1_SHA2-256'))}$` })).status).toBe(401);
    // No match → 404, as with a token.
    expect((await hem.call('POST', '/api/keymgmt/search', { descr: `^${b64(Buffer.from('nothing-like-this'))}` })).status).toBe(404);
  });

  it('T-11: without KMS_ENCEDO_KEYSEARCH_TENANT a token-less search is 401', async () => {
    const plain = await startGateway();
    try {
      const c = new HemClient(plain.url, PASS);
      expect((await c.call('POST', '/api/keymgmt/search', { descr: `^${b64(Buffer.from('CCTEST:T-10.1_SHA'))}` })).status).toBe(401);
    } finally {
      await plain.stop();
      plain.cleanup();
    }
  });

  /** The ECDH-mode key of cipher/wrap: HKDF-SHA256(secret, no salt, info ‖ ctx), the alg's width. */
  const hkdf = (secret: Buffer, info: string, ctx: Buffer, bytes: number) =>
    Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.concat([Buffer.from(info), ctx]), bytes));

  it('T-11.5: ECDH-mode cipher and wrap (ext_kid = the key itself, or pubkey; with and without ctx)', async () => {
    const kid = await create('SECP256R1', 'CCTEST:T-10.1_SECP256R1', { mode: 'ECDH,ExDSA' });
    const tokenUse = await hem.token(`keymgmt:use:${kid}`);
    const peer = 'AyH/xovr5aRefadZgVL8+ydEwEa6dzgBXmvPxFv+/LIq'; // TESTER's compressed P-256 point
    for (const who of [{ ext_kid: kid }, { pubkey: peer }]) {
      for (const ctx of [undefined, b64(randomBytes(8))]) {
        const msg = b64(randomBytes(100));
        const base = { kid, ...who, alg: 'AES128-CBC', ...(ctx ? { ctx } : {}) };
        const enc = await hem.call('POST', '/api/crypto/cipher/encrypt', { ...base, msg }, tokenUse);
        expect(enc.status).toBe(200);
        expect(Buffer.from(enc.body.iv, 'base64')).toHaveLength(16);
        const dec = await hem.call('POST', '/api/crypto/cipher/decrypt', { ...base, msg: enc.body.ciphertext, iv: enc.body.iv }, tokenUse);
        expect(dec.status).toBe(200);
        expect(dec.body.plaintext).toBe(msg);

        const key = b64(randomBytes(32));
        const wbase = { kid, ...who, alg: 'AES128', ...(ctx ? { ctx } : {}) };
        const w = await hem.call('POST', '/api/crypto/cipher/wrap', { ...wbase, msg: key }, tokenUse);
        expect(w.status).toBe(200);
        expect(Buffer.from(w.body.wrapped, 'base64')).toHaveLength(40);
        const u = await hem.call('POST', '/api/crypto/cipher/unwrap', { ...wbase, msg: w.body.wrapped }, tokenUse);
        expect(u.status).toBe(200);
        expect(u.body.unwrapped).toBe(key);
      }
    }
    // The KDF, checked from outside with our own peer key: GCM with aad, and the KEK of a wrap.
    if (!backendHolds('okp-x25519')) return refusedX25519();
    const mine = generateKeyPairSync('x25519');
    const xkid = await create('CURVE25519', 'CCTEST:ecdh-mode-kat');
    const t = await hem.token(`keymgmt:use:${xkid}`);
    const g = await hem.call('GET', `/api/keymgmt/get/${xkid}`, undefined, t);
    const theirs = Buffer.from(g.body.pubkey, 'base64');
    const myPub = Buffer.from(mine.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const ecdh = await hem.call('POST', '/api/crypto/ecdh', { kid: xkid, pubkey: b64(myPub) }, t);
    const secret = Buffer.from(ecdh.body.ecdh, 'base64');
    expect(theirs).toHaveLength(32);
    const ctx = randomBytes(5);
    const aad = randomBytes(32);
    const pt = randomBytes(40);
    const enc = await hem.call('POST', '/api/crypto/cipher/encrypt', { kid: xkid, pubkey: b64(myPub), alg: 'AES256-GCM', msg: b64(pt), aad: b64(aad), ctx: b64(ctx) }, t);
    expect(enc.status).toBe(200);
    const d = createDecipheriv('aes-256-gcm', hkdf(secret, 'encedo-aes', ctx, 32), Buffer.from(enc.body.iv, 'base64'), { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(Buffer.from(enc.body.tag, 'base64'));
    expect(Buffer.concat([d.update(Buffer.from(enc.body.ciphertext, 'base64')), d.final()]).equals(pt)).toBe(true);
    const kek = hkdf(secret, 'encedo-kek', Buffer.alloc(0), 24);
    const c = createCipheriv('id-aes192-wrap', kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const wrapped = Buffer.concat([c.update(pt.subarray(0, 32)), c.final()]);
    const w = await hem.call('POST', '/api/crypto/cipher/wrap', { kid: xkid, pubkey: b64(myPub), alg: 'AES192', msg: b64(pt.subarray(0, 32)) }, t);
    expect(w.body.wrapped).toBe(b64(wrapped));
    // A tampered tag / wrapped blob in ECDH mode is 406, as with a stored key.
    const badTag = Buffer.from(enc.body.tag, 'base64');
    badTag[0] ^= 1;
    expect(
      (
        await hem.call(
          'POST',
          '/api/crypto/cipher/decrypt',
          { kid: xkid, pubkey: b64(myPub), alg: 'AES256-GCM', msg: enc.body.ciphertext, iv: enc.body.iv, tag: b64(badTag), aad: b64(aad), ctx: b64(ctx) },
          t,
        )
      ).status,
    ).toBe(406);
    wrapped[3] ^= 1;
    expect((await hem.call('POST', '/api/crypto/cipher/unwrap', { kid: xkid, pubkey: b64(myPub), alg: 'AES192', msg: b64(wrapped) }, t)).status).toBe(406);
    // Without a peer, an ECDH key is still not an AES key.
    expect((await hem.call('POST', '/api/crypto/cipher/encrypt', { kid: xkid, alg: 'AES256-GCM', msg: b64(pt) }, t)).status).toBe(406);
  });

  it('hem-sdk-js deleteKey: a bodiless DELETE with Content-Type: application/json is not a 400', async () => {
    const kid = await create('AES128', 'SDKJS:delete-me');
    const del = await hem.token('keymgmt:del');
    // The SDK sends DELETE through fetch with `Content-Type: application/json` and no body.
    const res = await fetch(`${gw.url}/api/keymgmt/delete/${kid}`, { method: 'DELETE', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${del}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    // And a GET the same way (listKeys, getPubKey).
    const list = await fetch(`${gw.url}/api/keymgmt/list/0/50`, { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await hem.token('keymgmt:list')}` } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { list: Array<{ kid: string }> }).list.some((k) => k.kid === kid)).toBe(false);
    // A POST still needs a parseable body.
    expect((await hem.call('POST', '/api/keymgmt/update', '{"kid":', await hem.token('keymgmt:upd'))).status).toBe(400);
  });

  it("hem-sdk-js createKeyPair: a SECP key made with the SDK's junk mode (the type) is ECDH-only, as on the device", async () => {
    // createKeyPair sends mode = type for every type but ED25519/CURVE25519.
    const kid = await create('SECP256R1', 'SDKJS:secp', { mode: 'SECP256R1' });
    expect((await hem.use(kid, '/api/crypto/exdsa/sign', { alg: 'SHA256WithECDSA', msg: b64(Buffer.from('hello')) })).status).toBe(406);
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' });
    const compressed = Buffer.concat([Buffer.of(Buffer.from(peer.y!, 'base64url')[31] & 1 ? 3 : 2), Buffer.from(peer.x!, 'base64url')]);
    const r = await hem.use(kid, '/api/crypto/ecdh', { pubkey: b64(compressed) });
    expect(r.status).toBe(200);
    // The SDK's ecdh() insists on 32 bytes: P-256 and X25519 give exactly that.
    expect(Buffer.from(r.body.ecdh, 'base64')).toHaveLength(32);
  });
});

describeRefusals(['CURVE25519']);
