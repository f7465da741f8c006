import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataSource } from '@kms/core';
import { loadConfig } from '../../apps/gateway/src/config';
import { createKernel } from '../../apps/gateway/src/kernel';
import { dbEnv, dropDatabaseFor } from '../support/test-db';

/**
 * The key-lifecycle migration on a store that has keys: taken back to the schema before it (its
 * down step drops versions, aliases and the new columns), then forward again, every key is
 * version 1 of itself and what it made before still opens and verifies.
 */
describe('key-lifecycle migration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-migrate-'));
  const env = { KMS_DATA_DIR: dir, KMS_LOG_LEVEL: 'silent', KMS_LIFECYCLE_INTERVAL_MS: '0', ...dbEnv(dir) };
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    dropDatabaseFor(dir);
  });

  it('makes every existing key version 1 with its ciphertexts and signatures unchanged', async () => {
    const before = await createKernel(loadConfig(env));
    const ctx = { tenantId: (await before.tenants.createTenant('old')).id, dialect: 'test' };
    const aes = await before.keys.create(ctx, { spec: 'aes-256' });
    const ec = await before.keys.create(ctx, { spec: 'ec-p256' });
    const gone = await before.keys.create(ctx, { spec: 'aes-128' });
    await before.keys.destroy(ctx, gone.id);
    const ct = await before.keys.encrypt(ctx, aes.id, { alg: 'AES-GCM', plaintext: Buffer.from('made before versions') });
    const sig = await before.keys.sign(ctx, ec.id, { scheme: 'ECDSA', hash: 'SHA-256' }, Buffer.from('signed before'));
    const url = before.config.dbUrl;
    await before.close();

    const ds = await openDataSource(url);
    await ds.undoLastMigration({ transaction: 'each' });
    const columnsSql = ds.options.type === 'postgres' ? "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'keys'" : 'PRAGMA table_info(keys)';
    const columns = await ds.query<{ name: string }[]>(columnsSql);
    expect(columns.map((c) => c.name)).not.toContain('current_version');
    await ds.destroy();

    const after = await createKernel(loadConfig(env));
    try {
      const a = (await after.keyStore.find(aes.id))!;
      expect(a).toMatchObject({ currentVersion: 1, minDecryptVersion: 1, rotation: null, tags: {}, description: null });
      expect(a.versions).toEqual([{ version: 1, backendRef: a.backendRef, publicKey: null, createdAt: aes.createdAt }]);
      expect((await after.keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ...ct })).toString()).toBe('made before versions');
      expect(await after.keys.verify(ctx, ec.id, { scheme: 'ECDSA', hash: 'SHA-256' }, Buffer.from('signed before'), sig)).toBe(true);
      expect((await after.keyStore.find(ec.id))!.versions[0].publicKey!.equals(ec.publicKey!)).toBe(true);
      expect(await after.keyStore.versionHistory(gone.id)).toEqual([expect.objectContaining({ version: 1, state: 'destroyed', backendRef: null })]);
      // And the migrated key rotates like any other.
      await after.keys.lifecycle.rotate(ctx, aes.id);
      expect((await after.keys.decrypt(ctx, aes.id, { alg: 'AES-GCM', ...ct })).toString()).toBe('made before versions');
    } finally {
      await after.close();
    }
  });
});
