import { createPublicKey, randomBytes, verify as nodeVerify, type JsonWebKey } from 'node:crypto';
import * as jose from 'jose';
import { cli } from '../support/server';
import { b64u, fromB64u, joseGateway, type JoseClient } from './support';

/**
 * Key material versions on the JOSE wire (libs/dialect-jose/src/versions.ts): once a key has been
 * rotated (`npm run cli -- key rotate`), sign and encrypt name the version they used in the
 * protected header parameter `kv`; decrypt and verify go straight to the version `kv` names and try
 * the kept versions without it; `GET /v1/crypto/keys/{kid}[?kv=N]` gives a version's public JWK.
 * The CLI changes the store under the running gateway: no cache staleness here.
 */
let c: JoseClient;
beforeAll(async () => {
  c = await joseGateway({ KMS_CACHE_TTL_MS: '0', KMS_LIFECYCLE_INTERVAL_MS: '0' });
}, 30000);
afterAll(() => c.close());

const data = b64u('versioned payload');
const headerOf = (protectedB64: string) => JSON.parse(fromB64u(protectedB64).toString()) as Record<string, unknown>;

async function cliOk(args: string[]) {
  const r = await cli(c.gw.dataDir, args);
  expect([r.code, r.stderr]).toEqual([0, '']);
  return r.json;
}
const rotate = (kid: string) => cliOk(['key', 'rotate', kid]);
const publicKeyOf = (kid: string, kv?: string) => c.call(`/v1/crypto/keys/${kid}${kv === undefined ? '' : `?kv=${kv}`}`, undefined, { method: 'GET' });
const auditOf = async (kid: string) =>
  ((await cli(c.gw.dataDir, ['audit', '--tenant', 'jose-tests', '--key', kid, '--limit', '100'])).json as Array<{ operation: string; outcome: string }>).map(
    (r) => `${r.operation} ${r.outcome}`,
  );
const es256Verifies = (jwk: JsonWebKey, jws: { protected: string; signature: string }) =>
  nodeVerify('sha256', Buffer.from(`${jws.protected}.${data}`), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, fromB64u(jws.signature));

it("an unrotated key makes the vendor's headers; after a rotation sign and encrypt name the new version, and what was made before still verifies and opens", async () => {
  const ec = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
  const oct = await c.ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
  const s1 = await c.ok('/v1/crypto/sign', { kid: ec.kid, alg: 'ES256', data });
  const e1 = await c.ok('/v1/crypto/encrypt', { kid: oct.kid, alg: 'dir', enc: 'A256GCM', data });
  // Byte for byte the vendor's header: member order, no spaces, no `kv` for version 1.
  expect(s1.protected).toBe(b64u(JSON.stringify({ alg: 'ES256', kid: `${ec.kid}_pk` })));
  expect(e1.protected).toBe(b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: oct.kid })));
  const v1 = (await publicKeyOf(ec.kid)).json;
  expect(v1).toMatchObject({ kty: 'EC', crv: 'P-256', kid: `${ec.kid}_pk`, kv: 1, alg: 'ES256', use: 'sig' });

  expect((await rotate(ec.kid)).currentVersion).toBe(2);
  expect((await rotate(oct.kid)).currentVersion).toBe(2);
  const s2 = await c.ok('/v1/crypto/sign', { kid: ec.kid, alg: 'ES256', data });
  const e2 = await c.ok('/v1/crypto/encrypt', { kid: oct.kid, alg: 'dir', enc: 'A256GCM', data });
  expect(s2.protected).toBe(b64u(JSON.stringify({ alg: 'ES256', kid: `${ec.kid}_pk`, kv: 2 })));
  expect(e2.protected).toBe(b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: oct.kid, kv: 2 })));

  for (const jws of [s1, s2]) expect((await c.ok('/v1/crypto/verify', { ...jws, data })).valid).toBe(true);
  for (const jwe of [e1, e2]) expect(await c.ok('/v1/crypto/decrypt', jwe)).toEqual({ kid: oct.kid, data });
  // Each signature is its version's: checked locally against each version's public JWK.
  const v2 = (await publicKeyOf(ec.kid)).json;
  expect(v2).toMatchObject({ kid: `${ec.kid}_pk`, kv: 2 });
  expect(v2.x).not.toBe(v1.x);
  expect((await publicKeyOf(ec.kid, '1')).json).toEqual(v1);
  expect([es256Verifies(v1, s1), es256Verifies(v2, s1), es256Verifies(v1, s2), es256Verifies(v2, s2)]).toEqual([true, false, false, true]);
  // `kv` is a header parameter any RFC 7515 implementation ignores: jose verifies the new JWS as is.
  const verified = await jose.flattenedVerify({ protected: s2.protected, payload: data, signature: s2.signature }, await jose.importJWK(v2, 'ES256'));
  expect(verified.protectedHeader).toEqual({ alg: 'ES256', kid: `${ec.kid}_pk`, kv: 2 });

  // The minimum decryption version leaves version 1 unused: its JWE no longer opens, its JWS no longer verifies.
  await cliOk(['key', 'min-decrypt-version', oct.kid, '2']);
  await cliOk(['key', 'min-decrypt-version', ec.kid, '2']);
  expect((await c.call('/v1/crypto/decrypt', e1)).status).toBe(422);
  expect(await c.ok('/v1/crypto/decrypt', e2)).toEqual({ kid: oct.kid, data });
  expect((await c.ok('/v1/crypto/verify', { ...s1, data })).valid).toBe(false);
  expect((await c.ok('/v1/crypto/verify', { ...s2, data })).valid).toBe(true);
});

it.each([
  ['RSA-OAEP-256', { kty: 'RSA', alg: 'RSA-OAEP-256' }],
  ['ECDH-ES+A128KW', { kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A128KW' }],
])('%s to an older version: `kv` goes straight to the version it names, and without it the kept versions are tried', async (alg, spec) => {
  const { kid } = await c.ok('/v1/crypto/keys', spec);
  const v1 = (await publicKeyOf(kid)).json;
  expect(v1.kv).toBe(1);
  await rotate(kid);
  const v2 = (await publicKeyOf(kid)).json;
  expect(v2.kv).toBe(2);
  expect((await publicKeyOf(kid, '1')).json).toEqual(v1);
  const { kid: _k, kv: _v, alg: _a, use: _u, key_ops: _o, ...v1Jwk } = v1;
  const v1Key = await jose.importJWK(v1Jwk, alg);
  const sealTo = async (header: Record<string, unknown>) =>
    new jose.FlattenedEncrypt(Buffer.from('to version one')).setProtectedHeader({ alg, enc: 'A256GCM', kid, ...header }).encrypt(v1Key);
  const opened = async (jwe: jose.FlattenedJWE) => {
    const res = await c.call('/v1/crypto/decrypt', jwe);
    return res.status === 200 ? fromB64u(res.json.data).toString() : `${res.status} ${res.json.error}`;
  };
  const before = (await auditOf(kid)).length;
  expect(await opened(await sealTo({}))).toBe('to version one');
  expect(await opened(await sealTo({ kv: 1 }))).toBe('to version one');
  // Named, the version is used alone: version 2 does not open what was sealed to version 1.
  expect(await opened(await sealTo({ kv: 2 }))).toBe('422 decryption_failed');
  // One audited operation per request, the trial included.
  const rows = await auditOf(kid);
  expect(rows.length - before).toBe(3);
  expect(rows.slice(0, 3).every((r) => r.startsWith(alg.startsWith('RSA') ? 'asym-decrypt ' : 'ecdh-es-receive '))).toBe(true);
});

it('ECDH-ES made by the gateway before a rotation opens after it; made after, it names the new version', async () => {
  const { kid } = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ECDH-ES' });
  const before = await c.ok('/v1/crypto/encrypt', { kid, alg: 'ECDH-ES', enc: 'A128GCM', data });
  expect(headerOf(before.protected)).not.toHaveProperty('kv');
  await rotate(kid);
  const after = await c.ok('/v1/crypto/encrypt', { kid, alg: 'ECDH-ES', enc: 'A128GCM', data });
  expect(Object.keys(headerOf(after.protected))).toEqual(['alg', 'enc', 'kid', 'kv', 'epk']);
  expect(headerOf(after.protected).kv).toBe(2);
  expect(await c.ok('/v1/crypto/decrypt', before)).toEqual({ kid, data });
  expect(await c.ok('/v1/crypto/decrypt', after)).toEqual({ kid, data });
  // Tampered, it is the one failure of every JWE path.
  const tampered = { ...after, ciphertext: b64u(Buffer.from(fromB64u(after.ciphertext).map((b, i) => (i === 0 ? b ^ 1 : b)))) };
  expect((await c.call('/v1/crypto/decrypt', tampered)).json).toEqual({ error: 'decryption_failed', description: 'Decryption failed' });
});

it('GET /v1/crypto/keys/{kid}: the current version by default, a kept one by `kv`, refusals in the vendor form', async () => {
  const { kid } = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
  const jwks = async () =>
    ((await c.call('/.well-known/jwks.json', undefined, { method: 'GET' })).json.keys as Array<{ kid: string; x: string }>).find((k) => k.kid === `${kid}_pk`);
  const v1 = (await publicKeyOf(`${kid}_pk`)).json;
  expect((await jwks())?.x).toBe(v1.x);
  await rotate(kid);
  const v2 = (await publicKeyOf(kid)).json;
  // The JWKS publishes the current version.
  expect((await jwks())?.x).toBe(v2.x);
  expect((await publicKeyOf(kid, '2')).json).toEqual(v2);
  for (const kv of ['3', '0', 'x', '1.5', '-1']) {
    const res = await publicKeyOf(kid, kv);
    expect([kv, res.status, res.json.error]).toEqual([kv, 400, 'bad_request']);
  }
  const { kid: oct } = await c.ok('/v1/crypto/keys', { kty: 'oct', alg: 'A128GCM' });
  expect((await publicKeyOf(oct)).json).toEqual({ error: 'not_found', description: 'Key not found' });
  expect((await publicKeyOf('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  expect((await c.call(`/v1/crypto/keys/${kid}`, undefined, { method: 'GET', token: null })).status).toBe(401);
});

it("a `kv` that is not a positive integer is a 400; a JWS named by the body's kid keeps its header's members to itself", async () => {
  const { kid } = await c.ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
  const sealed = await c.ok('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data });
  for (const kv of ['2', 0, -1, 1.5, null]) {
    const res = await c.call('/v1/crypto/decrypt', { ...sealed, protected: b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid, kv })) });
    expect([kv, res.status, res.json.description]).toEqual([kv, 400, 'Protected header member `kv` must be a positive integer']);
  }
  // A version the key does not have: 400 on every path, also where implicit rejection hides unwrap failures.
  const missing = await c.call('/v1/crypto/decrypt', { ...sealed, protected: b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid, kv: 7 })) });
  expect(missing.json).toEqual({ error: 'bad_request', description: 'The key has no version 7 that may decrypt or verify' });
  const rsa = (await c.ok('/v1/crypto/keys', { kty: 'RSA', alg: 'RSA-OAEP-256' })).kid as string;
  const wrapped = await c.ok('/v1/crypto/encrypt', { kid: rsa, alg: 'RSA-OAEP-256', enc: 'A256GCM', data });
  const rsaMissing = await c.call('/v1/crypto/decrypt', { ...wrapped, protected: b64u(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rsa, kv: 2 })) });
  expect([rsaMissing.status, rsaMissing.json.error]).toEqual([400, 'bad_request']);

  const ec = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
  const foreign = { protected: b64u(JSON.stringify({ alg: 'ES256', kv: 'theirs' })), data, signature: b64u(randomBytes(64)) };
  expect((await c.call('/v1/crypto/verify', { ...foreign, kid: ec.kid })).json).toEqual({ kid: ec.kid, valid: false });
  const named = { ...foreign, protected: b64u(JSON.stringify({ alg: 'ES256', kid: ec.kid, kv: 'theirs' })) };
  expect((await c.call('/v1/crypto/verify', named)).status).toBe(400);
});
