import { createDecipheriv } from 'node:crypto';
import { KeyVersionEntity, KmsError, atVersion } from '@kms/core';
import type { Kernel, OpContext } from '../support/kernel-types';
import { tempKernel } from '../support/temp-kernel';

const DAY = 86_400_000;

/**
 * The key lifecycle through the canonical service on a real store: aliases, scheduled deletion
 * with the test's own clock (runDue(now), no sleeps), tags and description, trim and the minimum
 * decryption version. Versions across both backends are in operations.cases.ts.
 */
describe('key lifecycle (core)', () => {
  let kernel: Kernel;
  let cleanup: () => Promise<void>;
  let ctx: OpContext;
  let other: OpContext;

  beforeAll(async () => {
    ({ kernel, cleanup } = await tempKernel({ KMS_LIFECYCLE_INTERVAL_MS: '0' }));
    ctx = { tenantId: (await kernel.tenants.createTenant('life-a')).id, dialect: 'test' };
    other = { tenantId: (await kernel.tenants.createTenant('life-b')).id, dialect: 'test' };
  });
  afterAll(() => cleanup());

  const gcm = (plaintext: Buffer) => ({ alg: 'AES-GCM' as const, plaintext });

  it('aliases name a key per tenant, can be re-pointed, and never shadow a key id', async () => {
    const a = await kernel.keys.create(ctx, { spec: 'aes-256' });
    const b = await kernel.keys.create(ctx, { spec: 'aes-256' });
    await kernel.keys.lifecycle.createAlias(ctx, 'orders', a.id);
    await expect(kernel.keys.lifecycle.createAlias(ctx, 'orders', b.id)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const ct = await kernel.keys.encrypt(ctx, 'orders', gcm(Buffer.from('by alias')));
    expect((await kernel.keys.decrypt(ctx, a.id, { alg: 'AES-GCM', ...ct })).toString()).toBe('by alias');
    // Another tenant neither sees the alias nor can take the name from us.
    await expect(kernel.keys.encrypt(other, 'orders', gcm(Buffer.from('x')))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await kernel.keys.lifecycle.updateAlias(ctx, 'orders', b.id);
    expect((await kernel.keys.get(ctx, 'orders')).id).toBe(b.id);
    expect((await kernel.keys.lifecycle.listAliases(ctx)).map((x) => [x.name, x.keyId])).toEqual([['orders', b.id]]);
    await expect(kernel.keys.lifecycle.createAlias(ctx, a.id, b.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await kernel.keys.lifecycle.deleteAlias(ctx, 'orders');
    await expect(kernel.keys.get(ctx, 'orders')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const trail = await kernel.auditReader.query({ tenantId: ctx.tenantId, limit: 50 });
    expect(trail.some((r) => r.operation === 'encrypt' && r.keyId === a.id)).toBe(true);
  });

  it('rotation keeps old ciphertexts opening; a named version and the minimum decryption version are honoured; trim destroys', async () => {
    const k = await kernel.keys.create(ctx, { spec: 'aes-256' });
    const v1 = await kernel.keys.encrypt(ctx, k.id, gcm(Buffer.from('one')));
    expect(v1.keyVersion).toBe(1);
    const r = await kernel.keys.lifecycle.rotate(ctx, k.id);
    expect(r.currentVersion).toBe(2);
    expect(r.versions.map((v) => v.version)).toEqual([1, 2]);
    const v2 = await kernel.keys.encrypt(ctx, k.id, gcm(Buffer.from('two')));
    expect(v2.keyVersion).toBe(2);
    expect((await kernel.keys.decrypt(ctx, k.id, { alg: 'AES-GCM', ...v1 })).toString()).toBe('one');
    expect((await kernel.keys.decrypt(ctx, k.id, { alg: 'AES-GCM', ...v2 })).toString()).toBe('two');
    await kernel.keys.lifecycle.setMinDecryptVersion(ctx, k.id, 2);
    await expect(kernel.keys.decrypt(ctx, k.id, { alg: 'AES-GCM', ...v1 })).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    await kernel.keys.lifecycle.trim(ctx, k.id, 2);
    const { versions } = await kernel.keys.lifecycle.versions(ctx, k.id);
    expect(versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'destroyed'],
      [2, 'enabled'],
    ]);
    expect(versions[0].backendRef).toBeNull();
    await expect(kernel.keys.lifecycle.setMinDecryptVersion(ctx, k.id, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('two rotations at once make one version each, never the same one twice', async () => {
    const k = await kernel.keys.create(ctx, { spec: 'aes-128' });
    const results = await Promise.allSettled([kernel.keys.lifecycle.rotate(ctx, k.id), kernel.keys.lifecycle.rotate(ctx, k.id)]);
    const ok = results.filter((x) => x.status === 'fulfilled');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const x of results) if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'WRONG_KEY_STATE' });
    const { versions } = await kernel.keys.lifecycle.versions(ctx, k.id);
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    expect(versions.length).toBe(1 + ok.length);
  });

  it('rotations racing on many keys never fail as internal errors', async () => {
    // On SQLite, a losing request's reads and audit row land around the winner's transaction.
    const made = await Promise.all(Array.from({ length: 100 }, () => kernel.keys.create(ctx, { spec: 'aes-128' })));
    const results = await Promise.all(made.map((k) => Promise.allSettled([kernel.keys.lifecycle.rotate(ctx, k.id), kernel.keys.lifecycle.rotate(ctx, k.id)])));
    const refused = results.flat().flatMap((x) => (x.status === 'rejected' ? [(x.reason as { code?: string }).code] : []));
    expect(refused).toEqual(refused.map(() => 'WRONG_KEY_STATE'));
    for (const k of made) expect((await kernel.keyStore.find(k.id))!.currentVersion).toBeGreaterThanOrEqual(2);
  });

  it('scheduled deletion: refused during the waiting period, cancelled to disabled, carried out at its date by runDue', async () => {
    const t0 = Date.now();
    const k = await kernel.keys.create(ctx, { spec: 'aes-256' });
    await expect(kernel.keys.lifecycle.scheduleDeletion(ctx, k.id, 6, t0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(kernel.keys.lifecycle.scheduleDeletion(ctx, k.id, 31, t0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const s = await kernel.keys.lifecycle.scheduleDeletion(ctx, k.id, undefined, t0);
    expect(s).toMatchObject({ state: 'pending_deletion', deletionAt: t0 + 30 * DAY });
    await expect(kernel.keys.encrypt(ctx, k.id, gcm(Buffer.from('x')))).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });
    const c = await kernel.keys.lifecycle.cancelDeletion(ctx, k.id);
    expect(c).toMatchObject({ state: 'disabled', deletionAt: null });
    await kernel.keys.setEnabled(ctx, k.id, true);
    await kernel.keys.lifecycle.createAlias(ctx, 'doomed', k.id);
    await kernel.keys.lifecycle.scheduleDeletion(ctx, k.id, 7, t0);
    expect((await kernel.keys.lifecycle.runDue(t0 + 7 * DAY - 1)).destroyed).not.toContain(k.id);
    expect((await kernel.keys.lifecycle.runDue(t0 + 7 * DAY)).destroyed).toEqual([k.id]);
    const gone = await kernel.keyStore.find(k.id);
    expect(gone).toMatchObject({ state: 'destroyed', backendRef: null });
    expect((await kernel.keyStore.versionHistory(k.id)).every((v) => v.state === 'destroyed' && v.backendRef === null)).toBe(true);
    await expect(kernel.keys.get(ctx, 'doomed')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await kernel.keys.lifecycle.runDue(t0 + 8 * DAY)).destroyed).toEqual([]);
  });

  it('scheduled rotation happens when due, once, and moves the next date on', async () => {
    const t0 = Date.now();
    const k = await kernel.keys.create(ctx, { spec: 'ec-p256' });
    await expect(kernel.keys.lifecycle.setRotation(ctx, k.id, 1000, t0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await kernel.keys.lifecycle.setRotation(ctx, k.id, 90 * DAY, t0);
    expect((await kernel.keys.lifecycle.runDue(t0 + 89 * DAY)).rotated).not.toContain(k.id);
    expect((await kernel.keys.lifecycle.runDue(t0 + 90 * DAY)).rotated).toContain(k.id);
    const r = (await kernel.keyStore.find(k.id))!;
    expect(r.currentVersion).toBe(2);
    expect(r.rotation).toEqual({ periodMs: 90 * DAY, nextAt: t0 + 180 * DAY });
    expect(r.versions[0].publicKey!.equals(r.versions[1].publicKey!)).toBe(false);
    expect((await kernel.keys.lifecycle.runDue(t0 + 90 * DAY)).rotated).not.toContain(k.id);
  });

  it("a due rotation leaves another process's live claim alone, whatever time runDue is given, and releases one left 10 minutes ago", async () => {
    const t0 = Date.now();
    const k = await kernel.keys.create(ctx, { spec: 'aes-256' });
    await kernel.keys.lifecycle.setRotation(ctx, k.id, 30 * DAY, t0);
    // Another replica claimed version 2 a moment ago and is making its material.
    expect(await kernel.keyStore.claimVersion(k.id, 2, 'scheduler')).toBe(true);
    // runDue's time says when work is due (`lifecycle run --at`), not how old that claim is.
    expect((await kernel.keys.lifecycle.runDue(t0 + 60 * DAY)).rotated).not.toContain(k.id);
    expect((await kernel.keyStore.versionHistory(k.id)).map((v) => [v.version, v.state])).toEqual([
      [1, 'enabled'],
      [2, 'pending'],
    ]);
    // The claim's writer died 10 minutes and a second ago: the next run releases it, the one after rotates.
    await kernel.ds.getRepository(KeyVersionEntity).update({ keyId: k.id, version: 2, state: 'pending' }, { createdAt: Date.now() - 10 * 60_000 - 1000 });
    expect((await kernel.keys.lifecycle.runDue(t0 + 60 * DAY)).rotated).not.toContain(k.id);
    expect((await kernel.keyStore.versionHistory(k.id)).map((v) => v.version)).toEqual([1]);
    expect((await kernel.keys.lifecycle.runDue(t0 + 60 * DAY)).rotated).toContain(k.id);
    expect((await kernel.keyStore.versionHistory(k.id)).map((v) => [v.version, v.state])).toEqual([
      [1, 'enabled'],
      [2, 'enabled'],
    ]);
    const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: k.id, limit: 50 });
    expect(rows.filter((r) => r.operation === 'scheduled-rotate').map((r) => r.outcome)).toEqual(['ok']);
  });

  it('ECDH-ES after a rotation: the sender names a version, the recipient tries the kept versions through its check, in one audited operation', async () => {
    const k = await kernel.keys.create(ctx, { spec: 'ec-p256', usages: ['derive'] });
    const kdf = { keyBits: 256, algorithmId: 'A256GCM' };
    const old = await kernel.keys.ecdhEsSend(ctx, k.id, kdf);
    expect(old.keyVersion).toBe(1);
    await kernel.keys.lifecycle.rotate(ctx, k.id);
    const cur = await kernel.keys.ecdhEsSend(ctx, k.id, kdf);
    expect(cur.keyVersion).toBe(2);
    const named = await kernel.keys.ecdhEsSend(ctx, atVersion(k.id, 1), kdf);
    expect(named.keyVersion).toBe(1);
    // Without a check, a bare id agrees with the current version only: the old sender's key differs.
    expect((await kernel.keys.ecdhEsReceive(ctx, k.id, old.ephemeralSpki, kdf)).equals(old.key)).toBe(false);
    expect((await kernel.keys.ecdhEsReceive(ctx, atVersion(k.id, 1), old.ephemeralSpki, kdf)).equals(old.key)).toBe(true);
    // With a check that authenticates (here: the sender's key itself), the trial finds version 1.
    const tried: Buffer[] = [];
    const opens = (sent: Buffer) => (derived: Buffer) => {
      tried.push(derived);
      if (!derived.equals(sent)) throw new KmsError('CRYPTO_FAILURE', 'tag mismatch');
      return 'opened';
    };
    const before = (await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: k.id, limit: 100 })).length;
    expect(await kernel.keys.ecdhEsReceive(ctx, k.id, old.ephemeralSpki, kdf, opens(old.key))).toBe('opened');
    expect(tried.length).toBe(2);
    // The derived keys handed to the check are zeroed once it returns.
    expect(tried.every((b) => b.every((x) => x === 0))).toBe(true);
    expect(await kernel.keys.ecdhEsReceive(ctx, k.id, cur.ephemeralSpki, kdf, opens(cur.key))).toBe('opened');
    expect(tried.length).toBe(3);
    await expect(kernel.keys.ecdhEsReceive(ctx, k.id, old.ephemeralSpki, kdf, opens(Buffer.alloc(32)))).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    // A named version is not trialled.
    await expect(kernel.keys.ecdhEsReceive(ctx, atVersion(k.id, 2), old.ephemeralSpki, kdf, opens(old.key))).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    const rows = await kernel.auditReader.query({ tenantId: ctx.tenantId, keyId: k.id, limit: 100 });
    expect(rows.length - before).toBe(4);
    expect(rows.slice(0, 4).map((r) => [r.operation, r.outcome])).toEqual([
      ['ecdh-es-receive', 'CRYPTO_FAILURE'],
      ['ecdh-es-receive', 'CRYPTO_FAILURE'],
      ['ecdh-es-receive', 'ok'],
      ['ecdh-es-receive', 'ok'],
    ]);
    // Below the minimum decryption version, the sender is refused that version.
    await kernel.keys.lifecycle.setMinDecryptVersion(ctx, k.id, 2);
    await expect(kernel.keys.ecdhEsSend(ctx, atVersion(k.id, 1), kdf)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it("an imported key takes imported versions (made by import), and gateway-made ones only with its owner's consent", async () => {
    const v1 = Buffer.alloc(32, 1);
    const v2 = Buffer.alloc(32, 2);
    const imp = await kernel.keys.import(ctx, { spec: 'aes-256', material: { kind: 'secret', bytes: v1 } });
    const ct1 = await kernel.keys.encrypt(ctx, imp.id, gcm(Buffer.from('one')));
    const next = await kernel.keys.lifecycle.importVersion(ctx, imp.id, { kind: 'secret', bytes: v2 });
    expect(next.currentVersion).toBe(2);
    const ct2 = await kernel.keys.encrypt(ctx, imp.id, gcm(Buffer.from('two')));
    expect(ct2.keyVersion).toBe(2);
    // The new version is the material given: it opens the ciphertext locally.
    const d = createDecipheriv('aes-256-gcm', v2, ct2.iv);
    d.setAuthTag(ct2.tag);
    expect(Buffer.concat([d.update(ct2.ciphertext), d.final()]).toString()).toBe('two');
    expect((await kernel.keys.decrypt(ctx, imp.id, { alg: 'AES-GCM', ...ct1 })).toString()).toBe('one');
    const history = (await kernel.keys.lifecycle.versions(ctx, imp.id)).versions;
    expect(history.map((h) => [h.version, h.madeBy])).toEqual([
      [1, 'create'],
      [2, 'import'],
    ]);
    // Material that does not fit the key, a key the gateway made, another tenant's key: refused.
    await expect(kernel.keys.lifecycle.importVersion(ctx, imp.id, { kind: 'secret', bytes: Buffer.alloc(16) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(kernel.keys.lifecycle.importVersion(ctx, imp.id, { kind: 'pkcs8', der: Buffer.alloc(8) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await kernel.keys.get(ctx, imp.id)).currentVersion).toBe(2);
    const made = await kernel.keys.create(ctx, { spec: 'aes-256' });
    await expect(kernel.keys.lifecycle.importVersion(ctx, made.id, { kind: 'secret', bytes: v2 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(kernel.keys.lifecycle.importVersion(other, imp.id, { kind: 'secret', bytes: v2 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Rotation: refused without consent, a gateway-made version with it (now and on a schedule).
    await expect(kernel.keys.lifecycle.rotate(ctx, imp.id)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(kernel.keys.lifecycle.setRotation(ctx, imp.id, DAY)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect((await kernel.keys.lifecycle.rotate(ctx, imp.id, undefined, { importedMaterial: true })).currentVersion).toBe(3);
    expect((await kernel.keys.lifecycle.setRotation(ctx, imp.id, DAY, undefined, { importedMaterial: true })).rotation?.periodMs).toBe(DAY);
  });

  it('imported keys and SM4 keys are not rotated; tags and a description are stored', async () => {
    const imp = await kernel.keys.import(ctx, { spec: 'aes-128', material: { kind: 'secret', bytes: Buffer.alloc(16, 7) } });
    await expect(kernel.keys.lifecycle.rotate(ctx, imp.id)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const k = await kernel.keys.create(ctx, { spec: 'aes-128', description: 'payments', tags: { team: 'core' } });
    expect(k).toMatchObject({ description: 'payments', tags: { team: 'core' } });
    const t = await kernel.keys.lifecycle.tag(ctx, k.id, { env: 'prod' });
    expect(t.tags).toEqual({ team: 'core', env: 'prod' });
    expect((await kernel.keys.lifecycle.untag(ctx, k.id, ['team'])).tags).toEqual({ env: 'prod' });
    expect((await kernel.keys.lifecycle.describe(ctx, k.id, 'ledger')).description).toBe('ledger');
    await expect(kernel.keys.lifecycle.tag(ctx, k.id, { '': 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('allowExport makes a key exportable for good, one audited change checked against the revision', async () => {
    const k = await kernel.keys.create(ctx, { spec: 'aes-256' });
    await expect(kernel.keys.exportKey(ctx, k.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const made = await kernel.keys.lifecycle.allowExport(ctx, k.id);
    expect(made.exportable).toBe(true);
    expect(made.revision).toBe(k.revision + 1);
    // The cached record is not trusted: the export sees the change at once.
    const { material, keyVersion } = await kernel.keys.exportKey(ctx, k.id);
    expect(material.kind).toBe('secret');
    expect(keyVersion).toBe(1);
    const ct = await kernel.keys.encrypt(ctx, k.id, gcm(Buffer.from('still the same key')));
    const bytes = (material as { bytes: Buffer }).bytes;
    const d = createDecipheriv('aes-256-gcm', bytes, ct.iv).setAuthTag(ct.tag);
    expect(Buffer.concat([d.update(ct.ciphertext), d.final()]).toString()).toBe('still the same key');
    // Again: answered as it is, no new revision; a rotated version is exportable too.
    expect((await kernel.keys.lifecycle.allowExport(ctx, k.id)).revision).toBe(made.revision);
    await kernel.keys.lifecycle.rotate(ctx, k.id);
    expect((await kernel.keys.exportKey(ctx, k.id)).keyVersion).toBe(2);
    // Another tenant cannot, a public key has nothing to export.
    await expect(kernel.keys.lifecycle.allowExport(other, k.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const pub = await kernel.keys.create(ctx, { spec: 'ec-p256' });
    const { spki } = await kernel.keys.getPublicKey(ctx, pub.id);
    const imported = await kernel.keys.import(ctx, { spec: 'ec-p256', material: { kind: 'public', spki } });
    await expect(kernel.keys.lifecycle.allowExport(ctx, imported.id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const trail = await kernel.auditReader.query({ tenantId: ctx.tenantId, limit: 100 });
    expect(trail.filter((r) => r.operation === 'allow-export' && r.keyId === k.id).map((r) => r.outcome)).toEqual(['ok', 'ok']);
  });
});
