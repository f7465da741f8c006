import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { NOT_ON_SOFTHSM, backendHolds, describeRefusals, noteRefusal, refusedOperation } from '../support/backend';
import { b64u, fromB64u, joseGateway, type JoseClient } from './support';

/**
 * Interop with the independent `jose` library as the client: JWEs and JWSs made by the gateway are
 * opened by `jose`, and the reverse, for every algorithm both sides implement. Keys are made
 * locally and imported, so both sides hold the same key.
 */
let c: JoseClient;
beforeAll(async () => {
  c = await joseGateway();
}, 30000);
afterAll(() => c.close());

const ok = (path: string, body: unknown) => c.ok(path, body);
/** The backend under test cannot do this: JOSE's unsupported answer (422 unsupported_algorithm), recorded as `what`. */
async function refused(path: string, body: unknown, what: string, why: string) {
  const res = await c.call(path, body);
  expect([res.status, res.json?.error]).toEqual([422, 'unsupported_algorithm']);
  noteRefusal(what, why);
}
const plaintext = Buffer.from('interoperable payload \u00e9\u4e2d\ud83d\ude00');
const aad = Buffer.from('additional authenticated data');

/** jose rejects the empty `encrypted_key` member the vendor's format has for dir and ECDH-ES. */
const forJose = (jwe: Record<string, string>): jose.FlattenedJWE => {
  const { encrypted_key, ...rest } = jwe;
  return (encrypted_key ? jwe : rest) as unknown as jose.FlattenedJWE;
};

function localKeys(kind: 'RSA' | 'P-256' | 'P-384' | 'P-521' | 'X25519' | 'Ed25519') {
  const pair =
    kind === 'RSA'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'X25519'
        ? generateKeyPairSync('x25519')
        : kind === 'Ed25519'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('ec', { namedCurve: kind });
  return { priv: pair.privateKey.export({ format: 'jwk' }), pub: pair.publicKey.export({ format: 'jwk' }), keyObject: pair.privateKey, publicObject: pair.publicKey };
}

describe('JWE with symmetric keys', () => {
  it.each([
    ['dir', 'A128GCM', 16],
    ['dir', 'A256GCM', 32],
    ['dir', 'A128CBC-HS256', 32],
    ['dir', 'A256CBC-HS512', 64],
    ['A128KW', 'A256GCM', 16],
    ['A256KW', 'A128CBC-HS256', 32],
  ])('%s + %s: both directions', async (alg, enc, size) => {
    const raw = randomBytes(size);
    const { kid } = await ok('/v1/crypto/keys', { kty: 'oct', alg: alg === 'dir' ? enc : alg, k: b64u(raw) });
    const why = alg === 'dir' && enc.includes('CBC-HS') && refusedOperation(`secret-${size * 8}`, 'AES-CBC-HMAC-SHA2');
    if (why) {
      await refused('/v1/crypto/encrypt', { kid, alg, enc, data: b64u(plaintext) }, `${alg} + ${enc}`, why);
      const theirs = await new jose.FlattenedEncrypt(plaintext).setProtectedHeader({ alg, enc, kid }).encrypt(raw);
      await refused('/v1/crypto/decrypt', theirs, `${alg} + ${enc}`, why);
      return;
    }
    const made = await ok('/v1/crypto/encrypt', { kid, alg, enc, data: b64u(plaintext), aad: b64u(aad) });
    const opened = await jose.flattenedDecrypt(forJose(made), raw);
    expect(Buffer.from(opened.plaintext).equals(plaintext)).toBe(true);
    expect(Buffer.from(opened.additionalAuthenticatedData!).equals(aad)).toBe(true);

    const theirs = await new jose.FlattenedEncrypt(plaintext).setProtectedHeader({ alg, enc, kid }).setAdditionalAuthenticatedData(aad).encrypt(raw);
    expect(fromB64u((await ok('/v1/crypto/decrypt', theirs)).data).equals(plaintext)).toBe(true);
  });
});

describe('JWE with asymmetric keys', () => {
  it.each([
    ['RSA-OAEP', 'A256GCM', 'RSA'],
    ['RSA-OAEP-256', 'A128GCM', 'RSA'],
    ['RSA-OAEP-256', 'A192CBC-HS384', 'RSA'],
    ['ECDH-ES', 'A256GCM', 'P-256'],
    ['ECDH-ES', 'A128CBC-HS256', 'P-384'],
    ['ECDH-ES+A128KW', 'A256GCM', 'P-521'],
    ['ECDH-ES+A256KW', 'A256GCM', 'X25519'],
    ['ECDH-ES', 'A128GCM', 'X25519'],
  ] as const)('%s + %s on %s: both directions', async (alg, enc, kind) => {
    const k = localKeys(kind);
    if (kind === 'X25519' && !backendHolds('okp-x25519')) return refused('/v1/crypto/keys', { ...k.priv, alg }, `${alg} on X25519`, NOT_ON_SOFTHSM['okp-x25519']);
    const { kid } = await ok('/v1/crypto/keys', { ...k.priv, alg });
    const made = await ok('/v1/crypto/encrypt', { kid, alg, enc, data: b64u(plaintext), aad: b64u(aad) });
    const opened = await jose.flattenedDecrypt(forJose(made), k.keyObject);
    expect(Buffer.from(opened.plaintext).equals(plaintext)).toBe(true);

    const theirs = await new jose.FlattenedEncrypt(plaintext).setProtectedHeader({ alg, enc, kid }).setAdditionalAuthenticatedData(aad).encrypt(k.publicObject);
    expect(fromB64u((await ok('/v1/crypto/decrypt', theirs)).data).equals(plaintext)).toBe(true);
  });

  it('RSA1_5 (beyond the vendor, not in jose): round trip, and an altered key is the generic failure', async () => {
    const k = localKeys('RSA');
    const { kid } = await ok('/v1/crypto/keys', { ...k.priv, alg: 'RSA-OAEP' });
    const made = await ok('/v1/crypto/encrypt', { kid, alg: 'RSA1_5', enc: 'A128CBC-HS256', data: b64u(plaintext) });
    expect(fromB64u((await ok('/v1/crypto/decrypt', made)).data).equals(plaintext)).toBe(true);
    const ek = fromB64u(made.encrypted_key);
    ek[ek.length - 1] ^= 1;
    const res = await c.call('/v1/crypto/decrypt', { ...made, encrypted_key: b64u(ek) });
    expect(res.status).toBe(422);
    expect(res.json.error).toBe('decryption_failed');
  });

  it('the generated pair: encrypt to kid_public, decrypt by the private kid in the header', async () => {
    const { kid, kid_public } = await ok('/v1/crypto/keys', { kty: 'RSA', bits: 2048 });
    expect(kid_public).toBe(`${kid}_pk`);
    const made = await ok('/v1/crypto/encrypt', { kid: kid_public, alg: 'RSA-OAEP-256', enc: 'A256GCM', data: b64u(plaintext) });
    expect(JSON.parse(fromB64u(made.protected).toString())).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid });
    expect(await ok('/v1/crypto/decrypt', made)).toEqual({ kid, data: b64u(plaintext) });
  });
});

describe('JWS', () => {
  it.each([
    ['RS256', 'RSA'],
    ['RS512', 'RSA'],
    ['PS256', 'RSA'],
    ['PS384', 'RSA'],
    ['ES256', 'P-256'],
    ['ES384', 'P-384'],
    ['ES512', 'P-521'],
    ['EdDSA', 'Ed25519'],
  ] as const)('%s: gateway signatures verify with jose, jose signatures verify here', async (alg, kind) => {
    const k = localKeys(kind);
    const { kid } = await ok('/v1/crypto/keys', { ...k.priv, alg });
    const data = b64u(plaintext);
    const signed = await ok('/v1/crypto/sign', { kid, alg, data });
    const checked = await jose.flattenedVerify({ protected: signed.protected, payload: data, signature: signed.signature }, k.publicObject);
    expect(checked.protectedHeader).toEqual({ alg, kid });

    const theirs = await new jose.FlattenedSign(plaintext).setProtectedHeader({ alg, kid }).sign(k.keyObject);
    expect(await ok('/v1/crypto/verify', { protected: theirs.protected, data: theirs.payload, signature: theirs.signature })).toEqual({ kid, valid: true });
  });

  it('generated pairs sign under kid_public, which verifies; ML-DSA-44 too', async () => {
    for (const key of [
      { kty: 'EC', crv: 'P-256', alg: 'ES256' },
      { kty: 'OKP', alg: 'MLDSA44' },
    ]) {
      if (key.alg === 'MLDSA44' && !backendHolds('ml-dsa-44')) {
        await refused('/v1/crypto/keys', key, 'MLDSA44 key', NOT_ON_SOFTHSM['ml-dsa-44']);
        continue;
      }
      const { kid, kid_public } = await ok('/v1/crypto/keys', key);
      const signed = await ok('/v1/crypto/sign', { kid, alg: key.alg, data: 'YWJj' });
      expect(JSON.parse(fromB64u(signed.protected).toString()).kid).toBe(kid_public);
      expect(await ok('/v1/crypto/verify', { ...signed, data: 'YWJj' })).toEqual({ kid: kid_public, valid: true });
      expect((await ok('/v1/crypto/verify', { ...signed, data: 'YWJk' })).valid).toBe(false);
    }
  });

  it("HS256 MAC equals jose's HS256 JWS signature over the same input", async () => {
    const raw = randomBytes(32);
    const { kid } = await ok('/v1/crypto/keys', { kty: 'oct', alg: 'HS256', k: b64u(raw) });
    const jws = await new jose.FlattenedSign(plaintext).setProtectedHeader({ alg: 'HS256' }).sign(raw);
    const { mac } = await ok('/v1/crypto/mac', { kid, alg: 'HS256', data: b64u(`${jws.protected}.${jws.payload}`) });
    expect(mac).toBe(jws.signature);
  });
});

describe('JWKS', () => {
  it("lists the tenant's public keys under their public kids, usable by jose", async () => {
    const { kid, kid_public } = await ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const res = await c.call('/.well-known/jwks.json', undefined, { method: 'GET' });
    expect(res.status).toBe(200);
    const entry = res.json.keys.find((k: { kid: string }) => k.kid === kid_public);
    expect(entry).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(entry.d).toBeUndefined();
    const signed = await ok('/v1/crypto/sign', { kid, alg: 'ES256', data: 'YWJj' });
    const keySet = jose.createLocalJWKSet(res.json);
    await expect(jose.flattenedVerify({ protected: signed.protected, payload: 'YWJj', signature: signed.signature }, keySet)).resolves.toBeDefined();
  });

  const published = async (kidPublic: string) => {
    const res = await c.call('/.well-known/jwks.json', undefined, { method: 'GET' });
    expect(res.status).toBe(200);
    return res.json.keys.find((k: { kid: string }) => k.kid === kidPublic);
  };
  /** The parts of a compact JWE as the body of `/v1/crypto/decrypt`. */
  const flattened = (compact: string) => {
    const [p, encrypted_key, iv, ciphertext, tag] = compact.split('.');
    return { protected: p, encrypted_key, iv, ciphertext, tag };
  };

  it.each([
    ['RSA-OAEP', { kty: 'RSA' }],
    ['RSA-OAEP-256', { kty: 'RSA', bits: 3072 }],
    ['ECDH-ES', { kty: 'EC', crv: 'P-256' }],
    ['ECDH-ES+A128KW', { kty: 'EC', crv: 'P-384' }],
    ['ECDH-ES+A192KW', { kty: 'EC', crv: 'P-521' }],
    ['ECDH-ES+A256KW', { kty: 'EC', crv: 'P-256' }],
    ['ECDH-ES', { kty: 'OKP', crv: 'X25519' }],
  ] as const)('a pair generated for %s (%j) is published as an encryption key: jose encrypts to it, the gateway decrypts', async (alg, key) => {
    if (key.kty === 'OKP' && !backendHolds('okp-x25519')) return refused('/v1/crypto/keys', { ...key, alg }, `${alg} on X25519`, NOT_ON_SOFTHSM['okp-x25519']);
    const { kid, kid_public } = await ok('/v1/crypto/keys', { ...key, alg });
    const jwk = await published(kid_public);
    // RFC 7517 §4.2/4.3: the public half of an RSA key encrypts and wraps a CEK; an ECDH public
    // key has no operation of its own (WebCrypto gives it no usages), so no key_ops.
    expect(jwk).toEqual(expect.objectContaining({ kty: key.kty, alg, use: 'enc' }));
    expect(jwk.key_ops).toEqual(key.kty === 'RSA' ? ['encrypt', 'wrapKey'] : undefined);
    expect(jwk.d).toBeUndefined();

    // A JOSE client that found the key in the set: importJWK honours `use`, `key_ops` and `alg`.
    const compact = await new jose.CompactEncrypt(plaintext).setProtectedHeader({ alg, enc: 'A256GCM', kid: jwk.kid }).encrypt(await jose.importJWK(jwk));
    expect(await ok('/v1/crypto/decrypt', flattened(compact))).toEqual({ kid: kid_public, data: b64u(plaintext) });
    // The JWK object itself as the key (jose checks its members again), AAD, no kid in the header.
    const jwe = await new jose.FlattenedEncrypt(plaintext).setProtectedHeader({ alg, enc: 'A128CBC-HS256' }).setAdditionalAuthenticatedData(aad).encrypt(jwk);
    expect(fromB64u((await ok('/v1/crypto/decrypt', { ...jwe, kid })).data).equals(plaintext)).toBe(true);

    // Made for encryption, it does not sign; and createLocalJWKSet (signature keys) never picks it.
    const signing = await c.call('/v1/crypto/sign', { kid, alg: key.kty === 'RSA' ? 'RS256' : 'ES256', data: 'YWJj' });
    expect(signing.status).not.toBe(200);
    await expect(jose.createLocalJWKSet({ keys: [jwk] })({ alg: key.kty === 'RSA' ? 'RS256' : 'ES256', kid: jwk.kid })).rejects.toThrow(jose.errors.JWKSNoMatchingKey);
  });

  it.each([
    ['RS256', { kty: 'RSA' }],
    ['PS384', { kty: 'RSA' }],
    ['ES384', { kty: 'EC', crv: 'P-384' }],
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
    [undefined, { kty: 'RSA' }],
    [undefined, { kty: 'EC', crv: 'P-256' }],
  ] as const)('a pair generated for %s (%j) stays a signature key: `sig`, key_ops ["verify"], verified through the set', async (alg, key) => {
    const { kid, kid_public } = await ok('/v1/crypto/keys', { ...key, ...(alg ? { alg } : {}) });
    const jwk = await published(kid_public);
    expect(jwk).toEqual(expect.objectContaining({ kty: key.kty, use: 'sig', key_ops: ['verify'] }));
    expect(jwk.alg).toBe(alg);
    const signAlg = alg ?? (key.kty === 'RSA' ? 'PS256' : 'ES256');
    const signed = await ok('/v1/crypto/sign', { kid, alg: signAlg, data: 'YWJj' });
    // A set of only this key: a JWK without `alg` matches any algorithm of its type.
    const checked = await jose.flattenedVerify({ protected: signed.protected, payload: 'YWJj', signature: signed.signature }, jose.createLocalJWKSet({ keys: [jwk] }));
    expect(checked.protectedHeader).toEqual({ alg: signAlg, kid: kid_public });
    // A public signature key does not encrypt.
    await expect(new jose.CompactEncrypt(plaintext).setProtectedHeader({ alg: key.kty === 'RSA' ? 'RSA-OAEP' : 'ECDH-ES', enc: 'A256GCM' }).encrypt(jwk)).rejects.toThrow(
      /"use" must be "enc"/,
    );
  });
});

describeRefusals(['dir + A128CBC-HS256', 'dir + A256CBC-HS512', 'ECDH-ES+A256KW on X25519', 'ECDH-ES on X25519', 'MLDSA44 key']);
