import { createHash, createPublicKey, publicEncrypt, constants, verify as nodeVerify } from 'node:crypto';
import type { HashAlg, Kernel, KeyOperations, OpContext, SignParams } from '../support/kernel-types';
import { tempKernel } from '../support/temp-kernel';

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
}

/**
 * Every spec the backend holds, through the canonical service: generate, use every operation its
 * usages allow, check the result independently where node:crypto can (signatures verified with
 * the exported SPKI, OAEP ciphertexts made with it), and see tampering fail. Shared by the
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
}
