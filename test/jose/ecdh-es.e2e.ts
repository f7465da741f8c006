import { auditOf, b64u, fromB64u, joseGateway, type JoseClient } from './support';

/**
 * ECDH-ES is a core operation: each side of the agreement is one pass through KeyOperations, so it
 * writes exactly one audit row, under the recipient key, whatever the dialect does around it.
 */
let c: JoseClient;
beforeAll(async () => {
  c = await joseGateway();
}, 30000);
afterAll(() => c.close());

it.each([
  ['ECDH-ES', { kty: 'EC', crv: 'P-256', alg: 'ECDH-ES' }],
  // EC curves only: both backends hold them (SoftHSM2 has no X25519; interop.e2e.ts covers its epk).
  ['ECDH-ES+A128KW', { kty: 'EC', crv: 'P-384', alg: 'ECDH-ES+A128KW' }],
])('%s: the sender and the recipient side are one audited core operation each', async (alg, key) => {
  const { kid } = await c.ok('/v1/crypto/keys', key);
  const before = await auditOf(c, kid);
  expect(before).toEqual(['create ok']);
  const data = b64u('ephemeral-static');
  const jwe = await c.ok('/v1/crypto/encrypt', { kid, alg, enc: 'A256GCM', data });
  const header = JSON.parse(fromB64u(jwe.protected).toString());
  expect(header.epk).toEqual({ kty: 'EC', crv: key.crv, x: expect.any(String), y: expect.any(String) });
  expect(await auditOf(c, kid)).toEqual(['ecdh-es-send ok', 'create ok']);
  expect((await c.ok('/v1/crypto/decrypt', jwe)).data).toBe(data);
  expect(await auditOf(c, kid)).toEqual(['ecdh-es-receive ok', 'ecdh-es-send ok', 'create ok']);
});

it('a recipient key that may not derive is refused by the core on the recipient side, and audited', async () => {
  // Made for ES256, the key signs only; its public half still lets anyone encrypt to it.
  const { kid } = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
  const jwe = await c.ok('/v1/crypto/encrypt', { kid, alg: 'ECDH-ES', enc: 'A256GCM', data: b64u('x') });
  const res = await c.call('/v1/crypto/decrypt', jwe);
  expect(res.status).toBe(403);
  expect(res.json).toEqual({ error: 'forbidden', description: 'Access denied' });
  expect(await auditOf(c, kid)).toEqual(['ecdh-es-receive FORBIDDEN', 'ecdh-es-send ok', 'create ok']);
});
