import { createHash, createPublicKey, publicEncrypt, constants, verify as nodeVerify } from 'node:crypto';
import { atVersion } from '@kms/core';
import type { HashAlg, Kernel, KeyOperations, OpContext, SignParams } from '../support/kernel-types';
import { tempKernel } from '../support/temp-kernel';
import { subkeyCases } from './subkeys.cases';

/** The backend the canonical operations run against. */
export interface OperationsTarget {
  /** Name of the backend new keys land on (checked in the audit row). */
  backend: string;
  /** Kernel settings; called in beforeAll, so a fixture (a token) may be made first. */
  env: () => Record<string, string>;
  /** Specs the backend holds. Creating a key of any other spec must fail with UNSUPPORTED. */
  holds: (spec: string) => boolean;
  /** Why the backend refuses an operation (`AES-CBC-HMAC-SHA2`, `HMAC-SHA3-256`...) on a key it holds; null if it does not. */
  refuses?: (spec: string, op: string) => string | null;
  /** Per-context and HMAC subkeys of the keys it holds: computed, or refused as UNSUPPORTED (subkeys.cases.ts). */
  subkeys: 'computed' | 'refused';
}

/**
 * Every spec the backend holds, through the canonical service: generate, use every operation its
 * usages allow, check the result independently where node:crypto can (signatures verified with
 * the exported SPKI, OAEP ciphertexts made with it), and see tampering fail; then rotate a key of
 * each family and check what each version opens and verifies. Shared by the
 * software engine (operations.spec.ts) and the PKCS#11 backend (test/pkcs11/operations.spec.ts).
 */
export function operationsCases(target: OperationsTarget): void {
  let kernel: Kernel;
  let keys: KeyOperations;
  let ctx: OpContext;
  let other: OpContext;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const t = await tempKernel(target.env());
    ({ kernel, cleanup } = t);
    keys = kernel.keys;
    ctx = { tenantId: (await kernel.tenants.createTenant('alpha')).id, dialect: 'test' };
    other = { tenantId: (await kernel.tenants.createTenant('beta')).id, dialect: 'test' };
  });
  afterAll(() => cleanup());

  /**
   * A key of `spec`, or null when the backend under test cannot hold it; then creating one must be
   * refused as UNSUPPORTED (the test passes on that check alone, and says so).
   */
  const createOrRefused = async (spec: string, req: Parameters<KeyOperations['create']>[1]) => {
    if (target.holds(spec)) return keys.create(ctx, req);
    await expect(keys.create(ctx, req)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    return null;
  };

  /** True when the backend refuses `op` on a `spec` key (declared by the target): it must say UNSUPPORTED. */
  const refusedOp = async (spec: string, op: string, call: () => Promise<unknown>) => {
    if (!target.refuses?.(spec, op)) return false;
    await expect(call()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    return true;
  };

  const msg = Buffer.from('sixty-four bytes of payload, give or take, for every operation...');

  describe('symmetric specs', () => {
    it.each([
      ['aes-128', 'AES-GCM'],
      ['aes-192', 'AES-GCM'],
      ['aes-256', 'AES-GCM'],
      ['sm4-128', 'SM4-CBC'],
      ['sm4-128', 'SM4-CTR'],
      ['secret-256', 'AES-CBC-HMAC-SHA2'],
      ['secret-384', 'AES-CBC-HMAC-SHA2'],
      ['secret-512', 'AES-CBC-HMAC-SHA2'],
    ] as const)('%s with %s round-trips and detects tampering', async (spec, alg) => {
      const key = await createOrRefused(spec, { spec, usages: ['encrypt', 'decrypt'] });
      if (!key) return;
      const aad = Buffer.from('header');
      if (await refusedOp(spec, alg, () => keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad }))) return;
      const out = await keys.encrypt(ctx, key.id, { alg, plaintext: msg, aad });
      expect(out.ciphertext.equals(msg)).toBe(false);
      expect(await keys.decrypt(ctx, key.id, { alg, ...out, aad })).toEqual(msg);
      if (alg === 'SM4-CTR' || alg === 'SM4-CBC') return; // unauthenticated modes, as eHSM defines them
      const ct = Buffer.from(out.ciphertext);
      ct[0] ^= 1;
      await expect(keys.decrypt(ctx, key.id, { alg, ...out, ciphertext: ct, aad })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(keys.decrypt(ctx, key.id, { alg, ...out, aad: Buffer.from('other') })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    });

    it('HMAC keys compute and verify every supported hash', async () => {
      const key = await keys.create(ctx, { spec: 'secret-256' });
      for (const hash of ['SHA-256', 'SHA-384', 'SHA-512', 'SHA3-256', 'SHA3-384', 'SHA3-512'] as HashAlg[]) {
        if (await refusedOp('secret-256', `HMAC-${hash}`, () => keys.mac(ctx, key.id, hash, msg))) continue;
        const mac = await keys.mac(ctx, key.id, hash, msg);
        expect(await keys.macVerify(ctx, key.id, hash, msg, mac)).toBe(true);
        mac[0] ^= 1;
        expect(await keys.macVerify(ctx, key.id, hash, msg, mac)).toBe(false);
      }
    });
  });

  const SIGNING: Array<[string, SignParams, string | null, object]> = [
    ['rsa-2048', { scheme: 'RSA-PKCS1', hash: 'SHA-256' }, 'sha256', {}],
    ['rsa-3072', { scheme: 'RSA-PSS', hash: 'SHA-384' }, 'sha384', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }],
    ['rsa-4096', { scheme: 'RSA-PSS', hash: 'SHA-512' }, 'sha512', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }],
    ['rsa-2048', { scheme: 'RSA-PKCS1', hash: 'SHA-224' }, 'sha224', {}],
    ['ec-p224', { scheme: 'ECDSA', hash: 'SHA-224' }, 'sha224', {}],
    ['ec-p256', { scheme: 'ECDSA', hash: 'SHA-256' }, 'sha256', {}],
    ['ec-p256', { scheme: 'ECDSA', hash: 'SHA-256', encoding: 'raw' }, 'sha256', { dsaEncoding: 'ieee-p1363' }],
    ['ec-secp256k1', { scheme: 'ECDSA', hash: 'SHA-256' }, 'sha256', {}],
    ['ec-p384', { scheme: 'ECDSA', hash: 'SHA-384' }, 'sha384', {}],
    ['ec-p521', { scheme: 'ECDSA', hash: 'SHA-512' }, 'sha512', {}],
    ['okp-ed25519', { scheme: 'EdDSA' }, null, {}],
    ['ec-sm2', { scheme: 'SM2', hash: 'SM3' }, 'independent', {}],
    ['ml-dsa-44', { scheme: 'ML-DSA' }, 'independent', {}],
  ];

  describe('asymmetric signing specs', () => {
    const made = new Map<string, string>();
    const keyFor = async (spec: string) => {
      if (!made.has(spec)) made.set(spec, (await createOrRefused(spec, { spec, usages: ['sign', 'verify'] }))?.id ?? '');
      return made.get(spec) || null;
    };

    it.each(SIGNING)('%s %j signs, verifies and refuses tampering', async (spec, p, nodeHash, nodeOpts) => {
      const id = await keyFor(spec);
      if (!id) return;
      const sig = await keys.sign(ctx, id, p, msg);
      expect(await keys.verify(ctx, id, p, msg, sig)).toBe(true);
      if (nodeHash !== 'independent') {
        const { spki } = await keys.getPublicKey(ctx, id);
        const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
        expect(nodeVerify(nodeHash, msg, { key: pub, ...nodeOpts }, sig)).toBe(true);
      }
      const bad = Buffer.from(sig);
      bad[bad.length >> 1] ^= 0x10;
      expect(await keys.verify(ctx, id, p, msg, bad)).toBe(false);
      expect(await keys.verify(ctx, id, p, Buffer.from('another message'), sig)).toBe(false);
      expect(await keys.verify(ctx, id, p, msg, Buffer.from('garbage'))).toBe(false);
    });

    it.each(SIGNING.filter(([, p]) => p.scheme !== 'EdDSA' && p.scheme !== 'ML-DSA'))(
      '%s %j over a precomputed digest equals signing the message',
      async (spec, p, nodeHash, nodeOpts) => {
        const id = await keyFor(spec);
        if (!id) return;
        const digest = p.scheme === 'SM2' ? null : createHash(nodeHash!).update(msg).digest();
        if (!digest) {
          // SM2's digest is e = SM3(Z || M); signing it directly must verify as a message signature.
          return;
        }
        const sig = await keys.sign(ctx, id, { ...p, prehashed: true }, digest);
        expect(await keys.verify(ctx, id, p, msg, sig)).toBe(true);
        expect(await keys.verify(ctx, id, { ...p, prehashed: true }, digest, sig)).toBe(true);
        const { spki } = await keys.getPublicKey(ctx, id);
        expect(nodeVerify(nodeHash, msg, { key: createPublicKey({ key: spki, format: 'der', type: 'spki' }), ...nodeOpts }, sig)).toBe(true);
        await expect(keys.sign(ctx, id, { ...p, prehashed: true }, digest.subarray(1))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      },
    );
  });

  describe('asymmetric encryption specs', () => {
    it.each([
      ['rsa-2048', 'SHA-1'],
      ['rsa-3072', 'SHA-256'],
    ] as const)('%s RSA-OAEP-%s: a ciphertext made locally with the public key decrypts', async (spec, hash) => {
      const key = await createOrRefused(spec, { spec });
      if (!key) return;
      const { spki } = await keys.getPublicKey(ctx, key.id);
      const ct = publicEncrypt(
        { key: createPublicKey({ key: spki, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash === 'SHA-1' ? 'sha1' : 'sha256' },
        msg,
      );
      expect(await keys.asymDecrypt(ctx, key.id, { scheme: 'RSA-OAEP', hash }, ct)).toEqual(msg);
      ct[5] ^= 1;
      await expect(keys.asymDecrypt(ctx, key.id, { scheme: 'RSA-OAEP', hash }, ct)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    });

    it('RSA PKCS#1 v1.5 round-trips; a bad ciphertext gives a synthetic message, not an error', async () => {
      const key = await createOrRefused('rsa-2048', { spec: 'rsa-2048' });
      if (!key) return;
      const ct = await keys.asymEncrypt(ctx, key.id, { scheme: 'RSA-PKCS1' }, msg);
      expect(await keys.asymDecrypt(ctx, key.id, { scheme: 'RSA-PKCS1' }, ct)).toEqual(msg);
      ct[7] ^= 1;
      const synthetic = await keys.asymDecrypt(ctx, key.id, { scheme: 'RSA-PKCS1' }, ct);
      expect(synthetic.equals(msg)).toBe(false);
    });

    it('SM2 encryption round-trips and refuses tampering', async () => {
      const key = await createOrRefused('ec-sm2', { spec: 'ec-sm2', usages: ['encrypt', 'decrypt'] });
      if (!key) return;
      const ct = await keys.asymEncrypt(ctx, key.id, { scheme: 'SM2' }, msg);
      expect(await keys.asymDecrypt(ctx, key.id, { scheme: 'SM2' }, ct)).toEqual(msg);
      ct[ct.length - 3] ^= 1;
      await expect(keys.asymDecrypt(ctx, key.id, { scheme: 'SM2' }, ct)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    });
  });

  describe('key agreement specs', () => {
    it.each(['ec-p256', 'ec-secp256k1', 'ec-p384', 'ec-p521', 'okp-x25519'])('%s: both sides derive the same secret', async (spec) => {
      const a = await createOrRefused(spec, { spec, usages: ['derive'] });
      if (!a) return;
      const b = await keys.create(ctx, { spec, usages: ['derive'] });
      const ab = await keys.deriveEcdh(ctx, a.id, { keyId: b.id });
      const ba = await keys.deriveEcdh(ctx, b.id, { spki: b.publicKey! && a.publicKey! });
      expect(ab.equals(ba)).toBe(true);
      expect(ab.length).toBeGreaterThanOrEqual(32);
    });

    it('refuses a peer of another curve as a client mistake', async () => {
      const a = await keys.create(ctx, { spec: 'ec-p256', usages: ['derive'] });
      const b = await keys.create(ctx, { spec: 'ec-p384', usages: ['derive'] });
      await expect(keys.deriveEcdh(ctx, a.id, { spki: b.publicKey! })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(keys.deriveEcdh(ctx, a.id, { keyId: b.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(keys.deriveEcdh(ctx, a.id, { spki: Buffer.from('not a key') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });

  describe('versions', () => {
    const spkiKey = (spki: Buffer) => createPublicKey({ key: spki, format: 'der', type: 'spki' });

    /** Rotates to version 2 on the backend under test; both versions are kept, each with its own material. */
    const rotate = async (id: string) => {
      const r = await keys.lifecycle.rotate(ctx, id);
      expect(r).toMatchObject({ currentVersion: 2, minDecryptVersion: 1, backend: target.backend });
      expect(r.versions.map((v) => v.version)).toEqual([1, 2]);
      expect(r.versions[1].backendRef).not.toEqual(r.versions[0].backendRef);
      const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: id, limit: 100 });
      expect(rows.filter((row) => row.operation === 'rotate')).toEqual([expect.objectContaining({ outcome: 'ok', backend: target.backend })]);
      return r;
    };

    /** setMinDecryptVersion(2), checked by `refusedNow`, then trim(2): version 1 is destroyed, version 2 kept and still used by `stillWorks`. */
    const retireVersion1 = async (id: string, refusedNow: () => Promise<void>, stillWorks: () => Promise<void>) => {
      expect(await keys.lifecycle.setMinDecryptVersion(ctx, id, 2)).toMatchObject({ minDecryptVersion: 2, currentVersion: 2 });
      await refusedNow();
      await stillWorks();
      const trimmed = await keys.lifecycle.trim(ctx, id, 2);
      expect(trimmed.versions.map((v) => v.version)).toEqual([2]);
      const { versions } = await keys.lifecycle.versions(ctx, id);
      expect(versions.map((v) => [v.version, v.state, v.backendRef === null, v.madeBy])).toEqual([
        [1, 'destroyed', true, 'create'],
        [2, 'enabled', false, 'rotate'],
      ]);
      expect(versions[0].destroyedAt).toEqual(expect.any(Number));
      await refusedNow();
      await stillWorks();
      await expect(keys.lifecycle.setMinDecryptVersion(ctx, id, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: id, limit: 100 });
      expect(rows.find((row) => row.operation === 'trim-versions')).toMatchObject({ outcome: 'ok', backend: target.backend });
    };

    it('aes-256 AES-GCM and AES-KW: old ciphertexts open under the bare id and version 1, new ones only under version 2', async () => {
      const key = await createOrRefused('aes-256', { spec: 'aes-256', usages: ['encrypt', 'decrypt', 'wrap', 'unwrap'] });
      if (!key) return;
      const aad = Buffer.from('versioned header');
      const open = (ref: Parameters<KeyOperations['decrypt']>[1], ct: { ciphertext: Buffer; iv: Buffer; tag: Buffer }) =>
        keys.decrypt(ctx, ref, { alg: 'AES-GCM', ciphertext: ct.ciphertext, iv: ct.iv, tag: ct.tag, aad });
      const data = Buffer.alloc(32, 0x5a);
      const v1 = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, aad });
      expect(v1.keyVersion).toBe(1);
      const w1 = await keys.wrap(ctx, key.id, 'AES-KW', data);

      await rotate(key.id);
      const v2 = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg, aad });
      expect(v2.keyVersion).toBe(2);
      const w2 = await keys.wrap(ctx, key.id, 'AES-KW', data);
      // AES-KW is deterministic: another wrapping of the same data means another key.
      expect(w2.equals(w1)).toBe(false);

      for (const ref of [key.id, atVersion(key.id, 1)]) expect(await open(ref, v1)).toEqual(msg);
      for (const ref of [key.id, atVersion(key.id, 2)]) expect(await open(ref, v2)).toEqual(msg);
      await expect(open(atVersion(key.id, 1), v2)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(open(atVersion(key.id, 2), v1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      // A bare id tries every kept version: a tampered ciphertext fails them all.
      const bad = Buffer.from(v1.ciphertext);
      bad[0] ^= 1;
      await expect(open(key.id, { ...v1, ciphertext: bad })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      // A version named for encryption is the one used.
      const named = await keys.encrypt(ctx, atVersion(key.id, 1), { alg: 'AES-GCM', plaintext: msg, aad });
      expect(named.keyVersion).toBe(1);
      await expect(open(atVersion(key.id, 2), named)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      expect(await open(atVersion(key.id, 1), named)).toEqual(msg);
      await expect(keys.encrypt(ctx, atVersion(key.id, 3), { alg: 'AES-GCM', plaintext: msg })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

      for (const ref of [key.id, atVersion(key.id, 1)]) expect(await keys.unwrap(ctx, ref, 'AES-KW', w1)).toEqual(data);
      for (const ref of [key.id, atVersion(key.id, 2)]) expect(await keys.unwrap(ctx, ref, 'AES-KW', w2)).toEqual(data);
      await expect(keys.unwrap(ctx, atVersion(key.id, 1), 'AES-KW', w2)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });

      await retireVersion1(
        key.id,
        async () => {
          await expect(open(key.id, v1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
          await expect(open(atVersion(key.id, 1), v1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
          await expect(keys.unwrap(ctx, key.id, 'AES-KW', w1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
        },
        async () => {
          expect(await open(key.id, v2)).toEqual(msg);
          expect(await keys.unwrap(ctx, key.id, 'AES-KW', w2)).toEqual(data);
          expect((await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg })).keyVersion).toBe(2);
        },
      );
    });

    it('secret-256 HMAC-SHA-256: MACs of either version verify under the bare id, each only under its own version', async () => {
      const key = await createOrRefused('secret-256', { spec: 'secret-256' });
      if (!key) return;
      if (await refusedOp('secret-256', 'HMAC-SHA-256', () => keys.mac(ctx, key.id, 'SHA-256', msg))) return;
      const check = (ref: Parameters<KeyOperations['macVerify']>[1], mac: Buffer) => keys.macVerify(ctx, ref, 'SHA-256', msg, mac);
      const m1 = await keys.mac(ctx, key.id, 'SHA-256', msg);
      await rotate(key.id);
      const m2 = await keys.mac(ctx, key.id, 'SHA-256', msg);
      expect(m2.equals(m1)).toBe(false);
      // HMAC is deterministic: naming a version gives that version's MAC.
      expect(await keys.mac(ctx, atVersion(key.id, 1), 'SHA-256', msg)).toEqual(m1);
      expect(await keys.mac(ctx, atVersion(key.id, 2), 'SHA-256', msg)).toEqual(m2);
      expect([await check(key.id, m1), await check(key.id, m2)]).toEqual([true, true]);
      expect([await check(atVersion(key.id, 1), m1), await check(atVersion(key.id, 1), m2)]).toEqual([true, false]);
      expect([await check(atVersion(key.id, 2), m1), await check(atVersion(key.id, 2), m2)]).toEqual([false, true]);
      const bad = Buffer.from(m1);
      bad[0] ^= 1;
      expect(await check(key.id, bad)).toBe(false);

      await retireVersion1(
        key.id,
        async () => {
          expect(await check(key.id, m1)).toBe(false);
          await expect(check(atVersion(key.id, 1), m1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        },
        async () => {
          expect(await check(key.id, m2)).toBe(true);
          expect(await keys.mac(ctx, key.id, 'SHA-256', msg)).toEqual(m2);
        },
      );
    });

    const VERSIONED_SIGNING: Array<[string, SignParams, string | null, object]> = [
      ['rsa-2048', { scheme: 'RSA-PSS', hash: 'SHA-256' }, 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
      ['ec-p256', { scheme: 'ECDSA', hash: 'SHA-256' }, 'sha256', {}],
      ['okp-ed25519', { scheme: 'EdDSA' }, null, {}],
      ['ec-sm2', { scheme: 'SM2', hash: 'SM3' }, 'independent', {}],
      ['ml-dsa-44', { scheme: 'ML-DSA' }, 'independent', {}],
    ];

    it.each(VERSIONED_SIGNING)('%s %j: each version has its own public key; old signatures verify with the bare id and version 1', async (spec, p, nodeHash, nodeOpts) => {
      const key = await createOrRefused(spec, { spec, usages: ['sign', 'verify'] });
      if (!key) return;
      const nodeVerifies = (spki: Buffer, sig: Buffer) => nodeVerify(nodeHash, msg, { key: spkiKey(spki), ...nodeOpts }, sig);
      const check = (ref: Parameters<KeyOperations['verify']>[1], sig: Buffer) => keys.verify(ctx, ref, p, msg, sig);
      const s1 = await keys.signVersioned(ctx, key.id, p, msg);
      expect(s1.keyVersion).toBe(1);
      const pub1 = await keys.getPublicKey(ctx, key.id);
      expect(pub1.version).toBe(1);

      await rotate(key.id);
      const s2 = await keys.signVersioned(ctx, key.id, p, msg);
      expect(s2.keyVersion).toBe(2);
      const current = await keys.getPublicKey(ctx, key.id);
      const [spki1, spki2] = [(await keys.getPublicKey(ctx, key.id, 1)).spki, (await keys.getPublicKey(ctx, key.id, 2)).spki];
      expect(current.version).toBe(2);
      expect(current.spki).toEqual(spki2);
      expect(spki1).toEqual(pub1.spki);
      expect(spki1.equals(spki2)).toBe(false);
      await expect(keys.getPublicKey(ctx, key.id, 3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

      // A version named for signing is the one used.
      const named = await keys.signVersioned(ctx, atVersion(key.id, 1), p, msg);
      expect(named.keyVersion).toBe(1);
      expect([await check(atVersion(key.id, 1), named.signature), await check(atVersion(key.id, 2), named.signature)]).toEqual([true, false]);
      if (nodeHash !== 'independent') {
        // Checked independently: each signature verifies with its own version's SPKI only.
        expect([nodeVerifies(spki1, s1.signature), nodeVerifies(spki2, s1.signature)]).toEqual([true, false]);
        expect([nodeVerifies(spki1, s2.signature), nodeVerifies(spki2, s2.signature)]).toEqual([false, true]);
        expect(nodeVerifies(spki1, named.signature)).toBe(true);
      }

      expect([await check(key.id, s1.signature), await check(key.id, s2.signature)]).toEqual([true, true]);
      expect([await check(atVersion(key.id, 1), s1.signature), await check(atVersion(key.id, 1), s2.signature)]).toEqual([true, false]);
      expect([await check(atVersion(key.id, 2), s1.signature), await check(atVersion(key.id, 2), s2.signature)]).toEqual([false, true]);
      const bad = Buffer.from(s1.signature);
      bad[bad.length >> 1] ^= 0x10;
      expect(await check(key.id, bad)).toBe(false);
      expect(await keys.verify(ctx, key.id, p, Buffer.from('another message'), s1.signature)).toBe(false);

      await retireVersion1(
        key.id,
        async () => {
          expect(await check(key.id, s1.signature)).toBe(false);
          await expect(check(atVersion(key.id, 1), s1.signature)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        },
        async () => {
          expect(await check(key.id, s2.signature)).toBe(true);
          expect(await check(atVersion(key.id, 2), await keys.sign(ctx, key.id, p, msg))).toBe(true);
        },
      );
      // Once trimmed, version 1's public key is gone too.
      await expect(keys.getPublicKey(ctx, key.id, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('rsa-2048 RSA-OAEP: ciphertexts made with either public key open under the bare id, each only under its own version', async () => {
      const key = await createOrRefused('rsa-2048', { spec: 'rsa-2048', usages: ['encrypt', 'decrypt'] });
      if (!key) return;
      const p = { scheme: 'RSA-OAEP', hash: 'SHA-256' } as const;
      const seal = (spki: Buffer) => publicEncrypt({ key: spkiKey(spki), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, msg);
      const open = (ref: Parameters<KeyOperations['asymDecrypt']>[1], ct: Buffer) => keys.asymDecrypt(ctx, ref, p, ct);
      if (await refusedOp('rsa-2048', 'RSA-OAEP', () => open(key.id, seal(key.publicKey!)))) return;
      const c1 = seal((await keys.getPublicKey(ctx, key.id)).spki);

      await rotate(key.id);
      const [spki1, spki2] = [(await keys.getPublicKey(ctx, key.id, 1)).spki, (await keys.getPublicKey(ctx, key.id, 2)).spki];
      expect(spki1).toEqual(key.publicKey);
      expect(spki1.equals(spki2)).toBe(false);
      const c2 = seal(spki2);
      // Made by the core: the current version's public key.
      const c3 = await keys.asymEncrypt(ctx, key.id, p, msg);

      for (const ref of [key.id, atVersion(key.id, 1)]) expect(await open(ref, c1)).toEqual(msg);
      for (const ref of [key.id, atVersion(key.id, 2)]) for (const ct of [c2, c3]) expect(await open(ref, ct)).toEqual(msg);
      for (const ct of [c2, c3]) await expect(open(atVersion(key.id, 1), ct)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(open(atVersion(key.id, 2), c1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });

      await retireVersion1(
        key.id,
        async () => {
          await expect(open(key.id, c1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
          await expect(open(atVersion(key.id, 1), c1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        },
        async () => {
          expect(await open(key.id, c2)).toEqual(msg);
        },
      );
    });

    it('ec-sm2 SM2 encryption: ciphertexts of either version open under the bare id, each only under its own version', async () => {
      const key = await createOrRefused('ec-sm2', { spec: 'ec-sm2', usages: ['encrypt', 'decrypt'] });
      if (!key) return;
      const p = { scheme: 'SM2' } as const;
      const open = (ref: Parameters<KeyOperations['asymDecrypt']>[1], ct: Buffer) => keys.asymDecrypt(ctx, ref, p, ct);
      const c1 = await keys.asymEncrypt(ctx, key.id, p, msg);
      await rotate(key.id);
      const c2 = await keys.asymEncrypt(ctx, key.id, p, msg);
      const named = await keys.asymEncrypt(ctx, atVersion(key.id, 1), p, msg);
      for (const ref of [key.id, atVersion(key.id, 1)]) for (const ct of [c1, named]) expect(await open(ref, ct)).toEqual(msg);
      for (const ref of [key.id, atVersion(key.id, 2)]) expect(await open(ref, c2)).toEqual(msg);
      await expect(open(atVersion(key.id, 1), c2)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await expect(open(atVersion(key.id, 2), c1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
      await retireVersion1(
        key.id,
        async () => {
          await expect(open(key.id, c1)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
          await expect(open(atVersion(key.id, 1), c1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        },
        async () => {
          expect(await open(key.id, c2)).toEqual(msg);
        },
      );
    });

    it('a destroyed key takes every version with it', async () => {
      const key = await keys.create(ctx, { spec: 'aes-128' });
      const v1 = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg });
      await rotate(key.id);
      await keys.destroy(ctx, key.id);
      await expect(keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...v1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(keys.lifecycle.versions(ctx, key.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await kernel.keyStore.versionHistory(key.id)).map((v) => [v.version, v.state, v.backendRef])).toEqual([
        [1, 'destroyed', null],
        [2, 'destroyed', null],
      ]);
    });
  });

  describe('policy: tenant, state, usage, audit', () => {
    it("hides another tenant's key as not found", async () => {
      const key = await keys.create(ctx, { spec: 'aes-256' });
      await expect(keys.encrypt(other, key.id, { alg: 'AES-GCM', plaintext: msg })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(keys.get(other, key.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(keys.get(ctx, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses a disabled key until it is enabled, and a destroyed key for ever', async () => {
      const key = await keys.create(ctx, { spec: 'aes-128' });
      await keys.setEnabled(ctx, key.id, false);
      await expect(keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg })).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });
      await keys.setEnabled(ctx, key.id, true);
      await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg });
      await keys.destroy(ctx, key.id);
      await expect(keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await kernel.keyStore.find(key.id))!).toMatchObject({ state: 'destroyed', backendRef: null });
    });

    it('enforces usage and algorithm fit', async () => {
      const enc = await keys.create(ctx, { spec: 'rsa-2048', usages: ['encrypt', 'decrypt'] });
      await expect(keys.sign(ctx, enc.id, { scheme: 'RSA-PSS', hash: 'SHA-256' }, msg)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const aes = await keys.create(ctx, { spec: 'aes-256' });
      await expect(keys.encrypt(ctx, aes.id, { alg: 'SM4-CBC', plaintext: msg })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(keys.create(ctx, { spec: 'okp-x25519', usages: ['sign'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(keys.create(ctx, { spec: 'rsa-1024' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(keys.import(ctx, { spec: 'aes-256', material: { kind: 'secret', bytes: Buffer.alloc(16) } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('refuses a chosen id already taken, leaving the existing key whole on its backend', async () => {
      const key = await keys.create(ctx, { spec: 'aes-256' });
      const sealed = await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg });
      await expect(keys.create(ctx, { spec: 'aes-256', id: key.id })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(keys.import(ctx, { spec: 'aes-256', id: key.id, material: { kind: 'secret', bytes: Buffer.alloc(32, 7) } })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      expect(await keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ...sealed })).toEqual(msg);
    });

    it('writes exactly one audit row per operation, failures included, with no key material', async () => {
      const before = await kernel.auditReader.count({ tenantId: ctx.tenantId });
      const key = await keys.create(ctx, { spec: 'aes-256' });
      const calls = Array.from({ length: 200 }, (_, i) =>
        i % 10 === 9
          ? keys.decrypt(ctx, key.id, { alg: 'AES-GCM', ciphertext: msg, iv: Buffer.alloc(12), tag: Buffer.alloc(16) }).catch((e) => e)
          : keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg }),
      );
      await Promise.all(calls);
      expect(await kernel.auditReader.count({ tenantId: ctx.tenantId })).toBe(before + 201);
      const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: key.id, limit: 1000 });
      expect(rows.filter((r) => r.outcome === 'CRYPTO_FAILURE')).toHaveLength(20);
      expect(rows.find((r) => r.operation === 'create')).toMatchObject({ keyId: key.id, backend: target.backend, dialect: 'test' });
    });
  });

  subkeyCases(target, () => ({ kernel, keys, ctx }));
}
