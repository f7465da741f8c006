import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Key lifecycle (issue 17): material versions, aliases, rotation schedules, description and tags.
 * Every existing key becomes version 1 of itself, with its own backend reference, so its sealed
 * copy, its token objects and every ciphertext made with it stay exactly as they are.
 */
export class KeyLifecycle1765100000000 implements MigrationInterface {
  name = 'KeyLifecycle1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('keys', [
      new TableColumn({ name: 'current_version', type: 'integer', default: 1 }),
      new TableColumn({ name: 'min_decrypt_version', type: 'integer', default: 1 }),
      new TableColumn({ name: 'rotation_period_ms', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'next_rotation_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'description', type: 'text', isNullable: true }),
      new TableColumn({ name: 'tags', type: 'text', default: "'{}'" }),
    ]);
    await q.createIndex('keys', new TableIndex({ name: 'idx_keys_deletion', columnNames: ['deletion_at'] }));
    await q.createIndex('keys', new TableIndex({ name: 'idx_keys_rotation', columnNames: ['next_rotation_at'] }));
    await q.createTable(
      new Table({
        name: 'key_versions',
        columns: [
          { name: 'key_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'version', type: 'integer', isPrimary: true },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'made_by', type: 'varchar', length: '16', default: "'create'" },
          { name: 'backend_ref', type: 'text', isNullable: true },
          { name: 'public_key', type: 'text', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'destroyed_at', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await q.query(
      `INSERT INTO key_versions (key_id, version, state, backend_ref, public_key, created_at, destroyed_at)
       SELECT id, 1, CASE WHEN state = 'destroyed' THEN 'destroyed' ELSE 'enabled' END, backend_ref, public_key, created_at,
              CASE WHEN state = 'destroyed' THEN updated_at ELSE NULL END
       FROM keys`,
    );
    await q.createTable(
      new Table({
        name: 'key_aliases',
        columns: [
          { name: 'tenant_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '256', isPrimary: true },
          { name: 'key_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'idx_key_aliases_key', columnNames: ['key_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('key_aliases');
    await q.dropTable('key_versions');
    await q.dropIndex('keys', 'idx_keys_rotation');
    await q.dropIndex('keys', 'idx_keys_deletion');
    for (const c of ['tags', 'description', 'next_rotation_at', 'rotation_period_ms', 'min_decrypt_version', 'current_version']) await q.dropColumn('keys', c);
  }
}
