import { createHmac, pbkdf2Sync } from 'node:crypto';
import type { SecretKdf } from '@kms/core';
import type { Kernel, OpContext } from '../support/kernel-types';
import { hex } from '../support/pkcs8';
import { tempKernel } from '../support/temp-kernel';

/**
 * KeyOperations.deriveFromKey (KMIP Derive Key's PBKDF2 and HMAC methods) on the soft backend:
 * known answers, the derived key stored and usable, and the refusals, one audit row each.
 */
describe('key derivation from a stored secret', () => {
  let k: Kernel;
  let cleanup: () => Promise<void>;
  let ctx: OpContext;
  let other: OpContext;

  const importSecret = async (c: OpContext, bytes: Buffer, usages: ('mac' | 'derive')[] = ['derive']) =>
    (await k.keys.import(c, { spec: `secret-${bytes.length * 8}`, material: { kind: 'secret', bytes: Buffer.from(bytes) }, usages, exportable: true })).id;
  const exported = async (id: string) => {
    const { material } = await k.keys.exportKey(ctx, id);
    if (material.kind !== 'secret') throw new Error('not a secret');
    return material.bytes;
  };
  const rows = async (limit: number) => {
    await k.audit.flush();
    return (await k.auditReader.query({ tenantId: ctx.tenantId, limit })).map((r) => ({ op: r.operation, keyId: r.keyId, outcome: r.outcome }));
  };

  beforeAll(async () => {
    const t = await tempKernel();
    k = t.kernel;
    cleanup = t.cleanup;
    ctx = { tenantId: (await k.tenants.createTenant('derive')).id, dialect: 'test', principal: 'jest' };
    other = { tenantId: (await k.tenants.createTenant('derive-other')).id, dialect: 'test', principal: 'jest' };
  });
  afterAll(() => cleanup());

  it('PBKDF2: RFC 6070 (HMAC-SHA1, 4096 iterations) and HMAC-SHA256 / SHA-512 against node:crypto', async () => {
    const password = await importSecret(ctx, Buffer.from('password'));
    const rfc = await k.keys.deriveFromKey(ctx, password, { kind: 'pbkdf2', hash: 'SHA-1', salt: Buffer.from('salt'), iterations: 4096 }, { spec: 'secret-160', exportable: true });
    expect(rfc).toMatchObject({ spec: 'secret-160', keyClass: 'secret', origin: 'imported', exportable: true });
    expect(await exported(rfc.id)).toEqual(hex('4b007901b765489abead49d926f721d065a429c1'));

    const salt = Buffer.from('NaCl-and-pepper');
    for (const [hash, node, spec] of [
      ['SHA-256', 'sha256', 'aes-256'],
      ['SHA-512', 'sha512', 'secret-384'],
    ] as const) {
      const made = await k.keys.deriveFromKey(ctx, password, { kind: 'pbkdf2', hash, salt, iterations: 1000 }, { spec, exportable: true });
      const bits = Number(spec.split('-')[1]);
      expect(await exported(made.id)).toEqual(pbkdf2Sync('password', salt, 1000, bits / 8, node));
    }
  });

  it('HMAC: one output truncated to the length asked, the whole output, and a length past it refused; the derived key works', async () => {
    const base = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    const id = await importSecret(ctx, base);
    const data = Buffer.from('derivation data');
    const h = (hash: string) => createHmac(hash, base).update(data).digest();

    const short = await k.keys.deriveFromKey(ctx, id, { kind: 'hmac', hash: 'SHA-256', data }, { spec: 'aes-128', exportable: true });
    expect(await exported(short.id)).toEqual(h('sha256').subarray(0, 16));

    const whole = await k.keys.deriveFromKey(ctx, id, { kind: 'hmac', hash: 'SHA-512', data }, { spec: 'secret-512', usages: ['mac'], exportable: true });
    expect(await exported(whole.id)).toEqual(h('sha512'));
    const msg = Buffer.from('use it');
    expect(await k.keys.mac(ctx, whole.id, 'SHA-256', msg)).toEqual(createHmac('sha256', h('sha512')).update(msg).digest());

    // KMIP: a length past the method's output is an error, not an extension.
    await expect(k.keys.deriveFromKey(ctx, id, { kind: 'hmac', hash: 'SHA-256', data }, { spec: 'secret-264' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('gives 32 bytes'),
    });

    // An AES base key derives too (the KDF keys HMAC with its bytes); not exportable by default.
    const aes = (await k.keys.import(ctx, { spec: 'aes-256', material: { kind: 'secret', bytes: Buffer.from(base) }, usages: ['encrypt', 'derive'] })).id;
    const fromAes = await k.keys.deriveFromKey(ctx, aes, { kind: 'hmac', hash: 'SHA-384', data }, { spec: 'aes-256' });
    expect(fromAes.exportable).toBe(false);
    await expect(k.keys.exportKey(ctx, fromAes.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A key derived from one that is not exportable cannot be made exportable.
    await expect(k.keys.deriveFromKey(ctx, aes, { kind: 'hmac', hash: 'SHA-384', data }, { spec: 'aes-256', exportable: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('refuses: no derive usage, another tenant, a key pair, bad parameters, an asymmetric target; nothing is left behind', async () => {
    const macOnly = await importSecret(ctx, Buffer.alloc(32, 1), ['mac']);
    const base = await importSecret(ctx, Buffer.alloc(32, 2));
    const foreign = await importSecret(other, Buffer.alloc(32, 3));
    const pair = (await k.keys.create(ctx, { spec: 'ec-p256', usages: ['derive'] })).id;
    const hmac: SecretKdf = { kind: 'hmac', hash: 'SHA-256', data: Buffer.from('x') };
    const pbkdf2 = (p: Partial<Extract<SecretKdf, { kind: 'pbkdf2' }>>): SecretKdf => ({ kind: 'pbkdf2', hash: 'SHA-256', salt: Buffer.from('s'), iterations: 10, ...p });
    const before = (await k.keys.list(ctx)).total;

    await expect(k.keys.deriveFromKey(ctx, macOnly, hmac, { spec: 'aes-128' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(k.keys.deriveFromKey(ctx, foreign, hmac, { spec: 'aes-128' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(k.keys.deriveFromKey(ctx, pair, hmac, { spec: 'aes-128' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(k.keys.deriveFromKey(ctx, base, hmac, { spec: 'ec-p256' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(k.keys.deriveFromKey(ctx, base, pbkdf2({ iterations: 0 }), { spec: 'aes-128' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(k.keys.deriveFromKey(ctx, base, pbkdf2({ iterations: 1_000_001 }), { spec: 'aes-128' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(k.keys.deriveFromKey(ctx, base, pbkdf2({ salt: Buffer.alloc(0) }), { spec: 'aes-128' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(k.keys.deriveFromKey(ctx, base, pbkdf2({ hash: 'SM3' }), { spec: 'aes-128' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(k.keys.deriveFromKey(ctx, base, { kind: 'hmac', hash: 'SHA-256', data: Buffer.alloc(0) }, { spec: 'aes-128' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(k.keys.deriveFromKey(ctx, base, { kind: 'hkdf' } as unknown as SecretKdf, { spec: 'aes-128' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await k.keys.setEnabled(ctx, base, false);
    await expect(k.keys.deriveFromKey(ctx, base, hmac, { spec: 'aes-128' })).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });
    expect((await k.keys.list(ctx)).total).toBe(before);

    // Each refusal is one derive-key row (newest first; the disable between them is its own row); a
    // refusal once the base key is found names it, one before names no key, since none was made.
    const trail = (await rows(13)).filter((r) => r.op === 'derive-key');
    expect(trail).toHaveLength(11);
    expect(trail[0].keyId).toBe(base);
    expect(trail[1].keyId).toBeNull();
    expect(trail.map((r) => r.outcome)).toEqual([
      'WRONG_KEY_STATE',
      'UNSUPPORTED',
      'INVALID_ARGUMENT',
      'UNSUPPORTED',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'UNSUPPORTED',
      'UNSUPPORTED',
      'NOT_FOUND',
      'FORBIDDEN',
    ]);
  });
});
