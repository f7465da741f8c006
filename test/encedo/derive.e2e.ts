import { ECDH, createCipheriv, createHmac, diffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOT_ON_SOFTHSM, backendHolds, describeRefusals, noteRefusal, refusedOperation } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { HemClient, type Reply } from './hem-client';
import { SECP, localPair, nodePublic } from './hem-keys';

/**
 * POST /api/keymgmt/derive against the real built server: a new AES or HMAC key from the ECDH
 * secret of a held key and a peer (`ext_kid` or `pubkey`), HKDF-SHA256(secret, salt empty, info
 * `encedo-<TYPE>`, the key's length). Both parties of an ECDH derive the same key; every key is
 * also checked against the KDF computed here with node:crypto.
 */
const PASS = 'derive test passphrase';
const b64 = (b: Buffer) => b.toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64');

const ECDH_TYPES = ['SECP256R1', 'SECP384R1', 'SECP521R1', 'SECP256K1', 'CURVE25519', 'CURVE448'];
/** HEM types whose canonical spec a backend may not hold. */
const TYPE_SPEC: Record<string, string> = { CURVE25519: 'okp-x25519', CURVE448: 'okp-x448' };
const heldType = (type: string) => backendHolds(TYPE_SPEC[type] ?? type);
/** Raw ECDH secret bytes per source type. */
const SECRET_BYTES: Record<string, number> = { SECP256R1: 32, SECP384R1: 48, SECP521R1: 66, SECP256K1: 32, CURVE25519: 32, CURVE448: 56 };
/** Derivable targets: key bytes, and the node digest of an HMAC type. */
const TARGETS: Record<string, { bytes: number; hmac?: string }> = {
  AES128: { bytes: 16 },
  AES192: { bytes: 24 },
  AES256: { bytes: 32 },
  'SHA2-256': { bytes: 32, hmac: 'sha256' },
  'SHA2-384': { bytes: 48, hmac: 'sha384' },
  'SHA2-512': { bytes: 64, hmac: 'sha512' },
  'SHA3-256': { bytes: 32, hmac: 'sha3-256' },
  'SHA3-512': { bytes: 64, hmac: 'sha3-512' },
};
/** The KDF as the notes state it, computed independently of the gateway. */
const hkdf = (secret: Buffer, type: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.from(`encedo-${type}`), TARGETS[type].bytes));

describe('Encedo HEM keymgmt/derive (e2e)', () => {
  let gw: Gateway;
  let hem: HemClient;
  let seq = 0;

  const create = async (type: string, mode = 'ECDH') => {
    const r = await hem.call('POST', '/api/keymgmt/create', { label: `src ${type}`, type, mode }, await hem.token('keymgmt:gen'));
    expect([type, r.status]).toEqual([type, 200]);
    return r.body.kid as string;
  };
  /** The backend under test cannot hold `type`: create answers 406, recorded. */
  const refusedType = async (type: string) => {
    const r = await hem.call('POST', '/api/keymgmt/create', { label: `src ${type}`, type, mode: 'ECDH' }, await hem.token('keymgmt:gen'));
    expect([type, r.status]).toEqual([type, 406]);
    noteRefusal(type, NOT_ON_SOFTHSM[TYPE_SPEC[type]]);
  };
  const pubOf = async (kid: string) => {
    const g = await hem.call('GET', `/api/keymgmt/get/${kid}`, undefined, await hem.token('keymgmt:get'));
    expect(g.status).toBe(200);
    return unb64(g.body.pubkey);
  };
  const derive = async (body: Record<string, unknown>, scope = 'keymgmt:gen'): Promise<Reply> =>
    hem.call(
      'POST',
      '/api/keymgmt/derive',
      { label: `der ${++seq} ${String(body.type)}`, descr: b64(Buffer.from(`DERIVE:${String(body.type)}`)), ...body },
      await hem.token(scope),
    );
  const derived = async (body: Record<string, unknown>, scope?: string) => {
    const r = await derive(body, scope);
    expect([body.type, r.status]).toEqual([body.type, 200]);
    expect(r.body.kid).toMatch(/^[0-9a-f]{32}$/);
    return r.body.kid as string;
  };
  const total = async () => (await hem.call('GET', '/api/keymgmt/list/0/1', undefined, await hem.token('keymgmt:list'))).body.total as number;

  /** GCM: `enc` encrypts, `dec` decrypts; both must be the same key. */
  const gcmAcross = async (enc: string, dec: string, type: string) => {
    const msg = randomBytes(100);
    const aad = b64(randomBytes(32));
    const e = await hem.use(enc, '/api/crypto/cipher/encrypt', { alg: `${type}-GCM`, msg: b64(msg), aad });
    expect(e.status).toBe(200);
    const d = await hem.use(dec, '/api/crypto/cipher/decrypt', { alg: `${type}-GCM`, msg: e.body.ciphertext, iv: e.body.iv, tag: e.body.tag, aad });
    expect([d.status, d.body?.plaintext]).toEqual([200, b64(msg)]);
    return e.body;
  };

  beforeAll(async () => {
    gw = await startGateway();
    expect((await cli(gw.dataDir, ['tenant', 'create', 'acme'])).code).toBe(0);
    const file = join(gw.dataDir, 'pass.txt');
    writeFileSync(file, `${PASS}\n`);
    expect((await cli(gw.dataDir, ['credential', 'encedo', 'acme', '--passphrase-file', file])).code).toBe(0);
    hem = new HemClient(gw.url, PASS);
  }, 120000);

  afterAll(async () => {
    await gw?.stop();
    gw?.cleanup();
  });

  describe('both parties derive the same key', () => {
    for (const curve of ['CURVE25519', 'SECP256R1']) {
      it(`${curve}: A with B (ext_kid / pubkey) and B with A give one AES256 key (cipher, wrap) and one SHA2-256 key (hmac)`, async () => {
        if (!heldType(curve)) await refusedType(curve);
        else {
          const [a, b, c] = [await create(curve), await create(curve), await create(curve)];
          const [pubA, pubB] = [await pubOf(a), await pubOf(b)];

          const aesA = await derived({ kid: a, ext_kid: b, type: 'AES256' });
          const aesB = await derived({ kid: b, pubkey: b64(pubA), type: 'AES256' });
          expect(aesA).not.toBe(aesB);
          const sealed = await gcmAcross(aesA, aesB, 'AES256');
          await gcmAcross(aesB, aesA, 'AES256');
          const data = randomBytes(32);
          const w = await hem.use(aesA, '/api/crypto/cipher/wrap', { alg: 'AES256', msg: b64(data) });
          expect(w.status).toBe(200);
          expect((await hem.use(aesB, '/api/crypto/cipher/unwrap', { alg: 'AES256', msg: w.body.wrapped })).body?.unwrapped).toBe(b64(data));
          // Another peer is another key: A with C cannot open what A with B sealed.
          const aesC = await derived({ kid: a, ext_kid: c, type: 'AES256' });
          expect((await hem.use(aesC, '/api/crypto/cipher/decrypt', { alg: 'AES256-GCM', msg: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag })).status).toBe(406);

          const macA = await derived({ kid: a, pubkey: b64(pubB), type: 'SHA2-256' });
          const macB = await derived({ kid: b, ext_kid: a, type: 'SHA2-256' });
          const msg = b64(randomBytes(200));
          const h = await hem.use(macA, '/api/crypto/hmac/hash', { msg });
          expect(h.status).toBe(200);
          expect(unb64(h.body.mac)).toHaveLength(32);
          expect((await hem.use(macB, '/api/crypto/hmac/hash', { msg })).body.mac).toBe(h.body.mac);
          const v = await hem.use(macB, '/api/crypto/hmac/verify', { msg, mac: h.body.mac });
          expect([v.status, v.text]).toEqual([200, '']);
          const bad = unb64(h.body.mac);
          bad[0] ^= 1;
          expect((await hem.use(macB, '/api/crypto/hmac/verify', { msg, mac: b64(bad) })).status).toBe(406);
          // An AES key does no HMAC, an HMAC key no cipher.
          expect((await hem.use(aesA, '/api/crypto/hmac/hash', { msg })).status).toBe(406);
          expect((await hem.use(macA, '/api/crypto/cipher/encrypt', { alg: 'AES256-GCM', msg })).status).toBe(406);

          // The new key is a HEM key of its type with the label and descr sent, no public key.
          const g = await hem.call('GET', `/api/keymgmt/get/${aesA}`, undefined, await hem.token('keymgmt:get'));
          expect(g.body).toMatchObject({ type: 'AES256', descr: b64(Buffer.from('DERIVE:AES256')) });
          expect(g.body).not.toHaveProperty('pubkey');
        }
      });
    }
  });

  describe('the KDF: HKDF-SHA256(ECDH secret, salt empty, info "encedo-<TYPE>", key length)', () => {
    for (const type of ECDH_TYPES) {
      it(`${type}: each target matches the KDF computed locally; a secret shorter than the key → 406`, async () => {
        if (!heldType(type)) await refusedType(type);
        else {
          const src = await create(type);
          const local = localPair(type);
          const secret = diffieHellman({ privateKey: local.priv, publicKey: nodePublic(type, await pubOf(src)) });
          expect(secret).toHaveLength(SECRET_BYTES[type]);
          for (const [target, { bytes, hmac }] of Object.entries(TARGETS)) {
            if (bytes > secret.length) {
              expect([target, (await derive({ kid: src, pubkey: b64(local.hemPub), type: target })).status]).toEqual([target, 406]);
              continue;
            }
            const key = hkdf(secret, target);
            const kid = await derived({ kid: src, pubkey: b64(local.hemPub), type: target });
            if (hmac) {
              const msg = randomBytes(64);
              const why = refusedOperation(`secret-${bytes * 8}`, `HMAC-${target.replace('SHA2-', 'SHA-')}`);
              if (why) {
                const r = await hem.use(kid, '/api/crypto/hmac/hash', { msg: b64(msg) });
                expect([target, r.status]).toEqual([target, 406]);
                noteRefusal(`HMAC ${target}`, why);
              } else {
                const r = await hem.use(kid, '/api/crypto/hmac/hash', { msg: b64(msg) });
                expect([target, r.body?.mac]).toEqual([target, b64(createHmac(hmac, key).update(msg).digest())]);
              }
            } else {
              // Sealed here with the locally derived key, opened by the gateway with the derived one.
              const iv = randomBytes(16);
              const msg = randomBytes(48);
              const c = createCipheriv(`aes-${bytes * 8}-gcm` as 'aes-256-gcm', key, iv);
              const ct = Buffer.concat([c.update(msg), c.final()]);
              const d = await hem.use(kid, '/api/crypto/cipher/decrypt', { alg: `${target}-GCM`, msg: b64(ct), iv: b64(iv), tag: b64(c.getAuthTag()) });
              expect([target, d.status, d.body?.plaintext]).toEqual([target, 200, b64(msg)]);
              const kw = createCipheriv(`id-aes${bytes * 8}-wrap`, key, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
              const wrapped = Buffer.concat([kw.update(msg), kw.final()]);
              expect((await hem.use(kid, '/api/crypto/cipher/unwrap', { alg: target, msg: b64(wrapped) })).body?.unwrapped).toBe(b64(msg));
            }
          }
        }
      });
    }
  });

  describe('KIDs and duplicates', () => {
    it('the same derivation again (by ext_kid or pubkey, compressed or not, any label) → 406; the first key still works', async () => {
      const [a, b] = [await create('SECP256R1'), await create('SECP256R1')];
      const pubB = await pubOf(b);
      const first = await derived({ kid: a, ext_kid: b, type: 'AES128' });
      const before = await total();
      expect((await derive({ kid: a, ext_kid: b, type: 'AES128' })).status).toBe(406);
      expect((await derive({ kid: a, pubkey: b64(pubB), type: 'AES128', label: 'another label' })).status).toBe(406);
      const uncompressed = ECDH.convertKey(pubB, SECP.SECP256R1.node, undefined, undefined, 'uncompressed') as Buffer;
      expect((await derive({ kid: a, pubkey: b64(uncompressed), type: 'AES128' })).status).toBe(406);
      expect(await total()).toBe(before);
      // The refused duplicates left the first key whole (on a token they share its CKA_ID).
      await gcmAcross(first, first, 'AES128');
      // The other side, another type: new keys.
      const other = await derived({ kid: b, ext_kid: a, type: 'AES128' });
      await gcmAcross(first, other, 'AES128');
      await derived({ kid: a, ext_kid: b, type: 'AES192' });
    });

    it('a derive is one LOG_TYPE_KEY_DERIVE row, on the new key; refusals are FAILED (406) or ERROR (400)', async () => {
      const [a, b] = [await create('SECP256R1'), await create('SECP256R1')];
      const kid = await derived({ kid: a, ext_kid: b, type: 'SHA2-256' });
      const uuid = kid.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      const rows = (await cli(gw.dataDir, ['audit', '--tenant', 'acme', '--key', uuid])).json as Array<{ operation: string; event: string | null }>;
      // Besides, the key's label is claimed as an alias of the tenant (docs/encedo.md, choice 18): a row with no HEM event.
      expect(rows.map((r) => [r.operation, r.event])).toEqual([
        ['create-alias', null],
        ['derive-key', 'LOG_TYPE_KEY_DERIVE/LOG_RESULT_OK'],
      ]);
      expect((await derive({ kid: a, ext_kid: b, type: 'SHA2-256' })).status).toBe(406);
      expect((await derive({ kid: a, type: 'SHA2-256' })).status).toBe(400);
      const events = ((await cli(gw.dataDir, ['audit', '--tenant', 'acme', '--limit', '20'])).json as Array<{ event: string }>).map((r) => r.event);
      expect(events).toContain('LOG_TYPE_KEY_DERIVE/LOG_RESULT_FAILED');
      expect(events).toContain('LOG_TYPE_KEY_DERIVE/LOG_RESULT_ERROR');
    });
  });

  describe('refusals', () => {
    it("missing or malformed fields → 400; unknown kid or ext_kid → 406 (HEM's unknown-KID status)", async () => {
      const [a, b] = [await create('SECP256R1'), await create('SECP256R1')];
      const ok = { kid: a, ext_kid: b, type: 'AES256', label: 'x' };
      const before = await total();
      const without = (field: string) => Object.fromEntries(Object.entries(ok).filter(([k]) => k !== field));
      const gen = await hem.token('keymgmt:gen');
      const post = (body: Record<string, unknown>) => hem.call('POST', '/api/keymgmt/derive', body, gen);
      for (const field of ['kid', 'label', 'type']) expect([field, (await post(without(field))).status]).toEqual([field, 400]);
      expect((await post(without('ext_kid'))).status).toBe(400);
      const bad: Array<[string, Record<string, unknown>]> = [
        ['kid xyz', { ...ok, kid: 'xyz' }],
        ['ext_kid xyz', { ...ok, ext_kid: 'xyz' }],
        ['pubkey of 3 bytes', { ...without('ext_kid'), pubkey: b64(Buffer.alloc(3)) }],
        ['pubkey not base64', { ...without('ext_kid'), pubkey: '***' }],
        ['pubkey off the curve', { ...without('ext_kid'), pubkey: b64(Buffer.concat([Buffer.of(2), Buffer.alloc(32, 0xff)])) }],
        ['label of 33', { ...ok, label: 'x'.repeat(33) }],
        ['descr of 65 bytes', { ...ok, descr: b64(Buffer.alloc(65)) }],
        ['type RSA2048', { ...ok, type: 'RSA2048' }],
        ['mode not a string', { ...ok, mode: 7 }],
        ['body not an object', [] as unknown as Record<string, unknown>],
      ];
      for (const [what, body] of bad) expect([what, (await post(body)).status]).toEqual([what, 400]);
      expect((await post({ ...ok, kid: '0'.repeat(32) })).status).toBe(406);
      expect((await post({ ...ok, ext_kid: '0'.repeat(32) })).status).toBe(406);
      expect(await total()).toBe(before);
    });

    it('a source that does no ECDH, a peer of another type, a target derive does not make, a too-short secret → 406', async () => {
      const src = await create('SECP256R1');
      const peer = await create('SECP256R1');
      const gen = await hem.token('keymgmt:gen');
      const post = (body: Record<string, unknown>) => hem.call('POST', '/api/keymgmt/derive', { label: 'refused', ...body }, gen);
      const notEcdh = {
        'SECP256R1 ExDSA only': await create('SECP256R1', 'ExDSA'),
        ED25519: await create('ED25519', 'ExDSA'),
        AES256: await create('AES256'),
        'SHA2-256': await create('SHA2-256'),
      };
      const p384 = await create('SECP384R1');
      const before = await total();
      for (const [what, kid] of Object.entries(notEcdh)) expect([what, (await post({ kid, ext_kid: kid, type: 'AES256' })).status]).toEqual([what, 406]);
      expect((await post({ kid: src, ext_kid: p384, type: 'AES256' })).status).toBe(406);
      expect((await post({ kid: src, pubkey: b64(await pubOf(p384)), type: 'AES256' })).status).toBe(400);
      for (const type of ['SECP256R1', 'SECP384R1', 'CURVE25519', 'ED25519', 'ED448', 'MLKEM768', 'MLDSA65']) {
        expect([type, (await post({ kid: src, ext_kid: peer, type })).status]).toEqual([type, 406]);
      }
      // P-256 gives 32 bytes: enough for SHA2-256, not for a 48- or 64-byte HMAC key.
      for (const type of ['SHA2-384', 'SHA2-512', 'SHA3-512']) expect([type, (await post({ kid: src, ext_kid: peer, type })).status]).toEqual([type, 406]);
      expect(await total()).toBe(before);
    });

    it('scopes: keymgmt:derive and keymgmt:gen derive; any other scope → 403, no token → 401', async () => {
      const [a, b] = [await create('SECP256R1'), await create('SECP256R1')];
      const body = { kid: a, ext_kid: b, type: 'AES256', label: 'scoped' };
      expect((await hem.call('POST', '/api/keymgmt/derive', body)).status).toBe(401);
      for (const scope of ['keymgmt:list', 'keymgmt:imp', `keymgmt:use:${a}`, 'keymgmt:get', 'keymgmt:ecdh']) {
        expect([scope, (await hem.call('POST', '/api/keymgmt/derive', body, await hem.token(scope))).status]).toEqual([scope, 403]);
      }
      const kid = await derived(body, 'keymgmt:derive');
      await gcmAcross(kid, kid, 'AES256');
      await derived({ ...body, type: 'AES128' }, 'keymgmt:gen');
      const audit = await cli(gw.dataDir, ['audit', '--tenant', 'acme', '--limit', '50']);
      expect(audit.json.map((r: { event: string }) => r.event)).toContain('LOG_TYPE_FAILED_SCOPE_CHECK/LOG_RESULT_FAILED');
    });
  });
});

describeRefusals(['CURVE25519', 'CURVE448', 'HMAC SHA3-256', 'HMAC SHA3-512']);
