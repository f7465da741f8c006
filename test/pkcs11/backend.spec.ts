import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { Pkcs11Backend } from '@kms/backend-pkcs11';
import { atVersion, specInfo } from '@kms/core';
import { acquireModule, releaseModule } from '../../libs/backend-pkcs11/src/module-registry';
import type { Kernel, KeyOperations, OpContext } from '../support/kernel-types';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm';
import { tempKernel } from '../support/temp-kernel';

/**
 * The PKCS#11 backend on a private SoftHSM2 token: keys really live on the token, each key version
 * as its own objects, concurrency through the session pool, start-up failures, recovery after the
 * sessions vanish, routing.
 */
let token: SoftHsmToken;
let kernel: Kernel;
let keys: KeyOperations;
let ctx: OpContext;
let cleanup: () => Promise<void>;
/** This process's own handle on the token (see sameProcessToken). */
let own: { p11: pkcs11js.PKCS11; slot: pkcs11js.Handle };
const msg = Buffer.from('a message for the token');

beforeAll(async () => {
  token = createSoftHsmToken('kms-backend', ['kms-idle']);
  ({ kernel, cleanup } = await tempKernel({ ...token.env, KMS_DEFAULT_BACKEND: 'pkcs11' }));
  keys = kernel.keys;
  ctx = { tenantId: (await kernel.tenants.createTenant('p11')).id, dialect: 'test' };
  own = sameProcessToken();
  // The capability matrix as computed from the token, printed once for the record.
  process.stdout.write(`SoftHSM2 capability matrix:\n  ${(kernel.backends.get('pkcs11') as Pkcs11Backend).describe().join('\n  ')}\n`);
});
afterAll(async () => {
  if (own) releaseModule(token.module);
  await cleanup?.();
  token?.cleanup();
});

const backend = () => kernel.backends.get('pkcs11') as Pkcs11Backend;

/**
 * The token as another part of this process sees it. A PKCS#11 module is process-wide state, so
 * the module registry hands every user the one initialised instance the backend uses too; its
 * login holds for every session of the process.
 */
function sameProcessToken(): { p11: pkcs11js.PKCS11; slot: pkcs11js.Handle } {
  const p11 = acquireModule(token.module);
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label);
  if (!slot) throw new Error(`token '${token.label}' not found`);
  return { p11, slot };
}

/** The token's objects with this CKA_ID, read on a session of our own (as pkcs11-tool -O would). */
function objectsOnToken(ckaIdHex: string): Array<{ cls: number; sensitive: boolean | null; extractable: boolean | null; label: string }> {
  const { p11, slot } = own;
  const s = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    p11.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_ID, value: Buffer.from(ckaIdHex, 'hex') }]);
    const handles = p11.C_FindObjects(s, 10);
    p11.C_FindObjectsFinal(s);
    return handles.map((h) => {
      const [cls, label] = p11.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_CLASS }, { type: pkcs11js.CKA_LABEL }]);
      const c = cls.value.readUInt32LE(0);
      const flags =
        c === pkcs11js.CKO_PUBLIC_KEY
          ? [null, null]
          : p11.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]).map((a) => a.value[0] === 1);
      return { cls: c, sensitive: flags[0]!, extractable: flags[1]!, label: label.value.toString() };
    });
  } finally {
    p11.C_CloseSession(s);
  }
}

describe('keys live on the token', () => {
  it.each(['aes-256', 'ec-p256', 'rsa-2048', 'secret-512', 'okp-ed25519'])(
    '%s: token objects found by CKA_ID, sensitive and not extractable; destroy removes them',
    async (spec) => {
      const key = await keys.create(ctx, { spec });
      expect(key.backend).toBe('pkcs11');
      expect(key.backendRef).toBe(key.id.replace(/-/g, ''));
      const objects = objectsOnToken(key.backendRef!);
      const secretHalf = objects.filter((o) => o.cls !== pkcs11js.CKO_PUBLIC_KEY);
      expect(objects).toHaveLength(spec.startsWith('aes') || spec.startsWith('secret') ? 1 : 2);
      expect(secretHalf).toEqual([expect.objectContaining({ sensitive: true, extractable: false, label: `kms:${key.id}` })]);
      await keys.destroy(ctx, key.id);
      expect(objectsOnToken(key.backendRef!)).toEqual([]);
    },
  );

  it('an exportable key is extractable, and its material comes back', async () => {
    const key = await keys.create(ctx, { spec: 'ec-p384', exportable: true });
    expect(objectsOnToken(key.backendRef!).find((o) => o.cls === pkcs11js.CKO_PRIVATE_KEY)).toMatchObject({ extractable: true });
    const loaded = await backend().load({ id: key.id, spec: specInfo('ec-p384'), keyClass: 'private', backendRef: key.backendRef, publicKey: key.publicKey });
    const material = await backend().exportMaterial(loaded);
    expect(material.kind).toBe('pkcs8');
    const sig = await keys.sign(ctx, key.id, { scheme: 'ECDSA', hash: 'SHA-384' }, msg);
    const again = sign('sha384', msg, createPrivateKey({ key: (material as { der: Buffer }).der, format: 'der', type: 'pkcs8' }));
    expect(nodeVerify('sha384', msg, createPublicKey({ key: key.publicKey!, format: 'der', type: 'spki' }), again)).toBe(true);
    expect(sig.length).toBeGreaterThan(0);
  });

  it.each([
    ['rsa-2048', 'rsa', {}],
    ['ec-p224', 'ec', { namedCurve: 'secp224r1' }],
    ['ec-secp256k1', 'ec', { namedCurve: 'secp256k1' }],
    ['okp-ed25519', 'ed25519', {}],
  ] as const)('imports a %s pkcs8 key onto the token; signatures verify with the original public key', async (spec, type, opts) => {
    const pair = generateKeyPairSync(type as 'rsa', { modulusLength: 2048, ...opts } as never) as unknown as { privateKey: KeyObject; publicKey: KeyObject };
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    const key = await keys.import(ctx, { spec, material: { kind: 'pkcs8', der }, usages: ['sign', 'verify'] });
    expect(key.backend).toBe('pkcs11');
    const p =
      type === 'rsa'
        ? { scheme: 'RSA-PSS' as const, hash: 'SHA-256' as const }
        : type === 'ec'
          ? { scheme: 'ECDSA' as const, hash: 'SHA-256' as const }
          : { scheme: 'EdDSA' as const };
    const sig = await keys.sign(ctx, key.id, p, msg);
    const nodeOpts = type === 'rsa' ? { padding: 6, saltLength: 32 } : {};
    expect(nodeVerify(type === 'ed25519' ? null : 'sha256', msg, { key: pair.publicKey, ...nodeOpts }, sig)).toBe(true);
    expect(key.publicKey!.equals(pair.publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
    expect(objectsOnToken(key.backendRef!).find((o) => o.cls === pkcs11js.CKO_PRIVATE_KEY)).toMatchObject({ sensitive: true, extractable: false });
  });

  it('imported AES key gives the NIST GCM answer (test case 4) and wraps per RFC 3394', async () => {
    const k = Buffer.from('feffe9928665731c6d6a8f9467308308', 'hex');
    const key = await keys.import(ctx, { spec: 'aes-128', material: { kind: 'secret', bytes: k }, usages: ['encrypt', 'decrypt', 'wrap', 'unwrap'] });
    const out = await keys.encrypt(ctx, key.id, {
      alg: 'AES-GCM',
      plaintext: Buffer.from('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39', 'hex'),
      aad: Buffer.from('feedfacedeadbeeffeedfacedeadbeefabaddad2', 'hex'),
      iv: Buffer.from('cafebabefacedbaddecaf888', 'hex'),
    });
    expect(out.tag.toString('hex')).toBe('5bc94fbc3221a5db94fae95ae7121a47');
    // RFC 3394 §4.1 (128-bit KEK, 128-bit key data)
    const kek = await keys.import(ctx, {
      spec: 'aes-128',
      material: { kind: 'secret', bytes: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex') },
      usages: ['wrap', 'unwrap'],
    });
    const wrapped = await keys.wrap(ctx, kek.id, 'AES-KW', Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    expect(wrapped.toString('hex')).toBe('1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5');
    expect((await keys.unwrap(ctx, kek.id, 'AES-KW', wrapped)).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    wrapped[3] ^= 1;
    await expect(keys.unwrap(ctx, kek.id, 'AES-KW', wrapped)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    // KWP: 8n-byte inputs wrap on the token; others are refused honestly (SoftHSM2 pads them first).
    const kwp = await keys.wrap(ctx, kek.id, 'AES-KWP', Buffer.alloc(16, 7));
    expect(await keys.unwrap(ctx, kek.id, 'AES-KWP', kwp)).toEqual(Buffer.alloc(16, 7));
    await expect(keys.wrap(ctx, kek.id, 'AES-KWP', Buffer.from('odd'))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

describe('key versions on the token', () => {
  const DAY = 86_400_000;
  /** CKA_ID of a version after the first: its material id `<key id>.v<N>` is no UUID, so it is hashed to 16 bytes. */
  const versionCkaId = (id: string, version: number) => createHash('sha256').update(`${id}.v${version}`).digest().subarray(0, 16).toString('hex');
  const objectCount = (spec: string) => (spec.startsWith('aes') || spec.startsWith('secret') ? 1 : 2);

  /** One use of the key that needs the version named (the current one for a bare id). */
  async function usedAt(spec: string, id: string, version: number): Promise<void> {
    const ref = atVersion(id, version);
    if (spec.startsWith('aes')) {
      const ct = await keys.encrypt(ctx, ref, { alg: 'AES-GCM', plaintext: msg });
      expect(ct.keyVersion).toBe(version);
      expect(await keys.decrypt(ctx, id, { alg: 'AES-GCM', ...ct })).toEqual(msg);
    } else if (spec.startsWith('secret')) {
      const mac = await keys.mac(ctx, ref, 'SHA-256', msg);
      expect(await keys.macVerify(ctx, ref, 'SHA-256', msg, mac)).toBe(true);
    } else {
      const p = spec.startsWith('rsa')
        ? ({ scheme: 'RSA-PSS', hash: 'SHA-256' } as const)
        : spec === 'okp-ed25519'
          ? ({ scheme: 'EdDSA' } as const)
          : ({ scheme: 'ECDSA', hash: 'SHA-256' } as const);
      const signed = await keys.signVersioned(ctx, ref, p, msg);
      expect(signed.keyVersion).toBe(version);
      expect(await keys.verify(ctx, ref, p, msg, signed.signature)).toBe(true);
    }
  }

  it.each(['aes-256', 'secret-256', 'ec-p256', 'rsa-2048', 'okp-ed25519'])(
    '%s: each version is its own token object under its own CKA_ID; trim removes the older ones, destroy the rest',
    async (spec) => {
      const key = await keys.create(ctx, { spec, usages: spec.startsWith('rsa') ? ['sign', 'verify'] : undefined });
      await keys.lifecycle.rotate(ctx, key.id);
      const r = await keys.lifecycle.rotate(ctx, key.id);
      expect(r.versions.map((v) => [v.version, v.backendRef])).toEqual([
        [1, key.id.replace(/-/g, '')],
        [2, versionCkaId(key.id, 2)],
        [3, versionCkaId(key.id, 3)],
      ]);
      expect(new Set(r.versions.map((v) => v.backendRef)).size).toBe(3);
      for (const v of r.versions) {
        const objects = objectsOnToken(v.backendRef!);
        expect(objects).toHaveLength(objectCount(spec));
        const label = `kms:${v.version === 1 ? key.id : `${key.id}.v${v.version}`}`;
        expect(objects.map((o) => o.label)).toEqual(objects.map(() => label));
        expect(objects.filter((o) => o.cls !== pkcs11js.CKO_PUBLIC_KEY)).toEqual([expect.objectContaining({ sensitive: true, extractable: false, label })]);
        await usedAt(spec, key.id, v.version);
      }
      // Versions 1 and 2 retired and trimmed: their objects leave the token, version 3's stays and works.
      await keys.lifecycle.setMinDecryptVersion(ctx, key.id, 3);
      await keys.lifecycle.trim(ctx, key.id, 3);
      expect(objectsOnToken(r.versions[0].backendRef!)).toEqual([]);
      expect(objectsOnToken(r.versions[1].backendRef!)).toEqual([]);
      expect(objectsOnToken(r.versions[2].backendRef!)).toHaveLength(objectCount(spec));
      await usedAt(spec, key.id, 3);
      await keys.destroy(ctx, key.id);
      expect(objectsOnToken(r.versions[2].backendRef!)).toEqual([]);
    },
  );

  it('destroy removes the objects of every kept version; so does a scheduled deletion carried out by runDue', async () => {
    const destroyed = await keys.create(ctx, { spec: 'ec-p256' });
    const scheduled = await keys.create(ctx, { spec: 'aes-128' });
    const refs = new Map<string, string[]>();
    for (const k of [destroyed, scheduled]) {
      const r = await keys.lifecycle.rotate(ctx, k.id);
      refs.set(
        k.id,
        r.versions.map((v) => v.backendRef!),
      );
      for (const ref of refs.get(k.id)!) expect(objectsOnToken(ref).length).toBeGreaterThan(0);
    }
    await keys.destroy(ctx, destroyed.id);
    for (const ref of refs.get(destroyed.id)!) expect(objectsOnToken(ref)).toEqual([]);

    const t0 = Date.now();
    await keys.lifecycle.scheduleDeletion(ctx, scheduled.id, 7, t0);
    expect((await keys.lifecycle.runDue(t0 + 7 * DAY - 1)).destroyed).not.toContain(scheduled.id);
    for (const ref of refs.get(scheduled.id)!) expect(objectsOnToken(ref)).toHaveLength(1);
    expect((await keys.lifecycle.runDue(t0 + 7 * DAY)).destroyed).toContain(scheduled.id);
    for (const ref of refs.get(scheduled.id)!) expect(objectsOnToken(ref)).toEqual([]);
  });
});

describe('concurrency through the session pool', () => {
  it('200 parallel ECDSA P-256 signs and 200 AES-GCM encrypts on one key each all succeed and verify', async () => {
    const ec = await keys.create(ctx, { spec: 'ec-p256' });
    const aes = await keys.create(ctx, { spec: 'aes-256' });
    const pub = createPublicKey({ key: ec.publicKey!, format: 'der', type: 'spki' });
    const messages = Array.from({ length: 200 }, () => randomBytes(48));
    const t0 = performance.now();
    const sigs = await Promise.all(messages.map((m) => keys.sign(ctx, ec.id, { scheme: 'ECDSA', hash: 'SHA-256' }, m)));
    const signMs = performance.now() - t0;
    const t1 = performance.now();
    const cts = await Promise.all(messages.map((m) => keys.encrypt(ctx, aes.id, { alg: 'AES-GCM', plaintext: m })));
    const encMs = performance.now() - t1;
    sigs.forEach((sig, i) => expect(nodeVerify('sha256', messages[i], pub, sig)).toBe(true));
    const back = await Promise.all(cts.map((c) => keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ...c })));
    back.forEach((b, i) => expect(b).toEqual(messages[i]));
    // Informational only (never asserted): wall time through the whole service, audit included.
    // The pool's bound is asserted in session-pool.spec.ts.
    process.stdout.write(`200 parallel ECDSA P-256 signs: ${signMs.toFixed(0)} ms; 200 AES-GCM encrypts: ${encMs.toFixed(0)} ms\n`);
  });
});

describe('recovery', () => {
  it('operations and health recover after every session is closed under the pool', async () => {
    const key = await keys.create(ctx, { spec: 'ec-p256' });
    await keys.sign(ctx, key.id, { scheme: 'ECDSA', hash: 'SHA-256' }, msg);
    // Another part of the process closes all sessions of the slot: the login goes with them.
    own.p11.C_CloseAllSessions(own.slot);
    const sig = await keys.sign(ctx, key.id, { scheme: 'ECDSA', hash: 'SHA-256' }, msg);
    expect(await keys.verify(ctx, key.id, { scheme: 'ECDSA', hash: 'SHA-256' }, msg, sig)).toBe(true);
    own.p11.C_CloseAllSessions(own.slot);
    expect(await backend().health()).toEqual({ ok: true });
  });

  it('health is false while the token cannot open sessions, and true again when it can', async () => {
    const p11 = own.p11;
    const open = p11.C_OpenSession.bind(p11);
    // Simulated removal (SoftHSM2 cannot be unplugged): sessions die, new ones fail as a removed
    // device would, for every user of the shared module.
    p11.C_CloseAllSessions(own.slot);
    (p11 as { C_OpenSession: unknown }).C_OpenSession = () => {
      throw new Error('CKR_DEVICE_REMOVED:50');
    };
    try {
      expect(await backend().health()).toMatchObject({ ok: false });
    } finally {
      (p11 as { C_OpenSession: unknown }).C_OpenSession = open;
    }
    expect(await backend().health()).toEqual({ ok: true });
    const key = await keys.create(ctx, { spec: 'aes-128' });
    await keys.encrypt(ctx, key.id, { alg: 'AES-GCM', plaintext: msg });
  });
});

describe('start-up failures', () => {
  // 'kms-idle': a token this process never logged in to (a login holds for all its sessions).
  it('a wrong PIN names the token and the reason, never the PIN', async () => {
    const b = new Pkcs11Backend({ module: token.module, tokenLabel: 'kms-idle', pin: 'wrong-pin-9999' });
    const err = await b.init().then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toBe(`PKCS#11 login failed on token 'kms-idle': CKR_PIN_INCORRECT`);
    expect(err?.message).not.toContain('wrong-pin');
  });

  it('a missing module is named', async () => {
    const b = new Pkcs11Backend({ module: '/nonexistent/libnothing.so', tokenLabel: 'x', pin: '1' });
    await expect(b.init()).rejects.toThrow(/^cannot load PKCS#11 module \/nonexistent\/libnothing\.so: /);
  });

  it('an unknown token label lists the tokens there are', async () => {
    const b = new Pkcs11Backend({ module: token.module, tokenLabel: 'no-such-token', pin: token.pin });
    await expect(b.init()).rejects.toThrow(`no PKCS#11 token labelled 'no-such-token'`);
  });

  it("the kernel refuses to start with the backend's message", async () => {
    await expect(tempKernel({ ...token.env, KMS_PKCS11_TOKEN_LABEL: 'kms-idle', KMS_PKCS11_PIN: 'bad-pin' })).rejects.toThrow(
      `PKCS#11 login failed on token 'kms-idle': CKR_PIN_INCORRECT`,
    );
    await expect(tempKernel({ KMS_DEFAULT_BACKEND: 'pkcs11' })).rejects.toThrow(`routing names backend 'pkcs11', which is not configured`);
  });
});

describe('routing', () => {
  it('an SM2 key falls back to soft by rule; without the fallback it is UNSUPPORTED', async () => {
    const withFallback = await tempKernel({ ...token.env, KMS_ROUTING_RULES: JSON.stringify([{ spec: 'ec-sm2', backend: 'pkcs11', fallback: 'soft' }]) });
    try {
      const c = { tenantId: (await withFallback.kernel.tenants.createTenant('r1')).id, dialect: 'test' };
      expect(await withFallback.kernel.keys.create(c, { spec: 'ec-sm2' })).toMatchObject({ backend: 'soft' });
    } finally {
      await withFallback.cleanup();
    }
    const strict = await tempKernel({ ...token.env, KMS_ROUTING_RULES: JSON.stringify([{ spec: 'ec-sm2', backend: 'pkcs11' }]) });
    try {
      const c = { tenantId: (await strict.kernel.tenants.createTenant('r2')).id, dialect: 'test' };
      await expect(strict.kernel.keys.create(c, { spec: 'ec-sm2' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      expect(await strict.kernel.keys.create(c, { spec: 'ec-p256' })).toMatchObject({ backend: 'soft' });
    } finally {
      await strict.cleanup();
    }
  });
});
