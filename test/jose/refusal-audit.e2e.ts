import { auditOf, b64u, joseGateway, type JoseClient } from './support';

/**
 * A refusal the dialect makes itself, after its guard let the caller in, is audited once through
 * the core (JoseErrorCodec.audit); a failure that follows a core operation has that row and no other.
 */
let c: JoseClient;
beforeAll(async () => {
  c = await joseGateway();
}, 30000);
afterAll(() => c.close());

describe('refusals of the dialect’s own', () => {
  it('a key of the wrong kind for the algorithm is one audited refusal under that key', async () => {
    const { kid } = await c.ok('/v1/crypto/keys', { kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const res = await c.call('/v1/crypto/encrypt', { kid, alg: 'RSA-OAEP-256', enc: 'A256GCM', data: b64u('x') });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ error: 'crypto_failure' });
    expect(await auditOf(c, kid)).toEqual(['jose-encrypt CRYPTO_FAILURE', 'create ok']);
  });

  it('a body its DTO refuses is one audited refusal; a failure after a core operation gets no second row', async () => {
    const { kid } = await c.ok('/v1/crypto/keys', { kty: 'oct', alg: 'A256GCM' });
    const bad = await c.call('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data: 5 });
    expect(bad.status).toBe(400);
    expect(await auditOf(c, kid)).toEqual(['jose-encrypt INVALID_ARGUMENT', 'create ok']);
    const jwe = await c.ok('/v1/crypto/encrypt', { kid, alg: 'dir', enc: 'A256GCM', data: b64u('x') });
    const tampered = { ...jwe, tag: b64u(Buffer.alloc(16)) };
    expect((await c.call('/v1/crypto/decrypt', tampered)).status).toBe(422);
    const rows = await auditOf(c, kid);
    expect(rows.slice(0, 2)).toEqual(['decrypt CRYPTO_FAILURE', 'encrypt ok']);
    expect(rows).toHaveLength(4);
  });
});
