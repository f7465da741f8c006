import type { DataSource, Repository } from 'typeorm';
import { wrongKeyState } from '../errors';
import type { KeyRecord } from '../key';
import type { KeyClass, KeyUsage } from '../specs';
import { KeyEntity } from '../store/entities/key.entity';

/** The keys table, spoken in KeyRecords. The only place that maps rows to the canonical model. */
export class KeyStore {
  private readonly repo: Repository<KeyEntity>;
  /**
   * Called after a change to a key's record is committed (the kernel publishes it to the other
   * replicas, which drop their cached copy at once rather than after the cache TTL).
   */
  onChanged: ((id: string) => void) | null = null;

  constructor(ds: DataSource) {
    this.repo = ds.getRepository(KeyEntity);
  }

  async find(id: string): Promise<KeyRecord | null> {
    const row = await this.repo.findOneBy({ id });
    return row ? toRecord(row) : null;
  }

  /**
   * Live keys of a tenant (not destroyed), oldest first. Keys the gateway keeps for itself (a
   * tenant's default secret key, BYOK wrapping keys: attribute `internal`) are left out unless
   * asked for, so no dialect lists what its client never made.
   */
  async list(tenantId: string, offset = 0, limit = 10000, includeInternal = false): Promise<{ keys: KeyRecord[]; total: number }> {
    const qb = this.repo
      .createQueryBuilder('k')
      .where('k.tenant_id = :tenantId', { tenantId })
      .andWhere("k.state <> 'destroyed'")
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC');
    // The bag is JSON text written by JSON.stringify, so the member appears exactly like this.
    if (!includeInternal) qb.andWhere('k.attributes NOT LIKE :internal', { internal: '%"internal":"%' });
    const [rows, total] = await qb.skip(offset).take(limit).getManyAndCount();
    return { keys: rows.map(toRecord), total };
  }

  async insert(record: KeyRecord): Promise<void> {
    await this.repo.insert(toEntity(record));
  }

  /** Applies a change and bumps the version; returns the new record, or null if the key is gone. */
  async update(id: string, patch: Partial<Omit<KeyRecord, 'id' | 'tenantId' | 'version'>>): Promise<KeyRecord | null> {
    const next = await this.repo.manager.transaction(async (em) => {
      const row = await em.findOneBy(KeyEntity, { id });
      if (!row) return null;
      const next: KeyRecord = { ...toRecord(row), ...patch, updatedAt: Date.now(), version: row.version + 1 };
      const res = await em.update(KeyEntity, { id, version: row.version }, toEntity(next));
      if (res.affected === 0) throw wrongKeyState('the key was changed concurrently; retry');
      return next;
    });
    if (next) this.onChanged?.(id);
    return next;
  }

  async count(): Promise<number> {
    return this.repo.count();
  }
}

function toRecord(e: KeyEntity): KeyRecord {
  return {
    id: e.id,
    tenantId: e.tenantId,
    spec: e.spec,
    keyClass: e.keyClass as KeyClass,
    usages: e.usages as KeyUsage[],
    state: e.state as KeyRecord['state'],
    origin: e.origin as KeyRecord['origin'],
    backend: e.backend,
    backendRef: e.backendRef,
    publicKey: e.publicKey,
    label: e.label,
    exportable: Boolean(e.exportable),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    expiresAt: e.expiresAt,
    deletionAt: e.deletionAt,
    attributes: e.attributes ?? {},
    version: e.version,
  };
}

function toEntity(r: KeyRecord): KeyEntity {
  return Object.assign(new KeyEntity(), r);
}
