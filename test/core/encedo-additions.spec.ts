import { randomBytes } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem512 } from '@noble/post-quantum/ml-kem.js';
import type { Kernel, OpContext } from '../support/kernel-types';
import { ed25519Pkcs8, hex } from '../support/pkcs8';
import { tempKernel } from '../support/temp-kernel';

/**
 * Core additions made for the Encedo dialect: Ed448/X448 keys, Ed25519ctx/ph and Ed448 contexts,
 * ML-DSA-65/87, ML-KEM, AES-CBC/ECB, 16-byte GCM IVs, KEM operations, and the audit `event`.
 * Known answers from RFC 8032 §7.2/§7.4 and RFC 7748 §6.2.
 */
const ed448Pkcs8 = (seed: Buffer) => Buffer.concat([hex('3047020100300506032b6571043b0439'), seed]);
const x448Pkcs8 = (k: Buffer) => Buffer.concat([hex('3046020100300506032b656f043a0438'), k]);
const x448Spki = (u: Buffer) => Buffer.concat([hex('3042300506032b656f033900'), u]);

describe('core additions for Encedo', () => {
  let k: Kernel;
  let cleanup: () => Promise<void>;
  let ctx: OpContext;

  beforeAll(async () => {
    const t = await tempKernel();
    k = t.kernel;
    cleanup = t.cleanup;
    const tenant = await k.tenants.createTenant('additions');
    ctx = { tenantId: tenant.id, dialect: 'test', principal: 'jest' };
  });
  afterAll(() => cleanup());

  const importPrivate = (spec: string, der: Buffer) => k.keys.import(ctx, { spec, material: { kind: 'pkcs8', der } });

  it('Ed448 (RFC 8032 §7.4, 1 octet) and Ed448 with context "foo"', async () => {
    const key = await importPrivate(
      'okp-ed448',
      ed448Pkcs8(hex('c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e')),
    );
    expect(key.publicKey!.subarray(-57)).toEqual(hex('43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480'));
    const pure = await k.keys.sign(ctx, key.id, { scheme: 'EdDSA' }, hex('03'));
    expect(pure.toString('hex')).toBe(
      '26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00',
    );
    const withCtx = await k.keys.sign(ctx, key.id, { scheme: 'EdDSA', context: Buffer.from('foo') }, hex('03'));
    expect(withCtx.toString('hex')).toBe(
      'd4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea000c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00',
    );
    expect(await k.keys.verify(ctx, key.id, { scheme: 'EdDSA', context: Buffer.from('foo') }, hex('03'), withCtx)).toBe(true);
    expect(await k.keys.verify(ctx, key.id, { scheme: 'EdDSA', context: Buffer.from('bar') }, hex('03'), withCtx)).toBe(false);
    const ph = await k.keys.sign(ctx, key.id, { scheme: 'EdDSA', variant: 'ph' }, hex('616263'));
    expect(await k.keys.verify(ctx, key.id, { scheme: 'EdDSA', variant: 'ph' }, hex('616263'), ph)).toBe(true);
    expect(await k.keys.verify(ctx, key.id, { scheme: 'EdDSA' }, hex('616263'), ph)).toBe(false);
  });

  it('Ed25519ctx (RFC 8032 §7.2, "foo") and Ed25519ph agreeing with noble', async () => {
    const key = await importPrivate('okp-ed25519', ed25519Pkcs8(hex('0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6')));
    const sig = await k.keys.sign(ctx, key.id, { scheme: 'EdDSA', context: Buffer.from('foo') }, hex('f726936d19c800494e3fdaff20b276a8'));
    expect(sig.toString('hex')).toBe('55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d');
    const ph = await k.keys.sign(ctx, key.id, { scheme: 'EdDSA', variant: 'ph' }, Buffer.from('abc'));
    expect(ed25519ph.verify(ph, Buffer.from('abc'), key.publicKey!.subarray(-32))).toBe(true);
    await expect(k.keys.sign(ctx, key.id, { scheme: 'EdDSA', context: Buffer.alloc(256) }, Buffer.from('x'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('X448 (RFC 7748 §6.2)', async () => {
    const key = await importPrivate('okp-x448', x448Pkcs8(hex('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b')));
    const bob = x448Spki(hex('3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609'));
    const secret = await k.keys.deriveEcdh(ctx, key.id, { spki: bob });
    expect(secret.toString('hex')).toBe('07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d');
    const generated = await k.keys.create(ctx, { spec: 'okp-x448' });
    expect((await k.keys.deriveEcdh(ctx, generated.id, { keyId: key.id })).length).toBe(56);
  });

  it('ML-KEM-512/768/1024: encapsulate and decapsulate agree; noble decapsulates ours; wrong length refused', async () => {
    for (const [spec, ct] of [
      ['ml-kem-512', 768],
      ['ml-kem-768', 1088],
      ['ml-kem-1024', 1568],
    ] as const) {
      const key = await k.keys.create(ctx, { spec });
      const e = await k.keys.encapsulate(ctx, key.id);
      expect(e.ciphertext.length).toBe(ct);
      expect(await k.keys.decapsulate(ctx, key.id, e.ciphertext)).toEqual(e.sharedSecret);
      await expect(k.keys.decapsulate(ctx, key.id, e.ciphertext.subarray(1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    // A public key alone (imported) encapsulates; the holder of the seed decapsulates.
    const { publicKey, secretKey } = ml_kem512.keygen(randomBytes(64));
    const spki = Buffer.concat([hex('30820332300b060960864801650304040103820321 00'.replace(/ /g, '')), publicKey]);
    const pub = await k.keys.import(ctx, { spec: 'ml-kem-512', material: { kind: 'public', spki } });
    const e = await k.keys.encapsulate(ctx, pub.id);
    expect(Buffer.from(ml_kem512.decapsulate(e.ciphertext, secretKey))).toEqual(e.sharedSecret);
    await expect(k.keys.decapsulate(ctx, pub.id, e.ciphertext)).rejects.toBeDefined();
    const ed = await k.keys.create(ctx, { spec: 'okp-ed25519' });
    await expect(k.keys.encapsulate(ctx, ed.id)).rejects.toMatchObject({ code: expect.stringMatching(/FORBIDDEN|UNSUPPORTED/) });
  });

  it('ML-DSA-65/87 sign with a context, verified by noble', async () => {
    for (const spec of ['ml-dsa-65', 'ml-dsa-87']) {
      const key = await k.keys.create(ctx, { spec });
      const msg = Buffer.from('message');
      const sig = await k.keys.sign(ctx, key.id, { scheme: 'ML-DSA', context: Buffer.from('c') }, msg);
      expect(await k.keys.verify(ctx, key.id, { scheme: 'ML-DSA', context: Buffer.from('c') }, msg, sig)).toBe(true);
      expect(await k.keys.verify(ctx, key.id, { scheme: 'ML-DSA' }, msg, sig)).toBe(false);
      if (spec === 'ml-dsa-87') expect(ml_dsa87.verify(sig, msg, key.publicKey!.subarray(-2592), { context: Buffer.from('c') })).toBe(true);
    }
  });

  it('AES-CBC (PKCS#7), AES-ECB (whole blocks) and AES-GCM with a 16-byte IV', async () => {
    const aes = await k.keys.import(ctx, { spec: 'aes-128', material: { kind: 'secret', bytes: hex('2b7e151628aed2a6abf7158809cf4f3c') } });
    // NIST SP 800-38A F.1.1 / F.2.1 (first block).
    const ecb = await k.keys.encrypt(ctx, aes.id, { alg: 'AES-ECB', plaintext: hex('6bc1bee22e409f96e93d7e117393172a') });
    expect(ecb.ciphertext.toString('hex')).toBe('3ad77bb40d7a3660a89ecaf32466ef97');
    await expect(k.keys.encrypt(ctx, aes.id, { alg: 'AES-ECB', plaintext: Buffer.alloc(17) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const cbc = await k.keys.encrypt(ctx, aes.id, { alg: 'AES-CBC', plaintext: hex('6bc1bee22e409f96e93d7e117393172a'), iv: hex('000102030405060708090a0b0c0d0e0f') });
    expect(cbc.ciphertext.subarray(0, 16).toString('hex')).toBe('7649abac8119b246cee98e9b12e9197d');
    expect(cbc.ciphertext.length).toBe(32);
    expect(await k.keys.decrypt(ctx, aes.id, { alg: 'AES-CBC', ciphertext: cbc.ciphertext, iv: cbc.iv, tag: Buffer.alloc(0) })).toEqual(hex('6bc1bee22e409f96e93d7e117393172a'));
    const gcm = await k.keys.encrypt(ctx, aes.id, { alg: 'AES-GCM', plaintext: Buffer.from('hello'), iv: randomBytes(16) });
    expect(await k.keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ciphertext: gcm.ciphertext, iv: gcm.iv, tag: gcm.tag })).toEqual(Buffer.from('hello'));
    await expect(k.keys.encrypt(ctx, aes.id, { alg: 'AES-GCM', plaintext: Buffer.from('x'), iv: randomBytes(13) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('writes a dialect event (given the outcome and the result) into the audit row', async () => {
    const key = await k.keys.create(ctx, { spec: 'secret-256' });
    const seen: Array<[string, unknown]> = [];
    const ev = { ...ctx, event: (outcome: string, result?: unknown) => (seen.push([outcome, result]), `EV/${outcome}/${String(result)}`) };
    await k.keys.macVerify(ev, key.id, 'SHA-256', Buffer.from('m'), Buffer.alloc(32));
    await expect(k.keys.mac(ev, 'no-such-key', 'SHA-256', Buffer.from('m'))).rejects.toBeDefined();
    await k.audit.flush();
    const rows = await k.auditReader.query({ tenantId: ctx.tenantId, limit: 2 });
    expect(rows.map((r) => r.event)).toEqual(['EV/NOT_FOUND/undefined', 'EV/ok/false']);
    expect(seen).toEqual([
      ['ok', false],
      ['NOT_FOUND', undefined],
    ]);
  });
});
