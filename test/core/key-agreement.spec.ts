import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { invalidArgument } from '@kms/core';
import type { Kernel, OpContext } from '../support/kernel-types';
import { hex, x25519Pkcs8, x25519Spki } from '../support/pkcs8';
import { tempKernel } from '../support/temp-kernel';

/**
 * Key agreement as canonical operations (KeyOperations.agree, deriveKey): ECDH → KDF → one use,
 * in the core, one audit row each. RFC 7748 §6.1: Alice's X25519 key held, Bob's public key the peer.
 */
const ALICE = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const BOB_PUB = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const SHARED = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
const peer = { spki: x25519Spki(BOB_PUB) };
const hkdf = (info: string, length: number) => Buffer.from(hkdfSync('sha256', SHARED, Buffer.alloc(0), info, length));

describe('key agreement in the core', () => {
  let k: Kernel;
  let cleanup: () => Promise<void>;
  let ctx: OpContext;
  let alice: string;

  const rows = async (limit: number) => {
    await k.audit.flush();
    return (await k.auditReader.query({ tenantId: ctx.tenantId, limit })).map((r) => ({ op: r.operation, keyId: r.keyId, outcome: r.outcome, event: r.event }));
  };

  beforeAll(async () => {
    const t = await tempKernel();
    k = t.kernel;
    cleanup = t.cleanup;
    const tenant = await k.tenants.createTenant('agreement');
    ctx = { tenantId: tenant.id, dialect: 'test', principal: 'jest' };
    alice = (await k.keys.import(ctx, { spec: 'okp-x25519', material: { kind: 'pkcs8', der: x25519Pkcs8(ALICE) } })).id;
  });
  afterAll(() => cleanup());

  it('agree: the raw, hashed and HKDF secret, and HMAC, AES-GCM and AES-KW with the agreed key, one row each', async () => {
    expect(await k.keys.agree(ctx, alice, peer, { kind: 'raw' }, { op: 'secret' })).toEqual(SHARED);
    expect(await k.keys.agree(ctx, alice, peer, { kind: 'digest', hash: 'SHA3-256' }, { op: 'secret' })).toEqual(createHash('sha3-256').update(SHARED).digest());
    const kdf = { kind: 'hkdf' as const, hash: 'SHA-256' as const, info: Buffer.from('encedo-aes'), length: 32 };
    expect(await k.keys.agree(ctx, alice, peer, kdf, { op: 'secret' })).toEqual(hkdf('encedo-aes', 32));

    const macKey = createHash('sha256').update(SHARED).digest();
    const data = Buffer.from('agreed');
    const mac = await k.keys.agree(ctx, alice, peer, { kind: 'digest', hash: 'SHA-256' }, { op: 'mac', hash: 'SHA-256', data });
    expect(mac).toEqual(createHmac('sha256', macKey).update(data).digest());
    expect(await k.keys.agree(ctx, alice, peer, { kind: 'digest', hash: 'SHA-256' }, { op: 'mac-verify', hash: 'SHA-256', data, mac })).toBe(true);
    expect(await k.keys.agree(ctx, alice, peer, { kind: 'digest', hash: 'SHA-256' }, { op: 'mac-verify', hash: 'SHA-256', data, mac: Buffer.alloc(32) })).toBe(false);

    const sealed = await k.keys.agree(ctx, alice, peer, kdf, { op: 'encrypt', params: { alg: 'AES-GCM', plaintext: data, aad: Buffer.from('aad') } });
    const d = createDecipheriv('aes-256-gcm', hkdf('encedo-aes', 32), sealed.iv, { authTagLength: 16 }).setAAD(Buffer.from('aad')).setAuthTag(sealed.tag);
    expect(Buffer.concat([d.update(sealed.ciphertext), d.final()])).toEqual(data);
    const opened = await k.keys.agree(ctx, alice, peer, kdf, {
      op: 'decrypt',
      params: { alg: 'AES-GCM', ciphertext: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag, aad: Buffer.from('aad') },
    });
    expect(opened).toEqual(data);
    sealed.tag[0] ^= 1;
    await expect(
      k.keys.agree(ctx, alice, peer, kdf, { op: 'decrypt', params: { alg: 'AES-GCM', ciphertext: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag } }),
    ).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });

    const kek = { kind: 'hkdf' as const, hash: 'SHA-256' as const, info: Buffer.from('encedo-kek'), length: 16 };
    const w = createCipheriv('id-aes128-wrap', hkdf('encedo-kek', 16), hex('a6a6a6a6a6a6a6a6'));
    const wrapped = await k.keys.agree(ctx, alice, peer, kek, { op: 'wrap', alg: 'AES-KW', data: Buffer.alloc(16, 7) });
    expect(wrapped).toEqual(Buffer.concat([w.update(Buffer.alloc(16, 7)), w.final()]));
    expect(await k.keys.agree(ctx, alice, peer, kek, { op: 'unwrap', alg: 'AES-KW', data: wrapped })).toEqual(Buffer.alloc(16, 7));
    // Node refuses an 8-byte wrap input itself: the operation's failure, not an internal error.
    await expect(k.keys.agree(ctx, alice, peer, kek, { op: 'wrap', alg: 'AES-KW', data: Buffer.alloc(8) })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });

    const trail = await rows(3);
    expect(trail).toEqual([
      { op: 'ecdh-wrap', keyId: alice, outcome: 'CRYPTO_FAILURE', event: null },
      { op: 'ecdh-unwrap', keyId: alice, outcome: 'ok', event: null },
      { op: 'ecdh-wrap', keyId: alice, outcome: 'ok', event: null },
    ]);
  });

  it('deriveKey: ECDH → HKDF → a stored key under the chosen id, one row on the new key; a repeat and a too-short secret are refused', async () => {
    const id = '0d1e2f30-4150-4000-8000-000000000001';
    const kdf = { kind: 'hkdf' as const, hash: 'SHA-256' as const, info: Buffer.from('encedo-SHA2-256'), length: 32 };
    const rec = await k.keys.deriveKey({ ...ctx, event: 'DERIVED' }, alice, peer, kdf, { id, spec: 'secret-256', usages: ['mac'], label: 'derived' });
    expect(rec).toMatchObject({ id, spec: 'secret-256', keyClass: 'secret', origin: 'imported', label: 'derived' });
    const data = Buffer.from('with the derived key');
    expect(await k.keys.mac(ctx, id, 'SHA-256', data)).toEqual(createHmac('sha256', hkdf('encedo-SHA2-256', 32)).update(data).digest());
    await expect(k.keys.deriveKey(ctx, alice, peer, kdf, { id, spec: 'secret-256', usages: ['mac'] })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const other = '0d1e2f30-4150-4000-8000-000000000002';
    await expect(k.keys.deriveKey(ctx, alice, peer, { ...kdf, length: 64 }, { id: other, spec: 'secret-512', usages: ['mac'] })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(k.keys.get(ctx, other)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const trail = await rows(4);
    expect(trail.filter((r) => r.op === 'derive-key')).toEqual([
      { op: 'derive-key', keyId: other, outcome: 'UNSUPPORTED', event: null },
      { op: 'derive-key', keyId: id, outcome: 'ALREADY_EXISTS', event: null },
      { op: 'derive-key', keyId: id, outcome: 'ok', event: 'DERIVED' },
    ]);
  });

  it('succeeded and refusal: one row each for a request that touched no key, naming the key the request named', async () => {
    await k.keys.succeeded({ ...ctx, event: 'LOGIN/OK' }, 'login');
    await k.keys.refusal({ ...ctx, event: 'USE/ERROR' }, 'use', invalidArgument('bad field'), alice);
    expect(await rows(2)).toEqual([
      { op: 'use', keyId: alice, outcome: 'INVALID_ARGUMENT', event: 'USE/ERROR' },
      { op: 'login', keyId: null, outcome: 'ok', event: 'LOGIN/OK' },
    ]);
  });
});
