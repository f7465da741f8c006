import { randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { describeRefusals, noteRefusal, refusedOperation } from '../support/backend';
import { b64u, fromB64u, joseGateway, type JoseClient } from './support';

/**
 * What the vendor's own end-to-end script expects, found by running Cosmian/kms
 * `.mise/scripts/test/test_jose.sh` @ 7d07cae2ad18 against the gateway (Phase 1, curl). Replayed
 * here without it.
 */
let c: JoseClient;
beforeAll(async () => {
  c = await joseGateway();
}, 60000);
afterAll(async () => c?.close());

const PLAINTEXT_B64 = b64u('Hello REST crypto!');
const ok = async (path: string, body: unknown) => {
  const r = await c.call(path, body);
  expect([path, r.status, r.json]).toEqual([path, 200, expect.anything()]);
  return r.json;
};

describe('test_jose.sh A7/A8: a key made for A256GCM serves no other construction', () => {
  it('A7: dir + A128CBC-HS256 with an A256GCM key (same 32 bytes) is 400, both ways', async () => {
    const { kid } = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
    const r = await c.call('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A128CBC-HS256', data: PLAINTEXT_B64 });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('bad_request');
    // A CBC-HS JWE naming that key is refused the same way before any decryption.
    const forged = {
      protected: b64u(JSON.stringify({ alg: 'dir', enc: 'A128CBC-HS256', kid })),
      encrypted_key: '',
      iv: b64u(randomBytes(16)),
      ciphertext: b64u(randomBytes(16)),
      tag: b64u(randomBytes(16)),
    };
    expect((await c.call('/v1/crypto/decrypt', forged)).status).toBe(400);
    // Its own enc still works.
    const made = await ok('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data: PLAINTEXT_B64 });
    expect((await ok('/v1/crypto/decrypt', made)).data).toBe(PLAINTEXT_B64);
  });

  it('A8: A128KW with an A256GCM key is 400, and A256KW with it too (it is a content key, not a KEK)', async () => {
    const { kid } = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
    for (const alg of ['A128KW', 'A256KW']) {
      const r = await c.call('/v1/crypto/encrypt', { kid, alg, enc: 'A256GCM', data: PLAINTEXT_B64 });
      expect([alg, r.status, r.json.error]).toEqual([alg, 400, 'bad_request']);
    }
  });

  it('keys made for the construction still work: A128CBC-HS256 dir key, A256KW KEK', async () => {
    const cbc = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A128CBC-HS256' });
    const why = refusedOperation('secret-256', 'AES-CBC-HMAC-SHA2');
    if (why) {
      // The backend under test (SoftHSM2) holds the key but cannot split it for CBC-HMAC: JOSE's unsupported answer.
      const r = await c.call('/v1/crypto/encrypt', { kid: cbc.kid, alg: 'dir', enc: 'A128CBC-HS256', data: PLAINTEXT_B64 });
      expect([r.status, r.json.error]).toEqual([422, 'unsupported_algorithm']);
      noteRefusal('dir + A128CBC-HS256', why);
    } else {
      const made = await ok('/v1/crypto/encrypt', { kid: cbc.kid, alg: 'dir', enc: 'A128CBC-HS256', data: PLAINTEXT_B64 });
      expect((await ok('/v1/crypto/decrypt', made)).data).toBe(PLAINTEXT_B64);
    }
    const kek = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256KW' });
    const wrapped = await ok('/v1/crypto/encrypt', { kid: kek.kid, alg: 'A256KW', enc: 'A256GCM', data: PLAINTEXT_B64 });
    expect((await ok('/v1/crypto/decrypt', wrapped)).data).toBe(PLAINTEXT_B64);
    // An imported raw AES key made for A128GCM opens a jose-made JWE of its own enc.
    const raw = randomBytes(16);
    const imp = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A128GCM', k: b64u(raw) });
    const theirs = await new jose.FlattenedEncrypt(Buffer.from('hi')).setProtectedHeader({ alg: 'dir', enc: 'A128GCM', kid: imp.kid }).encrypt(raw);
    expect(fromB64u((await ok('/v1/crypto/decrypt', theirs)).data).toString()).toBe('hi');
  });
});

describe('test_jose.sh Phase 1 shapes', () => {
  it('A1-A6: GCM round trips, AAD and header tamper → 422', async () => {
    const { kid } = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
    const aad = b64u('context');
    const made = await ok('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data: PLAINTEXT_B64, aad });
    expect(made.encrypted_key).toBe('');
    expect((await c.call('/v1/crypto/decrypt', { ...made, aad: b64u('tampered-context') })).status).toBe(422);
    const modified = b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid, x: 1 }));
    expect((await c.call('/v1/crypto/decrypt', { ...made, protected: modified })).status).toBe(422);
  });

  it('E39: DELETE a key → 204 (no body, no Content-Type needed), then encrypt → 404', async () => {
    const { kid } = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'A128GCM' });
    const del = await fetch(`${c.gw.url}/v1/crypto/keys/${kid}`, { method: 'DELETE', headers: { authorization: `Bearer ${c.token}` } });
    expect(del.status).toBe(204);
    expect((await c.call('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A128GCM', data: b64u('test') })).status).toBe(404);
  });
});

describeRefusals(['dir + A128CBC-HS256']);
