import { SecretService, type OpContext } from '@kms/core';
import { tempKernel } from '../support/temp-kernel';
import type { Kernel } from '../support/kernel-types';

/** The canonical secret manager on a real store, with a clock the test moves. */
describe('SecretService', () => {
  let kernel: Kernel;
  let cleanup: () => Promise<void>;
  let now = Date.now();
  let svc: SecretService;
  let ctx: OpContext;

  beforeAll(async () => {
    ({ kernel, cleanup } = await tempKernel());
    svc = new SecretService(kernel.ds, kernel.keys, kernel.audit, kernel.sealer, () => now);
    const t = await kernel.tenants.createTenant('secrets-spec');
    ctx = { tenantId: t.id, dialect: 'test' };
  });
  afterAll(() => cleanup());

  it('hard-deletes a soft-deleted secret once its planned time has passed (lazily and by the sweep)', async () => {
    await svc.create(ctx, { name: 'lazy', value: Buffer.from('1') });
    await svc.create(ctx, { name: 'swept', value: Buffer.from('2') });
    await svc.scheduleDeletion(ctx, 'lazy', 1);
    await svc.scheduleDeletion(ctx, 'swept', 2);
    now += 86_400_000 - 1;
    expect((await svc.find(ctx, 'lazy'))?.deletedAt).not.toBeNull();
    now += 1;
    expect(await svc.find(ctx, 'lazy')).toBeNull();
    now += 86_400_000;
    expect(await svc.purgeDue()).toBe(1);
    // COUNT is a bigint on PostgreSQL, which the driver returns as a string.
    expect(Number((await kernel.ds.query('SELECT COUNT(*) AS n FROM secret_versions'))[0].n)).toBe(0);
    // The name is free again.
    await svc.create(ctx, { name: 'lazy', value: Buffer.from('3') });
    expect((await svc.getValue(ctx, 'lazy'))?.value.toString()).toBe('3');
  });

  it('keeps values only as ciphertext bound to (secret, version)', async () => {
    await svc.create(ctx, { name: 'bound', value: Buffer.from('clear-text-value') });
    await svc.putValue(ctx, 'bound', Buffer.from('second-clear-value'));
    const rows: Array<{ version: number; ciphertext: string }> = await kernel.ds.query(
      "SELECT v.version, v.ciphertext FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.name = 'bound' ORDER BY v.version",
    );
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(Buffer.from(r.ciphertext, 'base64').toString('latin1')).not.toContain('clear');
    // Version 1's ciphertext put under version 2 does not open.
    const param = kernel.ds.options.type === 'postgres' ? '$1' : '?';
    await kernel.ds.query(`UPDATE secret_versions SET ciphertext = ${param} WHERE version = 2 AND secret_id = (SELECT id FROM secrets WHERE name = 'bound')`, [rows[0].ciphertext]);
    await expect(svc.getValue(ctx, 'bound', 2)).rejects.toMatchObject({ code: 'CRYPTO_FAILURE' });
    expect((await svc.getValue(ctx, 'bound', 1))?.value.toString()).toBe('clear-text-value');
  });

  it('maps the unique name to ALREADY_EXISTS and creates the default key once', async () => {
    await expect(svc.create(ctx, { name: 'bound', value: Buffer.from('x') })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const keys = (await kernel.keys.list(ctx, 0, 10000, { includeInternal: true })).keys.filter((k) => k.id === svc.defaultKeyId(ctx.tenantId));
    // The gateway's own key: no dialect lists it.
    expect((await kernel.keys.list(ctx)).keys.some((k) => k.id === svc.defaultKeyId(ctx.tenantId))).toBe(false);
    expect(keys).toHaveLength(1);
    expect(keys[0].attributes).toMatchObject({ internal: 'secret-default' });
  });
});
