import type { DataSource } from 'typeorm';
import { AuditEntity } from '../store/entities/audit.entity';

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

  private async insert(records: AuditRecord[]): Promise<void> {
    // Bound each statement's parameter count (11 per row) well below SQLite's limit.
    const chunk = 500;
    await this.ds.transaction(async (em) => {
      for (let i = 0; i < records.length; i += chunk) {
        const rows = records.slice(i, i + chunk).map((r) => ({ ...r, principal: r.principal ?? null, event: r.event ?? null }));
        await em.createQueryBuilder().insert().into(AuditEntity).values(rows).execute();
      }
    });
  }
}
