import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DueResult, type KeyCache, atVersion } from '@kms/core';
import { loadConfig } from '../../apps/gateway/src/config';
import { createKernel } from '../../apps/gateway/src/kernel';
import type { Kernel, OpContext } from '../support/kernel-types';
import { TEST_DB, dropDatabase, ensureDatabase } from '../support/test-db';

/**
 * The key lifecycle on two replicas of one PostgreSQL database (two kernels in this process, each
 * with its own connections, as two gateways would have): a scheduled deletion or rotation that
 * comes due while both run the scheduler at once is carried out exactly once, nothing happens
 * before its date, a cancellation holds on both, and a rotation on one replica reaches the other
 * through the change feed. The clock is the test's own (runDue(now)); no sleeps.
 */

// Runs in the PostgreSQL pass of `npm test` (test/support/run-pg.js), as replicas.e2e.ts.
if (TEST_DB !== 'pg') throw new Error('test/replicas needs PostgreSQL: run it through `npm run test:pg` with KMS_TEST_PG_URL set');

const DAY = 86_400_000;
const msg = Buffer.from('a message both replicas see');
const gcm = (plaintext = msg) => ({ alg: 'AES-GCM' as const, plaintext });

interface Replica {
  name: string;
  kernel: Kernel;
  dir: string;
  /** Emits `drop` (a key id) whenever the replica's key cache lets an entry go, `clear` when it drops them all. */
  cache: EventEmitter;
}

/**
 * Watches a replica's key cache (private to its KeyOperations). Whether another replica's change
 * has arrived through the change feed (LISTEN/NOTIFY, asynchronous by nature) is then an event
 * the test awaits, never a delay it guesses: the cache TTL is ten minutes here, so nothing but
 * the feed can make a replica drop a copy it holds.
 */
function watchCache(kernel: Kernel): EventEmitter {
  const cache = (kernel.keys as unknown as { cache: KeyCache }).cache;
  const events = new EventEmitter();
  const evict = cache.evict.bind(cache);
  const clear = cache.clear.bind(cache);
  cache.evict = (id: string) => {
    evict(id);
    events.emit('drop', id);
  };
  cache.clear = () => {
    clear();
    events.emit('clear');
  };
  return events;
}

/** Resolves once `r` has dropped its cached copy of key `id` (or every copy); made before the change, awaited after it. */
function dropped(r: Replica, id: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      r.cache.off('drop', onDrop);
      r.cache.off('clear', done);
      resolve();
    };
    const onDrop = (x: string) => {
      if (x === id) done();
    };
    r.cache.on('drop', onDrop);
    r.cache.on('clear', done);
  });
}

describe('key lifecycle on two replicas of one PostgreSQL database', () => {
  const dbName = `kms_lifecycle_${randomBytes(6).toString('hex')}`;
  let a: Replica;
  let b: Replica;
  let ctx: OpContext;

  async function replica(name: string, env: Record<string, string>): Promise<Replica> {
    const dir = mkdtempSync(join(tmpdir(), `kms-${name}-`));
    const kernel = await createKernel(loadConfig({ ...env, KMS_DATA_DIR: dir }));
    return { name, kernel, dir, cache: watchCache(kernel) };
  }

  /** The scheduler of both replicas at once, at the test's time. */
  const runDueOnBoth = (now: number): Promise<DueResult[]> => Promise.all([a, b].map((r) => r.kernel.keys.lifecycle.runDue(now)));

  /** The audit rows of one operation on one key, from the shared table. */
  const auditRows = async (keyId: string, operation: string) =>
    (await a.kernel.auditReader.query({ tenantId: ctx.tenantId, keyId, limit: 1000 })).filter((row) => row.operation === operation);

  beforeAll(async () => {
    const env = {
      KMS_DB_URL: ensureDatabase(dbName),
      KMS_MASTER_KEY: randomBytes(32).toString('base64'),
      KMS_LOG_LEVEL: 'silent',
      // The scheduler runs only when the test calls it, with the test's clock.
      KMS_LIFECYCLE_INTERVAL_MS: '0',
      // Long enough that only the change feed can refresh a replica's cached key within a test.
      KMS_CACHE_TTL_MS: '600000',
    };
    a = await replica('a', env);
    b = await replica('b', env);
    ctx = { tenantId: (await a.kernel.tenants.createTenant('lifecycle')).id, dialect: 'test' };
  }, 60000);

  afterAll(async () => {
    for (const r of [a, b]) {
      await r?.kernel.close();
      if (r) rmSync(r.dir, { recursive: true, force: true });
    }
    dropDatabase(dbName);
  });

  it('a scheduled deletion due while both replicas run the scheduler is carried out once, and not before its date', async () => {
    const t0 = Date.now();
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => a.kernel.keys.create(ctx, { spec: i % 2 ? 'ec-p256' : 'aes-256' })));
    const ids = made.map((k) => k.id);
    const aes = ids[0];
    // B holds the first key in its cache; A's scheduling reaches it through the feed.
    const sealed = await b.kernel.keys.encrypt(ctx, aes, gcm());
    const bSeesSchedule = dropped(b, aes);
    for (const id of ids) await a.kernel.keys.lifecycle.scheduleDeletion(ctx, id, 7, t0);
    await bSeesSchedule;
    await expect(b.kernel.keys.decrypt(ctx, aes, { alg: 'AES-GCM', ...sealed })).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });

    // One millisecond early: nothing happens on either.
    const early = await runDueOnBoth(t0 + 7 * DAY - 1);
    expect(early.flatMap((r) => r.destroyed).filter((id) => ids.includes(id))).toEqual([]);
    for (const id of ids) expect(await b.kernel.keyStore.find(id)).toMatchObject({ state: 'pending_deletion', deletionAt: t0 + 7 * DAY });

    const drops = [a, b].map((r) => dropped(r, aes));
    const due = await runDueOnBoth(t0 + 7 * DAY);
    for (const id of ids) {
      expect(due.filter((r) => r.destroyed.includes(id))).toHaveLength(1);
      expect(await auditRows(id, 'scheduled-destroy')).toEqual([expect.objectContaining({ outcome: 'ok', dialect: 'lifecycle', principal: 'scheduler', backend: 'soft' })]);
      for (const r of [a, b]) expect(await r.kernel.keyStore.find(id)).toMatchObject({ state: 'destroyed', backendRef: null });
      expect((await a.kernel.keyStore.versionHistory(id)).map((v) => [v.state, v.backendRef])).toEqual([['destroyed', null]]);
    }
    console.log(`replicas: ${ids.length} due deletions carried out by A: ${due[0].destroyed.length}, by B: ${due[1].destroyed.length}`);
    // Both replicas drop their copies and answer as for any destroyed key.
    await Promise.all(drops);
    for (const r of [a, b]) {
      await expect(r.kernel.keys.get(ctx, aes)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(r.kernel.keys.decrypt(ctx, aes, { alg: 'AES-GCM', ...sealed })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    // Later runs find nothing left to do.
    const later = await runDueOnBoth(t0 + 8 * DAY);
    expect(later.flatMap((r) => r.destroyed).filter((id) => ids.includes(id))).toEqual([]);
    for (const id of ids) expect(await auditRows(id, 'scheduled-destroy')).toHaveLength(1);
  });

  it('a deletion scheduled on A and cancelled on B leaves the key disabled on both, and its date passes without effect', async () => {
    const t0 = Date.now();
    const k = await a.kernel.keys.create(ctx, { spec: 'aes-256' });
    const sealed = await b.kernel.keys.encrypt(ctx, k.id, gcm());
    const bSeesSchedule = dropped(b, k.id);
    await a.kernel.keys.lifecycle.scheduleDeletion(ctx, k.id, 7, t0);
    await bSeesSchedule;
    const aSeesCancel = dropped(a, k.id);
    expect(await b.kernel.keys.lifecycle.cancelDeletion(ctx, k.id)).toMatchObject({ state: 'disabled', deletionAt: null });
    await aSeesCancel;
    await expect(a.kernel.keys.lifecycle.cancelDeletion(ctx, k.id)).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });

    const due = await runDueOnBoth(t0 + 30 * DAY);
    expect(due.flatMap((r) => r.destroyed)).not.toContain(k.id);
    expect(await auditRows(k.id, 'scheduled-destroy')).toEqual([]);
    for (const r of [a, b]) {
      expect(await r.kernel.keyStore.find(k.id)).toMatchObject({ state: 'disabled', deletionAt: null });
      await expect(r.kernel.keys.decrypt(ctx, k.id, { alg: 'AES-GCM', ...sealed })).rejects.toMatchObject({ code: 'WRONG_KEY_STATE' });
    }
    // Enabled again on A, the key works on B with its material intact.
    const bSeesEnable = dropped(b, k.id);
    await a.kernel.keys.setEnabled(ctx, k.id, true);
    await bSeesEnable;
    expect(await b.kernel.keys.decrypt(ctx, k.id, { alg: 'AES-GCM', ...sealed })).toEqual(msg);
  });

  it('a rotation due while both replicas run the scheduler makes exactly one new version, and not before its date', async () => {
    const t0 = Date.now();
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => a.kernel.keys.create(ctx, { spec: i % 2 ? 'ec-p256' : 'aes-256' })));
    const ids = made.map((k) => k.id);
    for (const id of ids) await a.kernel.keys.lifecycle.setRotation(ctx, id, 90 * DAY, t0);

    const early = await runDueOnBoth(t0 + 90 * DAY - 1);
    expect(early.flatMap((r) => r.rotated).filter((id) => ids.includes(id))).toEqual([]);
    for (const id of ids) expect((await b.kernel.keyStore.versionHistory(id)).map((v) => v.version)).toEqual([1]);

    const due = await runDueOnBoth(t0 + 90 * DAY);
    for (const id of ids) {
      expect(due.filter((r) => r.rotated.includes(id))).toHaveLength(1);
      expect((await b.kernel.keyStore.versionHistory(id)).map((v) => [v.version, v.state, v.madeBy])).toEqual([
        [1, 'enabled', 'create'],
        [2, 'enabled', 'scheduler'],
      ]);
      expect(await a.kernel.keyStore.find(id)).toMatchObject({ currentVersion: 2, rotation: { periodMs: 90 * DAY, nextAt: t0 + 180 * DAY } });
      expect(await auditRows(id, 'scheduled-rotate')).toEqual([expect.objectContaining({ outcome: 'ok', dialect: 'lifecycle', principal: 'scheduler', backend: 'soft' })]);
    }
    console.log(`replicas: ${ids.length} due rotations made by A: ${due[0].rotated.length}, by B: ${due[1].rotated.length}`);

    // The next date has moved on: running again at the same time does nothing.
    const again = await runDueOnBoth(t0 + 90 * DAY);
    expect(again.flatMap((r) => r.rotated).filter((id) => ids.includes(id))).toEqual([]);
    for (const id of ids) {
      expect((await a.kernel.keyStore.versionHistory(id)).map((v) => v.version)).toEqual([1, 2]);
      expect(await auditRows(id, 'scheduled-rotate')).toHaveLength(1);
    }
  });

  it('a rotation on A reaches B through the change feed: B opens the new version and encrypts and signs with it', async () => {
    const aes = await a.kernel.keys.create(ctx, { spec: 'aes-256' });
    const ec = await a.kernel.keys.create(ctx, { spec: 'ec-p256' });
    const p = { scheme: 'ECDSA', hash: 'SHA-256' } as const;
    // B holds both keys at version 1 in its cache.
    const before = await b.kernel.keys.encrypt(ctx, aes.id, gcm());
    expect(before.keyVersion).toBe(1);
    expect((await b.kernel.keys.signVersioned(ctx, ec.id, p, msg)).keyVersion).toBe(1);

    const bSees = [dropped(b, aes.id), dropped(b, ec.id)];
    await a.kernel.keys.lifecycle.rotate(ctx, aes.id);
    await a.kernel.keys.lifecycle.rotate(ctx, ec.id);
    const fromA = await a.kernel.keys.encrypt(ctx, aes.id, gcm());
    expect(fromA.keyVersion).toBe(2);
    await Promise.all(bSees);

    // Right after: B opens the new version's ciphertext, with the bare id and named, and uses version 2.
    expect(await b.kernel.keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ...fromA })).toEqual(msg);
    expect(await b.kernel.keys.decrypt(ctx, atVersion(aes.id, 2), { alg: 'AES-GCM', ...fromA })).toEqual(msg);
    const fromB = await b.kernel.keys.encrypt(ctx, aes.id, gcm());
    expect(fromB.keyVersion).toBe(2);
    expect(await a.kernel.keys.decrypt(ctx, atVersion(aes.id, 2), { alg: 'AES-GCM', ...fromB })).toEqual(msg);
    // Version 1's ciphertext still opens on both.
    for (const r of [a, b]) expect(await r.kernel.keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ...before })).toEqual(msg);

    const signed = await b.kernel.keys.signVersioned(ctx, ec.id, p, msg);
    expect(signed.keyVersion).toBe(2);
    expect((await b.kernel.keys.getPublicKey(ctx, ec.id)).version).toBe(2);
    expect(await a.kernel.keys.verify(ctx, atVersion(ec.id, 2), p, msg, signed.signature)).toBe(true);
    expect(await a.kernel.keys.verify(ctx, atVersion(ec.id, 1), p, msg, signed.signature)).toBe(false);
  });
});
