import { type MigrationInterface, type QueryRunner, Table, TableIndex, type TableColumnOptions } from 'typeorm';

/** Written with TypeORM's Table API, so one migration creates the schema on SQLite and PostgreSQL. */
export class InitialSchema1764669600000 implements MigrationInterface {
  name = 'InitialSchema1764669600000';

  async up(q: QueryRunner): Promise<void> {
    const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
    const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
    const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
    const id = (name = 'id'): TableColumnOptions => ({ ...str(name, 36), isPrimary: true });

    await q.createTable(new Table({ name: 'tenants', columns: [id(), { ...str('name', 128), isUnique: true }, ms('created_at')] }));
    await q.createTable(
      new Table({
        name: 'keys',
        columns: [
          id(),
          str('tenant_id', 36),
          str('spec', 32),
          str('key_class', 8),
          str('usages', 128),
          str('state', 24),
          str('origin', 16),
          str('backend', 32),
          text('backend_ref', true),
          text('public_key', true),
          str('label', 255, true),
          { name: 'exportable', type: 'boolean', default: false },
          ms('created_at'),
          ms('updated_at'),
          ms('expires_at', true),
          ms('deletion_at', true),
          text('attributes'),
          { name: 'version', type: 'integer', default: 1 },
        ],
        indices: [new TableIndex({ name: 'idx_keys_tenant', columnNames: ['tenant_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'credentials',
        columns: [
          id(),
          str('tenant_id', 36),
          str('kind', 32),
          str('lookup', 128),
          text('secret_sealed', true),
          str('secret_hash', 128, true),
          str('label', 255, true),
          text('scopes', true),
          ms('created_at'),
          ms('expires_at', true),
          ms('revoked_at', true),
        ],
        indices: [new TableIndex({ name: 'uq_credentials_lookup', columnNames: ['kind', 'lookup'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'secrets',
        columns: [
          id(),
          str('tenant_id', 36),
          str('name', 255),
          text('description', true),
          str('encryption_key_id', 36, true),
          str('rotation_interval', 16, true),
          { name: 'current_version', type: 'integer' },
          ms('created_at'),
          ms('last_rotation_at', true),
          ms('next_rotation_at', true),
          ms('deleted_at', true),
          ms('planned_delete_at', true),
        ],
        indices: [new TableIndex({ name: 'uq_secrets_name', columnNames: ['tenant_id', 'name'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'secret_versions',
        columns: [id('secret_id'), { name: 'version', type: 'integer', isPrimary: true }, text('ciphertext'), ms('created_at')],
      }),
    );
    const pg = q.connection.options.type === 'postgres';
    await q.createTable(
      new Table({
        name: 'audit',
        columns: [
          { name: 'seq', type: pg ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          ms('at'),
          str('tenant_id', 36, true),
          str('dialect', 16),
          str('operation', 48),
          str('key_id', 36, true),
          str('backend', 32, true),
          str('outcome', 32),
          { name: 'latency_us', type: 'integer' },
          str('principal', 128, true),
          str('event', 64, true),
        ],
        indices: [new TableIndex({ name: 'idx_audit_tenant_at', columnNames: ['tenant_id', 'at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit', 'secret_versions', 'secrets', 'credentials', 'keys', 'tenants']) await q.dropTable(t);
  }
}
