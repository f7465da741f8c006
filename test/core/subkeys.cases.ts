import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, hkdfSync, sign, type CipherGCMTypes } from 'node:crypto';
import { atVersion } from '@kms/core';
import type { Kernel, KeyOperations, OpContext } from '../support/kernel-types';
import type { OperationsTarget } from './operations.cases';

/** What operationsCases made in its beforeAll. */
export interface CasesScope {
  kernel: Kernel;
  keys: KeyOperations;
  ctx: OpContext;
}

/**
 * ChaCha20-Poly1305 keys, per-context subkeys (derived and convergent encryption), the HMAC subkey
 * of AES / ChaCha20 keys, and export of exportable keys, through the canonical service on the
 * backend under test. Subkeys are recomputed here from the exported key with node's own HKDF and
 * HMAC, as the core documents them (algorithms.ts, crypto/subkeys.ts), so the derivation itself is
 * checked, not only its round trip. A backend that cannot compute subkeys must say UNSUPPORTED.
 */
export function subkeyCases(target: OperationsTarget, scope: () => CasesScope): void {
  const msg = Buffer.from('a message of some length, to encrypt under a per-context subkey.');
  const aad = Buffer.from('associated data');
  const ctxA = Buffer.from('tenant-a/user-17');
  const ctxB = Buffer.from('tenant-a/user-18');

  const hkdf = (key: Buffer, info: Buffer, length: number) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, length));
  const secretBytes = async (id: Parameters<KeyOperations['exportKey']>[1]) => {
    const { material } = await scope().keys.exportKey(scope().ctx, id);
    if (material.kind !== 'secret') throw new Error(`expected secret material, got ${material.kind}`);
    return material.bytes;
  };
  const gcmOpen = (key: Buffer, ct: { ciphertext: Buffer; iv: Buffer; tag: Buffer }, a?: Buffer) => {
    const d = createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, ct.iv, { authTagLength: 16 });
    if (a) d.setAAD(a);
    d.setAuthTag(ct.tag);
    return Buffer.concat([d.update(ct.ciphertext), d.final()]);
  };
  const chachaOpen = (key: Buffer, ct: { ciphertext: Buffer; iv: Buffer; tag: Buffer }, a?: Buffer) => {
    const d = createDecipheriv('chacha20-poly1305', key, ct.iv, { authTagLength: 16 });
    if (a) d.setAAD(a, { plaintextLength: ct.ciphertext.length });
    d.setAuthTag(ct.tag);
    return Buffer.concat([d.update(ct.ciphertext), d.final()]);
  };
  const subkeysRefused = target.subkeys === 'refused';

  describe('ChaCha20-Poly1305 keys', () => {
    it('round-trip with AAD, refuse a wrong tag, AAD, ciphertext or nonce size, and open with the exported key', async () => {
      const { keys, ctx } = scope();
      if (!target.holds('chacha20-poly1305')) {
        await expect(keys.create(ctx, { spec: 'chacha20-poly1305' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const key = await keys.create(ctx, { spec: 'chacha20-poly1305', exportable: true });
      expect(key).toMatchObject({ spec: 'chacha20-poly1305', usages: ['encrypt', 'decrypt'], backend: target.backend });
      const alg = 'CHACHA20-POLY1305';
      const out = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad });
      expect([out.iv.length, out.tag.length, out.ciphertext.length]).toEqual([12, 16, msg.length]);
      expect(await keys.decrypt(ctx, key.id, { alg, ...out, aad })).toEqual(msg);
      expect(chachaOpen(await secretBytes(key.id), out, aad)).toEqual(msg);

      const tag = Buffer.from(out.tag);
      tag[15] ^= 1;
      await expect(keys.decrypt(ctx, key.id, { alg, ...out, tag, aad })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(keys.decrypt(ctx, key.id, { alg, ...out, tag: out.tag.subarray(0, 12), aad })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(keys.decrypt(ctx, key.id, { alg, ...out, aad: Buffer.from('other data') })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(keys.decrypt(ctx, key.id, { alg, ...out })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      const ct = Buffer.from(out.ciphertext);
      ct[3] ^= 0x40;
      await expect(keys.decrypt(ctx, key.id, { alg, ...out, ciphertext: ct, aad })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(keys.encrypt(ctx, key.id, { alg, plaintext: msg, iv: Buffer.alloc(16) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    });

    it('RFC 8439 §2.8.2 AEAD test vector', async () => {
      const { keys, ctx } = scope();
      const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
      const material = { kind: 'secret' as const, bytes };
      if (!target.holds('chacha20-poly1305')) {
        await expect(keys.import(ctx, { spec: 'chacha20-poly1305', material })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const key = await keys.import(ctx, { spec: 'chacha20-poly1305', material });
      const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
      const out = await keys.encrypt(ctx, key.id, {
        alg: 'CHACHA20-POLY1305',
        plaintext,
        iv: Buffer.from('070000004041424344454647', 'hex'),
        aad: Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex'),
      });
      expect(out.ciphertext.subarray(0, 16).toString('hex')).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
      expect(out.tag.toString('hex')).toBe('1ae10b594f09e26a7e902ecbd0600691');
    });

    it('after a rotation, old ciphertexts open under the bare id (version trial) and their own version only', async () => {
      const { keys, ctx } = scope();
      if (!target.holds('chacha20-poly1305')) {
        await expect(keys.create(ctx, { spec: 'chacha20-poly1305' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const alg = 'CHACHA20-POLY1305';
      const key = await keys.create(ctx, { spec: 'chacha20-poly1305' });
      const open = (ref: Parameters<KeyOperations['decrypt']>[1], ct: { ciphertext: Buffer; iv: Buffer; tag: Buffer }) => keys.decrypt(ctx, ref, { alg, ...ct, aad });
      const v1 = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad });
      expect((await keys.lifecycle.rotate(ctx, key.id)).currentVersion).toBe(2);
      const v2 = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad });
      expect([v1.keyVersion, v2.keyVersion]).toEqual([1, 2]);
      for (const ref of [key.id, atVersion(key.id, 1)]) expect(await open(ref, v1)).toEqual(msg);
      for (const ref of [key.id, atVersion(key.id, 2)]) expect(await open(ref, v2)).toEqual(msg);
      await expect(open(atVersion(key.id, 2), v1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(open(atVersion(key.id, 1), v2)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      const bad = { ...v1, tag: Buffer.from(v1.tag).fill(0) };
      await expect(open(key.id, bad)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    });
  });

  describe('per-context subkeys', () => {
    /** An exportable AES key (exported here to recompute its subkeys) on the backend under test. */
    const aesKey = (spec = 'aes-256', usages: Array<'encrypt' | 'decrypt' | 'mac'> = ['encrypt', 'decrypt']) =>
      scope().keys.create(scope().ctx, { spec, usages, exportable: true });

    it.each(['aes-128', 'aes-256'])('%s AES-GCM: a derived subkey round-trips, another context or the key itself does not open, and HKDF recomputed here does', async (spec) => {
      const { keys, ctx } = scope();
      const key = await aesKey(spec);
      const p = { alg: 'AES-GCM' as const, plaintext: msg, aad, derive: { mode: 'derived' as const, context: ctxA } };
      if (subkeysRefused) {
        await expect(keys.encrypt(ctx, key.id, p)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        const plain = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, aad });
        await expect(keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...plain, aad, derive: { context: ctxA } })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const out = await keys.encrypt(ctx, key.id, p);
      expect(out.iv.length).toBe(12);
      expect(await keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...out, aad, derive: { context: ctxA } })).toEqual(msg);
      await expect(keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...out, aad, derive: { context: ctxB } })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...out, aad })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      const bytes = await secretBytes(key.id);
      const subkey = hkdf(bytes, ctxA, bytes.length);
      expect(gcmOpen(subkey, out, aad)).toEqual(msg);
      expect(() => gcmOpen(bytes, out, aad)).toThrow();
      // Random nonces: two encryptions of the same input differ.
      const again = await keys.encrypt(ctx, key.id, p);
      expect(again.iv.equals(out.iv) || again.ciphertext.equals(out.ciphertext)).toBe(false);
    });

    it('convergent encryption is deterministic for equal (context, plaintext, AAD), differs when any one differs, and its nonce is the documented HMAC', async () => {
      const { keys, ctx } = scope();
      const key = await aesKey();
      const seal = (context: Buffer, plaintext: Buffer, a: Buffer | undefined) =>
        keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext, aad: a, derive: { mode: 'convergent', context } });
      if (subkeysRefused) {
        await expect(seal(ctxA, msg, aad)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const base = await seal(ctxA, msg, aad);
      const same = await seal(ctxA, msg, aad);
      expect([same.iv, same.ciphertext, same.tag]).toEqual([base.iv, base.ciphertext, base.tag]);
      const variants = [
        await seal(ctxB, msg, aad),
        await seal(ctxA, Buffer.from('another message'), aad),
        await seal(ctxA, msg, Buffer.from('other AAD')),
        await seal(ctxA, msg, undefined),
      ];
      for (const v of variants) {
        expect(v.iv.equals(base.iv)).toBe(false);
        expect(v.ciphertext.equals(base.ciphertext) && v.tag.equals(base.tag)).toBe(false);
      }
      expect(await keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...base, aad, derive: { context: ctxA } })).toEqual(msg);

      // nonce = HMAC-SHA256(subkey, u64be(len(AAD)) || AAD || plaintext)[0..12)
      const bytes = await secretBytes(key.id);
      const subkey = hkdf(bytes, ctxA, 32);
      const length = Buffer.alloc(8);
      length.writeBigUInt64BE(BigInt(aad.length));
      expect(base.iv).toEqual(createHmac('sha256', subkey).update(length).update(aad).update(msg).digest().subarray(0, 12));
      expect(gcmOpen(subkey, base, aad)).toEqual(msg);

      await expect(keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, iv: Buffer.alloc(12), derive: { mode: 'convergent', context: ctxA } })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('ChaCha20-Poly1305 with a derived and a convergent subkey', async () => {
      const { keys, ctx } = scope();
      if (!target.holds('chacha20-poly1305')) {
        await expect(keys.create(ctx, { spec: 'chacha20-poly1305' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const key = await keys.create(ctx, { spec: 'chacha20-poly1305', exportable: true });
      const alg = 'CHACHA20-POLY1305';
      const derived = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad, derive: { mode: 'derived', context: ctxA } });
      const c1 = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad, derive: { mode: 'convergent', context: ctxA } });
      const c2 = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad, derive: { mode: 'convergent', context: ctxA } });
      expect([c2.iv, c2.ciphertext, c2.tag]).toEqual([c1.iv, c1.ciphertext, c1.tag]);
      const subkey = hkdf(await secretBytes(key.id), ctxA, 32);
      for (const out of [derived, c1]) {
        expect(await keys.decrypt(ctx, key.id, { alg, ...out, aad, derive: { context: ctxA } })).toEqual(msg);
        await expect(keys.decrypt(ctx, key.id, { alg, ...out, aad, derive: { context: ctxB } })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
        expect(chachaOpen(subkey, out, aad)).toEqual(msg);
      }
    });

    it('version trial: a derived ciphertext of version 1 opens under the bare id after a rotation, with its context only', async () => {
      const { keys, ctx } = scope();
      const key = await aesKey();
      const p = { alg: 'AES-GCM' as const, plaintext: msg, aad, derive: { mode: 'derived' as const, context: ctxA } };
      if (subkeysRefused) {
        await expect(keys.encrypt(ctx, key.id, p)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const open = (ref: Parameters<KeyOperations['decrypt']>[1], ct: { ciphertext: Buffer; iv: Buffer; tag: Buffer }, context = ctxA) =>
        keys.decrypt(ctx, ref, { alg: 'AES-GCM', ...ct, aad, derive: { context } });
      const v1 = await keys.encrypt(ctx, key.id, p);
      await keys.lifecycle.rotate(ctx, key.id);
      const v2 = await keys.encrypt(ctx, key.id, p);
      expect([v1.keyVersion, v2.keyVersion]).toEqual([1, 2]);
      for (const ref of [key.id, atVersion(key.id, 1)]) expect(await open(ref, v1)).toEqual(msg);
      for (const ref of [key.id, atVersion(key.id, 2)]) expect(await open(ref, v2)).toEqual(msg);
      await expect(open(atVersion(key.id, 2), v1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(open(key.id, v1, ctxB)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      // Each version has its own subkey: version 1's, recomputed from version 1's exported key, opens v1.
      expect(gcmOpen(hkdf(await secretBytes(atVersion(key.id, 1)), ctxA, 32), v1, aad)).toEqual(msg);
      // A data key sealed under a subkey opens under it.
      const dk = await keys.generateDataKey(ctx, key.id, { alg: 'AES-GCM', length: 32, derive: { mode: 'derived', context: ctxB } });
      expect(await keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...dk.sealed, derive: { context: ctxB } })).toEqual(dk.dataKey);
    });

    it('refuses a bad context or a mode without a 96-bit nonce before any backend is asked', async () => {
      const { keys, ctx } = scope();
      const key = await aesKey();
      const withContext = (context: Buffer) => keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, derive: { mode: 'derived', context } });
      await expect(withContext(Buffer.alloc(0))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'context' });
      await expect(withContext(Buffer.alloc(1025, 1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'context' });
      await expect(withContext(Buffer.from('kms-gateway/hmac-subkey/v1'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'context' });
      await expect(keys.encrypt(ctx, key.id, { alg: 'AES-CBC', plaintext: msg, derive: { mode: 'derived', context: ctxA } })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(
        keys.decrypt(ctx, key.id, { alg: 'AES-CBC', ciphertext: Buffer.alloc(16), iv: Buffer.alloc(16), tag: Buffer.alloc(0), derive: { context: ctxA } }),
      ).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    });
  });

  describe('HMAC subkeys of AES and ChaCha20 keys', () => {
    it('aes-256: HMAC with the HMAC subkey equals a local HMAC under the HKDF subkey, and verifies across versions', async () => {
      const { keys, ctx } = scope();
      const key = await keys.create(ctx, { spec: 'aes-256', usages: ['encrypt', 'decrypt', 'mac'], exportable: true });
      if (subkeysRefused) {
        await expect(keys.mac(ctx, key.id, 'SHA-256', msg, 'hmac-subkey')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        await expect(keys.macVerify(ctx, key.id, 'SHA-256', msg, Buffer.alloc(32), 'hmac-subkey')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const local = async (ref: Parameters<KeyOperations['exportKey']>[1], hash: string) =>
        createHmac(hash, hkdf(await secretBytes(ref), Buffer.from('kms-gateway/hmac-subkey/v1'), 32))
          .update(msg)
          .digest();
      const m256 = await keys.mac(ctx, key.id, 'SHA-256', msg, 'hmac-subkey');
      expect(m256).toEqual(await local(key.id, 'sha256'));
      expect(await keys.mac(ctx, key.id, 'SHA-512', msg, 'hmac-subkey')).toEqual(await local(key.id, 'sha512'));
      expect(
        m256.equals(
          createHmac('sha256', await secretBytes(key.id))
            .update(msg)
            .digest(),
        ),
      ).toBe(false);
      expect(await keys.macVerify(ctx, key.id, 'SHA-256', msg, m256, 'hmac-subkey')).toBe(true);
      const bad = Buffer.from(m256);
      bad[0] ^= 1;
      expect(await keys.macVerify(ctx, key.id, 'SHA-256', msg, bad, 'hmac-subkey')).toBe(false);

      await keys.lifecycle.rotate(ctx, key.id);
      const m2 = await keys.mac(ctx, key.id, 'SHA-256', msg, 'hmac-subkey');
      expect(m2.equals(m256)).toBe(false);
      expect(m2).toEqual(await local(key.id, 'sha256'));
      expect([await keys.macVerify(ctx, key.id, 'SHA-256', msg, m256, 'hmac-subkey'), await keys.macVerify(ctx, key.id, 'SHA-256', msg, m2, 'hmac-subkey')]).toEqual([true, true]);
      expect(await keys.macVerify(ctx, atVersion(key.id, 2), 'SHA-256', msg, m256, 'hmac-subkey')).toBe(false);
    });

    it('chacha20-poly1305: HMAC with the HMAC subkey equals a local HMAC under the HKDF subkey', async () => {
      const { keys, ctx } = scope();
      if (!target.holds('chacha20-poly1305')) {
        await expect(keys.create(ctx, { spec: 'chacha20-poly1305', usages: ['encrypt', 'decrypt', 'mac'] })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
        return;
      }
      const key = await keys.create(ctx, { spec: 'chacha20-poly1305', usages: ['encrypt', 'decrypt', 'mac'], exportable: true });
      const expected = createHmac('sha384', hkdf(await secretBytes(key.id), Buffer.from('kms-gateway/hmac-subkey/v1'), 32))
        .update(msg)
        .digest();
      expect(await keys.mac(ctx, key.id, 'SHA-384', msg, 'hmac-subkey')).toEqual(expected);
    });

    it('needs the mac usage, and the right key for each choice', async () => {
      const { keys, ctx } = scope();
      const noMac = await keys.create(ctx, { spec: 'aes-256' });
      await expect(keys.mac(ctx, noMac.id, 'SHA-256', msg, 'hmac-subkey')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const aes = await keys.create(ctx, { spec: 'aes-256', usages: ['mac'] });
      // An AES key is not an HMAC key: without the subkey choice it is refused, never used as one.
      await expect(keys.mac(ctx, aes.id, 'SHA-256', msg)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(keys.macVerify(ctx, aes.id, 'SHA-256', msg, Buffer.alloc(32))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      const hmacKey = await keys.create(ctx, { spec: 'secret-256' });
      await expect(keys.mac(ctx, hmacKey.id, 'SHA-256', msg, 'hmac-subkey')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(keys.create(ctx, { spec: 'sm4-128', usages: ['mac'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });

  describe('export of exportable keys', () => {
    it('aes-256: the exported material opens what the key sealed, per version; a zeroed copy does not touch the key', async () => {
      const { keys, ctx, kernel } = scope();
      const key = await keys.create(ctx, { spec: 'aes-256', exportable: true });
      const sealed = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, aad });
      const first = await keys.exportKey(ctx, key.id);
      expect(first).toMatchObject({ keyId: key.id, keyVersion: 1, material: { kind: 'secret' } });
      const bytes = first.material.kind === 'secret' ? first.material.bytes : Buffer.alloc(0);
      expect(bytes.length).toBe(32);
      expect(gcmOpen(bytes, sealed, aad)).toEqual(msg);
      // The answer is the caller's copy: zeroing it leaves the key (and the next export) whole.
      bytes.fill(0);
      expect(await secretBytes(key.id)).not.toEqual(Buffer.alloc(32));
      expect(gcmOpen(await secretBytes(key.id), sealed, aad)).toEqual(msg);
      expect(await keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...sealed, aad })).toEqual(msg);

      await keys.lifecycle.rotate(ctx, key.id);
      const v2 = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, aad });
      const [e1, e2] = [await keys.exportKey(ctx, atVersion(key.id, 1)), await keys.exportKey(ctx, key.id)];
      expect([e1.keyVersion, e2.keyVersion]).toEqual([1, 2]);
      const b2 = await secretBytes(key.id);
      expect(gcmOpen(b2, v2, aad)).toEqual(msg);
      expect(() => gcmOpen(b2, sealed, aad)).toThrow();
      expect(gcmOpen(await secretBytes(atVersion(key.id, 1)), sealed, aad)).toEqual(msg);

      const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: key.id, limit: 100 });
      // One row per export: the seven above.
      const exports = rows.filter((r) => r.operation === 'export');
      expect(exports).toHaveLength(7);
      expect(exports.every((r) => r.outcome === 'ok' && r.backend === target.backend)).toBe(true);
    });

    it('ec-p256: the exported PKCS#8 is the key whose public half the key reports, and it signs what the key verifies', async () => {
      const { keys, ctx } = scope();
      const key = await keys.create(ctx, { spec: 'ec-p256', exportable: true });
      const { material } = await keys.exportKey(ctx, key.id);
      expect(material.kind).toBe('pkcs8');
      const priv = createPrivateKey({ key: material.kind === 'pkcs8' ? material.der : Buffer.alloc(0), format: 'der', type: 'pkcs8' });
      expect(createPublicKey(priv).export({ format: 'der', type: 'spki' })).toEqual((await keys.getPublicKey(ctx, key.id)).spki);
      expect(await keys.verify(ctx, key.id, { scheme: 'ECDSA', hash: 'SHA-256' }, msg, sign('sha256', msg, priv))).toBe(true);
    });

    it('refuses a key that is not exportable (FORBIDDEN, audited), a public key, and a disabled key', async () => {
      const { keys, ctx, kernel } = scope();
      const key = await keys.create(ctx, { spec: 'aes-256' });
      await expect(keys.exportKey(ctx, key.id)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('not exportable') });
      const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: key.id, limit: 10 });
      expect(rows.find((r) => r.operation === 'export')).toMatchObject({ outcome: 'FORBIDDEN' });

      const pair = await keys.create(ctx, { spec: 'ec-p256' });
      const pub = await keys.import(ctx, { spec: 'ec-p256', material: { kind: 'public', spki: pair.publicKey! }, exportable: true });
      await expect(keys.exportKey(ctx, pub.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

      const off = await keys.create(ctx, { spec: 'aes-128', exportable: true });
      await keys.setEnabled(ctx, off.id, false);
      await expect(keys.exportKey(ctx, off.id)).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });
    });
  });
}
