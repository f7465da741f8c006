import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Several replicas on one store (issue 8). Table API: SQLite and PostgreSQL.
 * - `once_tokens`: single-use facts every replica must see (eHSM replay guard, Encedo challenges).
 * - `secrets.version_seq`: the last version number handed out, so that concurrent PutSecretValue
 *   calls (from one or several processes) each get their own number without retrying.
 */
export class Replicas1764900000000 implements MigrationInterface {
  name = 'Replicas1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'once_tokens',
        columns: [
          { name: 'scope', type: 'varchar', length: '32', isPrimary: true },
          { name: 'token', type: 'varchar', length: '128', isPrimary: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'idx_once_tokens_expiry', columnNames: ['expires_at'] })],
      }),
    );
    await q.addColumn('secrets', new TableColumn({ name: 'version_seq', type: 'integer', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('secrets', 'version_seq');
    await q.dropTable('once_tokens');
  }
}
