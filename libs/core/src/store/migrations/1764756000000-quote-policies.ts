import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** Remote-attestation quote policies (eHSM UploadQuotePolicy). Table API: SQLite and PostgreSQL. */
export class QuotePolicies1764756000000 implements MigrationInterface {
  name = 'QuotePolicies1764756000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'quote_policies',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'tenant_id', type: 'varchar', length: '36' },
          { name: 'mr_enclave', type: 'varchar', length: '64' },
          { name: 'mr_signer', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'idx_quote_policies_tenant', columnNames: ['tenant_id', 'created_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('quote_policies');
  }
}
