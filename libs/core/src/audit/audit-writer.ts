import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { AuditEntity } from '../store/entities/audit.entity';
import { SqliteAuditSink } from './sqlite-audit-sink';

export interface AuditRecord {
  at: number;
  tenantId: string | null;
  dialect: string;
  operation: string;
  keyId: string | null;
  backend: string | null;
  /** `ok`, or the canonical error code. */
  outcome: string;
  latencyUs: number;
  principal?: string | null;
  event?: string | null;
}

interface Pending {
  record: AuditRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the audit trail. Records queue up while one batch is being committed; the next
 * batch takes everything that arrived meanwhile, in one transaction. `record()` resolves only
 * once its row is committed, so an operation is never acknowledged without its audit record (fail
 * closed), and throughput comes from batching, not from skipping the write. At low load a batch
 * is one row and the wait is one insert; under load the cost per row falls with the batch size.
 */
export class AuditWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly ds: DataSource,
    private readonly maxBatch = 1000,
  ) {}

  record(record: AuditRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Waits until everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.prepared?.sqlite?.close();
  }

  private async drain(): Promise<void> {
    // Yield once so that requests arriving in the same tick join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.insert(batch.map((p) => p.record));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * The batch as plain INSERTs built once from the entity's metadata (column names, value
   * transformers, the driver's placeholders). On SQLite it goes through a connection of the
   * audit's own as one prepared statement taking the batch as JSON (SqliteAuditSink); elsewhere
   * as multi-row INSERTs through TypeORM in one transaction. The query builder and three
   * statements per batch cost more CPU and event-loop round trips than the requests themselves
   * under load (bench/ profile).
   */
  private async insert(records: AuditRecord[]): Promise<void> {
    const { columns, sql, sqlite } = this.statement();
    const rows = records.map((r) => {
      const row = { ...r, principal: r.principal ?? null, event: r.event ?? null } as unknown as AuditEntity;
      return columns.map((c) => c.getEntityValue(row, true) as unknown);
    });
    if (sqlite) return sqlite.insert(rows);
    const params = rows.flat();
    // Bound each statement's parameter count (11 per row) well below the drivers' limits.
    const chunk = 500;
    const width = columns.length;
    await this.ds.transaction(async (em) => {
      for (let i = 0; i < records.length; i += chunk) {
        const n = Math.min(chunk, records.length - i);
        await em.query(sql(n), params.slice(i * width, (i + n) * width));
      }
    });
  }

  private prepared: { columns: ColumnMetadata[]; sql: (rows: number) => string; sqlite: SqliteAuditSink | null } | null = null;

  private statement() {
    if (this.prepared) return this.prepared;
    const meta = this.ds.getMetadata(AuditEntity);
    const columns = meta.columns.filter((c) => !c.isGenerated);
    const driver = this.ds.driver;
    const numbered = this.ds.options.type === 'postgres';
    const into = `INSERT INTO ${driver.escape(meta.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')})`;
    const sql = (rows: number) => {
      const tuples: string[] = [];
      for (let r = 0, n = 0; r < rows; r++) tuples.push(`(${columns.map(() => (numbered ? `$${++n}` : '?')).join(', ')})`);
      return `${into} VALUES ${tuples.join(', ')}`;
    };
    const file = this.ds.options.type === 'sqlite' ? this.ds.options.database : null;
    const sqlite = file && file !== ':memory:' ? new SqliteAuditSink(file, into, columns.length) : null;
    this.prepared = { columns, sql, sqlite };
    return this.prepared;
  }
}
