import type { DataSource } from 'typeorm';
import { AuditEntity } from '../store/entities/audit.entity';

export interface AuditQuery {
  tenantId?: string;
  keyId?: string;
  since?: number;
  /** Newest first, at most this many. */
  limit?: number;
}

/** Reads the audit trail (admin CLI, dialect log routes). */
export class AuditReader {
  constructor(private readonly ds: DataSource) {}

  async query(q: AuditQuery = {}): Promise<AuditEntity[]> {
    const qb = this.ds.getRepository(AuditEntity).createQueryBuilder('a').orderBy('a.seq', 'DESC').take(Math.min(q.limit ?? 100, 10000));
    if (q.tenantId) qb.andWhere('a.tenant_id = :t', { t: q.tenantId });
    if (q.keyId) qb.andWhere('a.key_id = :k', { k: q.keyId });
    if (q.since !== undefined) qb.andWhere('a.at >= :s', { s: q.since });
    return qb.getMany();
  }

  async count(q: Omit<AuditQuery, 'limit'> = {}): Promise<number> {
    const qb = this.ds.getRepository(AuditEntity).createQueryBuilder('a');
    if (q.tenantId) qb.andWhere('a.tenant_id = :t', { t: q.tenantId });
    if (q.since !== undefined) qb.andWhere('a.at >= :s', { s: q.since });
    return qb.getCount();
  }
}
