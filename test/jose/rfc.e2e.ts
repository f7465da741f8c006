import { createCipheriv, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';
import { VECTORS, b64u, fromB64u, joseGateway, type JoseClient } from './support';

/**
 * RFC known answers through the real API: the RFC's keys are imported, deterministic outputs are
 * compared bit for bit, and the RFC's own JWS/JWE are verified and decrypted unchanged (naming the
 * key by a `kid` in the body, since the RFC headers carry none of ours).
 */
const rfc = (f: string) => JSON.parse(readFileSync(join(VECTORS, 'rfc', f), 'utf8'));
const A = rfc('rfc7515_appendix_a.json').vectors;
const E = rfc('rfc7516_appendix_a.json').vectors;
const C = rfc('rfc7518_appendix_c_ecdh_es.json');
const ED = rfc('rfc8037_ed25519_jws.json');

let c: JoseClient;
beforeAll(async () => {
  c = await joseGateway();
}, 30000);
afterAll(() => c.close());

const ok = (path: string, body: unknown) => c.ok(path, body);
const importKey = (jwk: Record<string, unknown>, alg?: string) => ok('/v1/crypto/keys', { ...jwk, ...(alg ? { alg } : {}) });
const split = (compact: string) => compact.split('.');

describe('RFC 7515 Appendix A', () => {
  it('A.1 HS256: the MAC of the signing input is the RFC signature', async () => {
    const { kid } = await importKey(A['A.1'].jwk, 'HS256');
    const { mac } = await ok('/v1/crypto/mac', { kid, alg: 'HS256', data: A['A.1'].signing_input_b64u });
    expect(mac).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    expect(await ok('/v1/crypto/mac', { kid, alg: 'HS256', data: A['A.1'].signing_input_b64u, mac })).toEqual({ kid, valid: true });
  });

  it('A.2 RS256: the RFC JWS verifies, and the gateway signature is the deterministic one', async () => {
    const v = A['A.2'];
    const { kid, kid_public } = await importKey(v.jwk, 'RS256');
    expect(kid_public).toBeNull();
    const [p, payload, s] = split(v.compact);
    expect(s).toBe(v.signature_b64u);
    expect(await ok('/v1/crypto/verify', { protected: p, data: payload, signature: s, kid })).toEqual({ kid, valid: true });
    const signed = await ok('/v1/crypto/sign', { kid, alg: 'RS256', data: payload });
    // Pins the header too: members alg then kid, no spaces, no typ.
    expect(fromB64u(signed.protected).toString()).toBe(`{"alg":"RS256","kid":"${kid}"}`);
    const expected = nodeSign('sha256', Buffer.from(`${signed.protected}.${payload}`), createPrivateKey({ key: v.jwk, format: 'jwk' }));
    expect(signed.signature).toBe(b64u(expected));
  });

  it.each(['A.3', 'A.4'])('%s: the RFC ECDSA JWS verifies; a gateway signature verifies with jose', async (name) => {
    const v = A[name];
    const { kid } = await importKey(v.jwk, v.alg);
    const [p, payload, s] = split(v.compact);
    expect(await ok('/v1/crypto/verify', { protected: p, data: payload, signature: s, kid })).toEqual({ kid, valid: true });
    const tampered = fromB64u(s);
    tampered[3] ^= 1;
    expect((await ok('/v1/crypto/verify', { protected: p, data: payload, signature: b64u(tampered), kid })).valid).toBe(false);
    const signed = await ok('/v1/crypto/sign', { kid, alg: v.alg, data: payload });
    const { d: _d, ...pub } = v.jwk;
    await expect(jose.flattenedVerify({ protected: signed.protected, payload, signature: signed.signature }, await jose.importJWK(pub, v.alg))).resolves.toBeDefined();
  });
});

describe('RFC 8037 Ed25519', () => {
  it('signs deterministically and verifies the RFC JWS', async () => {
    const { kid } = await importKey(ED.input.key, 'EdDSA');
    const [p, payload, s] = split(ED.output.compact);
    expect(await ok('/v1/crypto/verify', { protected: p, data: payload, signature: s, kid })).toEqual({ kid, valid: true });
    const signed = await ok('/v1/crypto/sign', { kid, alg: 'EdDSA', data: payload });
    const expected = nodeSign(null, Buffer.from(`${signed.protected}.${payload}`), createPrivateKey({ key: ED.input.key, format: 'jwk' }));
    expect(signed.signature).toBe(b64u(expected));
  });
});

describe('RFC 7516 Appendix A', () => {
  it('A.1 RSA-OAEP + A256GCM: the RFC JWE decrypts unchanged', async () => {
    const v = E['A.1'];
    const { kid } = await importKey(v.jwk, 'RSA-OAEP');
    const [p, ek, iv, ct, tag] = split(v.compact);
    expect(await ok('/v1/crypto/decrypt', { protected: p, encrypted_key: ek, iv, ciphertext: ct, tag, kid })).toEqual({ kid, data: b64u(v.plaintext) });
  });

  it('A.1, the vendor pattern: the RFC CEK under a header with our kid; unwrap yields the same CEK', async () => {
    const v = E['A.1'];
    const { kid } = await importKey(v.jwk, 'RSA-OAEP');
    const protectedB64 = b64u(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM', kid }));
    const cek = fromB64u(v.cek_b64u);
    const iv = fromB64u(v.iv);
    const gcm = createCipheriv('aes-256-gcm', cek, iv);
    gcm.setAAD(Buffer.from(protectedB64, 'ascii'));
    const ciphertext = Buffer.concat([gcm.update(v.plaintext, 'utf8'), gcm.final()]);
    const jwe = { protected: protectedB64, encrypted_key: v.encrypted_key, iv: v.iv, ciphertext: b64u(ciphertext), tag: b64u(gcm.getAuthTag()) };
    expect((await ok('/v1/crypto/decrypt', jwe)).data).toBe(b64u(v.plaintext));
    // The unwrapped key decrypts a dir JWE made locally with the RFC CEK: it is the same key.
    const unwrapped = await ok('/v1/crypto/keys/unwrap', { protected: protectedB64, encrypted_key: v.encrypted_key });
    const local = await new jose.FlattenedEncrypt(Buffer.from('same key')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: unwrapped.kid }).encrypt(cek);
    expect((await ok('/v1/crypto/decrypt', local)).data).toBe(b64u('same key'));
  });

  it('A.2 RSA1_5 + A128CBC-HS256 (beyond the vendor): the RFC JWE decrypts', async () => {
    const v = E['A.2'];
    const { kid } = await importKey(v.jwk);
    const [p, ek, iv, ct, tag] = split(v.compact);
    expect(fromB64u((await ok('/v1/crypto/decrypt', { protected: p, encrypted_key: ek, iv, ciphertext: ct, tag, kid })).data).toString()).toBe(v.plaintext);
    // A damaged encrypted_key is not reported as such: the same generic failure as a bad tag.
    const bad = fromB64u(ek);
    bad[10] ^= 1;
    const res = await c.call('/v1/crypto/decrypt', { protected: p, encrypted_key: b64u(bad), iv, ciphertext: ct, tag, kid });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: 'decryption_failed', description: 'Decryption failed' });
  });

  it('A.3 A128KW + A128CBC-HS256 (beyond the vendor): the RFC JWE decrypts', async () => {
    const v = E['A.3'];
    const { kid } = await importKey(v.jwk, 'A128KW');
    const [p, ek, iv, ct, tag] = split(v.compact);
    expect(fromB64u((await ok('/v1/crypto/decrypt', { protected: p, encrypted_key: ek, iv, ciphertext: ct, tag, kid })).data).toString()).toBe(v.plaintext);
  });
});

describe('RFC 7518 Appendix C ECDH-ES (beyond the vendor)', () => {
  it("derives the RFC key from Alice's epk, apu and apv with Bob's imported key", async () => {
    const { kid } = await importKey(C.bob_static_jwk);
    const protectedB64 = b64u(JSON.stringify(C.protected_header));
    const key = fromB64u(C.derived_key_b64u);
    expect(key.toString('base64url')).toBe('VqqN6vgjbSBcIijNcacQGg');
    const iv = Buffer.alloc(12, 7);
    const gcm = createCipheriv('aes-128-gcm', key, iv);
    gcm.setAAD(Buffer.from(protectedB64, 'ascii'));
    const ct = Buffer.concat([gcm.update('made with the RFC 7518 C key'), gcm.final()]);
    const jwe = { protected: protectedB64, iv: b64u(iv), ciphertext: b64u(ct), tag: b64u(gcm.getAuthTag()), kid };
    expect(fromB64u((await ok('/v1/crypto/decrypt', jwe)).data).toString()).toBe('made with the RFC 7518 C key');
  });
});
