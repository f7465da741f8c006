import type { DataSource } from 'typeorm';
import { AuditEntity } from '../store/entities/audit.entity';

export interface AuditQuery {
  tenantId?: string;
  keyId?: string;
  since?: number;
  /** Before this time (exclusive). */
  until?: number;
  /** Only rows carrying a dialect's own event name (Encedo HEM log). */
  withEvent?: boolean;
  /** Newest first unless `oldestFirst`, at most this many. */
  limit?: number;
  oldestFirst?: boolean;
}

/** Reads the audit trail (admin CLI, dialect log routes). */
export class AuditReader {
  constructor(private readonly ds: DataSource) {}

  async query(q: AuditQuery = {}): Promise<AuditEntity[]> {
    const qb = this.ds
      .getRepository(AuditEntity)
      .createQueryBuilder('a')
      .orderBy('a.seq', q.oldestFirst ? 'ASC' : 'DESC')
      .take(Math.min(q.limit ?? 100, 100000));
    if (q.tenantId) qb.andWhere('a.tenant_id = :t', { t: q.tenantId });
    if (q.keyId) qb.andWhere('a.key_id = :k', { k: q.keyId });
    if (q.since !== undefined) qb.andWhere('a.at >= :s', { s: q.since });
    if (q.until !== undefined) qb.andWhere('a.at < :u', { u: q.until });
    if (q.withEvent) qb.andWhere('a.event IS NOT NULL');
    return qb.getMany();
  }

  /** The UTC days (days since the epoch) on which a tenant has rows with a dialect event. */
  async eventDays(tenantId: string): Promise<number[]> {
    const rows: Array<{ day: string | number }> = await this.ds
      .getRepository(AuditEntity)
      .createQueryBuilder('a')
      .select('a.at / 86400000', 'day')
      .distinct(true)
      .where('a.tenant_id = :t', { t: tenantId })
      .andWhere('a.event IS NOT NULL')
      .orderBy('day', 'ASC')
      .getRawMany();
    return rows.map((r) => Math.floor(Number(r.day)));
  }

  async count(q: Omit<AuditQuery, 'limit'> = {}): Promise<number> {
    const qb = this.ds.getRepository(AuditEntity).createQueryBuilder('a');
    if (q.tenantId) qb.andWhere('a.tenant_id = :t', { t: q.tenantId });
    if (q.since !== undefined) qb.andWhere('a.at >= :s', { s: q.since });
    return qb.getCount();
  }
}
