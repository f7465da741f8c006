import type { KeyUsage } from '@kms/core';
import { planKey, publicUse } from './jwk';

const ALL_RSA: KeyUsage[] = ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap'];

describe('planKey: a key made for an alg does that kind of operation only', () => {
  it.each([
    [{ kty: 'RSA', alg: 'RSA-OAEP' }, ['encrypt', 'decrypt', 'wrap', 'unwrap']],
    [{ kty: 'RSA', alg: 'RS256' }, ['sign', 'verify']],
    [{ kty: 'RSA' }, ALL_RSA],
    [{ kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A128KW' }, ['derive']],
    [{ kty: 'EC', crv: 'P-256', alg: 'ES256' }, ['sign', 'verify']],
    [{ kty: 'EC', crv: 'P-256' }, ['sign', 'verify', 'derive']],
    [{ kty: 'OKP', alg: 'ECDH-ES' }, ['derive']],
    [{ kty: 'OKP' }, ['sign', 'verify']],
  ])('%j -> %j', (body, usages) => {
    expect(planKey(body).usages).toEqual(usages);
  });

  it('an ECDH-ES OKP key is X25519 (its default); Ed25519 cannot agree keys', () => {
    expect(planKey({ kty: 'OKP', alg: 'ECDH-ES' })).toMatchObject({ crv: 'X25519', spec: 'okp-x25519' });
    expect(() => planKey({ kty: 'OKP', alg: 'ECDH-ES', crv: 'Ed25519' })).toThrow('ECDH-ES needs curve X25519');
  });
});

describe('publicUse: `use` and `key_ops` of the public JWK', () => {
  it('follows the stored alg, even for keys stored with every usage (made before usages followed alg)', () => {
    expect(publicUse('RSA-OAEP-256', ALL_RSA, 'RSA')).toEqual({ use: 'enc', key_ops: ['encrypt', 'wrapKey'] });
    expect(publicUse('ECDH-ES', ['sign', 'verify', 'derive'], 'EC')).toEqual({ use: 'enc' });
    expect(publicUse('PS256', ALL_RSA, 'RSA')).toEqual({ use: 'sig', key_ops: ['verify'] });
  });

  it('without a JOSE alg, follows the usages: a key that can sign is a signature key', () => {
    expect(publicUse(undefined, ALL_RSA, 'RSA')).toEqual({ use: 'sig', key_ops: ['verify'] });
    expect(publicUse(undefined, ['encrypt', 'decrypt'], 'RSA')).toEqual({ use: 'enc', key_ops: ['encrypt', 'wrapKey'] });
    expect(publicUse(undefined, ['derive'], 'OKP')).toEqual({ use: 'enc' });
    expect(publicUse('A256GCM', ['derive'], 'EC')).toEqual({ use: 'enc' });
  });
});
