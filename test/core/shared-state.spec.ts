import { OnceStore, isUniqueViolation } from '@kms/core';
import { SharedReplayLedger } from '@kms/dialect-ehsm';
import { tempKernel } from '../support/temp-kernel';

/**
 * The store-backed state replicas share (issue 8), on whichever store the run uses (SQLite here,
 * PostgreSQL in the pg run): single-use tokens, the shared eHSM replay ledger, secret versions
 * under concurrency, and duplicate detection by the database's own error codes.
 */
describe('shared state in the store', () => {
  let t: Awaited<ReturnType<typeof tempKernel>>;
  beforeAll(async () => {
    t = await tempKernel({ KMS_SHARED_STATE: 'database' });
  });
  afterAll(() => t.cleanup());

  it('claims a token once, lets it go when expired, takes it once and sweeps', async () => {
    let now = 1_000_000;
    const once = new OnceStore(t.kernel.ds, () => now);
    expect(t.kernel.sharedState).toBe(true);
    expect(await once.claim('s', 'a', now + 100)).toBe(true);
    expect(await once.claim('s', 'a', now + 100)).toBe(false);
    expect(await once.claim('other', 'a', now + 100)).toBe(true);
    expect(await once.exists('s', 'a')).toBe(true);
    const racing = await Promise.all(Array.from({ length: 8 }, () => once.claim('s', 'b', now + 100)));
    expect(racing.filter(Boolean)).toHaveLength(1);
    now += 100;
    expect(await once.exists('s', 'a')).toBe(false);
    expect(await once.claim('s', 'a', now + 100)).toBe(true);
    expect(await once.take('s', 'a')).toBe(true);
    expect(await once.take('s', 'a')).toBe(false);
    now += 1000;
    expect(await once.sweep()).toBeGreaterThanOrEqual(2);
    expect(await once.take('other', 'a')).toBe(false);
  });

  it('backs the eHSM replay ledger', async () => {
    const guard = new SharedReplayLedger(t.kernel.once);
    const other = new SharedReplayLedger(t.kernel.once);
    expect(await guard.seen('app\u0000n\u00001')).toBe(false);
    expect(await guard.claim('app\u0000n\u00001')).toBe(true);
    expect(await other.seen('app\u0000n\u00001')).toBe(true);
    expect(await other.claim('app\u0000n\u00001')).toBe(false);
  });

  it('gives concurrent PutSecretValue calls distinct versions and keeps every value', async () => {
    const ctx = { tenantId: (await t.kernel.tenants.createTenant('secrets')).id, dialect: 'test' };
    await t.kernel.secrets.create(ctx, { name: 'busy', value: Buffer.from('v0') });
    const puts = await Promise.all(Array.from({ length: 30 }, (_, i) => t.kernel.secrets.putValue(ctx, 'busy', Buffer.from(`v${i + 1}`))));
    expect(new Set(puts.map((p) => p.version)).size).toBe(30);
    const versions = (await t.kernel.secrets.listVersions(ctx, 'busy')).map((v) => v.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    const values = await Promise.all(versions.map(async (v) => (await t.kernel.secrets.getValue(ctx, 'busy', v))!.value.toString()));
    expect(values.sort()).toEqual(Array.from({ length: 31 }, (_, i) => `v${i}`).sort());
    expect((await t.kernel.secrets.find(ctx, 'busy'))?.currentVersion).toBe(31);
  });

  it('maps duplicates to ALREADY_EXISTS by the database error, and nothing else', async () => {
    await t.kernel.tenants.createTenant('dup');
    await expect(t.kernel.tenants.createTenant('dup')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: '23502', message: 'null value in column "x" violates not-null constraint' })).toBe(false);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT', message: 'SQLITE_CONSTRAINT: NOT NULL constraint failed: keys.spec' })).toBe(false);
    expect(isUniqueViolation({ message: 'x', driverError: { code: 'SQLITE_CONSTRAINT_UNIQUE' } })).toBe(true);
  });
});
