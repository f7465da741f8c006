import { type DataSource, type EntityManager, In, LessThan, LessThanOrEqual, type Repository } from 'typeorm';
import type { StoredKey } from '../backend';
import { wrongKeyState } from '../errors';
import type { KeyRecord, KeyVersion } from '../key';
import type { KeyClass, KeyUsage } from '../specs';
import { isUniqueViolation } from '../store/db-errors';
import { KeyEntity } from '../store/entities/key.entity';
import { KeyVersionEntity, type KeyVersionOrigin, type KeyVersionState } from '../store/entities/key-version.entity';

/** A change to a key's record; its versions change only through the methods named for that. */
export type KeyPatch = Partial<Omit<KeyRecord, 'id' | 'tenantId' | 'revision' | 'versions' | 'currentVersion'>>;

/** A version as `key versions` shows it, destroyed ones included. */
export interface KeyVersionInfo extends KeyVersion {
  state: KeyVersionState;
  madeBy: KeyVersionOrigin;
  destroyedAt: number | null;
}

/** Work the lifecycle scheduler finds due. */
export type DueWork = { kind: 'deletion'; id: string; tenantId: string } | { kind: 'rotation'; id: string; tenantId: string };

/**
 * The keys and key_versions tables, spoken in KeyRecords. The only place that maps rows to the
 * canonical model. A record's `backendRef`/`publicKey` are its current version's, copied on the
 * keys row so that the hot path reads one row; `versions` come from key_versions.
 */
export class KeyStore {
  private readonly repo: Repository<KeyEntity>;
  private readonly versionRepo: Repository<KeyVersionEntity>;
  /**
   * Called after a change to a key's record is committed (the kernel publishes it to the other
   * replicas, which drop their cached copy at once rather than after the cache TTL).
   */
  onChanged: ((id: string) => void) | null = null;

  constructor(ds: DataSource) {
    this.repo = ds.getRepository(KeyEntity);
    this.versionRepo = ds.getRepository(KeyVersionEntity);
  }

  async find(id: string): Promise<KeyRecord | null> {
    return this.findWith(this.repo.manager, id);
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
    const versions = rows.length ? await this.versionRepo.find({ where: { keyId: In(rows.map((r) => r.id)), state: 'enabled' }, order: { version: 'ASC' } }) : [];
    const byKey = new Map<string, KeyVersionEntity[]>();
    for (const v of versions) byKey.set(v.keyId, [...(byKey.get(v.keyId) ?? []), v]);
    return { keys: rows.map((r) => toRecord(r, byKey.get(r.id) ?? [])), total };
  }

  /** A new key and its first version, in one transaction. */
  async insert(record: KeyRecord): Promise<void> {
    await this.repo.manager.transaction(async (em) => {
      await em.insert(KeyEntity, toEntity(record));
      for (const v of record.versions) await em.insert(KeyVersionEntity, versionRow(record.id, v, 'enabled'));
    });
  }

  /**
   * Applies a change and bumps the revision; returns the new record, or null if the key is gone.
   * A new backend reference or public key (material imported later, re-homing) is the current
   * version's; a key destroyed loses every version's material.
   */
  async update(id: string, patch: KeyPatch, expectRevision?: number): Promise<KeyRecord | null> {
    const next = await this.repo.manager.transaction(async (em) => {
      const row = await em.findOneBy(KeyEntity, { id });
      if (!row) return null;
      if (expectRevision !== undefined && row.revision !== expectRevision) throw wrongKeyState('the key was changed concurrently; retry');
      const res = await em.update(KeyEntity, { id, revision: row.revision }, { ...entityPatch(patch), updatedAt: Date.now(), revision: row.revision + 1 });
      if (res.affected === 0) throw wrongKeyState('the key was changed concurrently; retry');
      if (patch.state === 'destroyed') {
        await em.update(KeyVersionEntity, { keyId: id, state: In(['enabled', 'pending']) }, { state: 'destroyed', backendRef: null, destroyedAt: Date.now() });
      } else if ('backendRef' in patch || 'publicKey' in patch) {
        await em.update(
          KeyVersionEntity,
          { keyId: id, version: row.currentVersion },
          { backendRef: patch.backendRef ?? row.backendRef, publicKey: patch.publicKey ?? row.publicKey },
        );
      }
      return this.findWith(em, id);
    });
    if (next) this.onChanged?.(id);
    return next;
  }

  /**
   * Claims the next version of a key before its material is made: true if this caller holds the
   * claim, false if another rotation (here or on another replica) already made or claimed it.
   */
  async claimVersion(id: string, version: number, madeBy: KeyVersionOrigin): Promise<boolean> {
    try {
      await this.versionRepo.insert({ keyId: id, version, state: 'pending', madeBy, backendRef: null, publicKey: null, createdAt: Date.now(), destroyedAt: null });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Gives a claim back after its material could not be made or recorded. */
  async dropClaim(id: string, version: number): Promise<void> {
    await this.versionRepo.delete({ keyId: id, version, state: 'pending' });
  }

  /** Makes a claimed version the current one, with its material, in one transaction. */
  async commitVersion(id: string, version: number, stored: StoredKey, patch: KeyPatch): Promise<KeyRecord> {
    const next = await this.repo.manager.transaction(async (em) => {
      const row = await em.findOneBy(KeyEntity, { id });
      if (!row) throw wrongKeyState('the key is gone');
      if (row.state === 'destroyed' || row.state === 'pending_deletion') throw wrongKeyState(`the key is ${row.state.replace('_', ' ')}`);
      const claimed = await em.update(
        KeyVersionEntity,
        { keyId: id, version, state: 'pending' },
        { state: 'enabled', backendRef: stored.backendRef, publicKey: stored.publicKey, createdAt: Date.now() },
      );
      if (claimed.affected === 0) throw wrongKeyState('the rotation lost its claim; retry');
      const res = await em.update(
        KeyEntity,
        { id, revision: row.revision },
        { ...entityPatch(patch), currentVersion: version, backendRef: stored.backendRef, publicKey: stored.publicKey, updatedAt: Date.now(), revision: row.revision + 1 },
      );
      if (res.affected === 0) throw wrongKeyState('the key was changed concurrently; retry');
      return (await this.findWith(em, id))!;
    });
    this.onChanged?.(id);
    return next;
  }

  /**
   * Marks the live versions below `below` destroyed (their material is the caller's to destroy)
   * and returns them; the record's revision is bumped so that every cache drops them.
   */
  async trimVersions(id: string, below: number): Promise<{ record: KeyRecord; trimmed: KeyVersion[] }> {
    const out = await this.repo.manager.transaction(async (em) => {
      const row = await em.findOneBy(KeyEntity, { id });
      if (!row) throw wrongKeyState('the key is gone');
      const gone = await em.find(KeyVersionEntity, { where: { keyId: id, state: 'enabled', version: LessThan(below) } });
      if (gone.length) {
        await em.update(KeyVersionEntity, { keyId: id, state: 'enabled', version: LessThan(below) }, { state: 'destroyed', backendRef: null, destroyedAt: Date.now() });
      }
      await em.update(KeyEntity, { id, revision: row.revision }, { updatedAt: Date.now(), revision: row.revision + 1 });
      return { record: (await this.findWith(em, id))!, trimmed: gone.map(toVersion) };
    });
    this.onChanged?.(id);
    return out;
  }

  /** Every version of a key, destroyed and pending ones included, oldest first. */
  async versionHistory(id: string): Promise<KeyVersionInfo[]> {
    const rows = await this.versionRepo.find({ where: { keyId: id }, order: { version: 'ASC' } });
    return rows.map((v) => ({ ...toVersion(v), state: v.state, madeBy: v.madeBy, destroyedAt: v.destroyedAt }));
  }

  /** Keys whose scheduled deletion or rotation is due at `now`, oldest due first. */
  async due(now: number, limit: number): Promise<DueWork[]> {
    const deletions = await this.repo.find({
      select: { id: true, tenantId: true },
      where: { state: 'pending_deletion', deletionAt: LessThanOrEqual(now) },
      order: { deletionAt: 'ASC' },
      take: limit,
    });
    const rotations = await this.repo.find({
      select: { id: true, tenantId: true },
      where: { state: 'enabled', nextRotationAt: LessThanOrEqual(now) },
      order: { nextRotationAt: 'ASC' },
      take: limit,
    });
    return [
      ...deletions.map((r) => ({ kind: 'deletion' as const, id: r.id, tenantId: r.tenantId })),
      ...rotations.map((r) => ({ kind: 'rotation' as const, id: r.id, tenantId: r.tenantId })),
    ];
  }

  async count(): Promise<number> {
    return this.repo.count();
  }

  private async findWith(em: EntityManager, id: string): Promise<KeyRecord | null> {
    const row = await em.findOneBy(KeyEntity, { id });
    if (!row) return null;
    const versions = await em.find(KeyVersionEntity, { where: { keyId: id, state: 'enabled' }, order: { version: 'ASC' } });
    return toRecord(row, versions);
  }
}

function toVersion(v: KeyVersionEntity): KeyVersion {
  return { version: v.version, backendRef: v.backendRef, publicKey: v.publicKey, createdAt: v.createdAt };
}

function versionRow(keyId: string, v: KeyVersion, state: KeyVersionState): KeyVersionEntity {
  return Object.assign(new KeyVersionEntity(), { keyId, ...v, state, madeBy: 'create', destroyedAt: null });
}

function toRecord(e: KeyEntity, versions: KeyVersionEntity[]): KeyRecord {
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
    currentVersion: e.currentVersion ?? 1,
    minDecryptVersion: e.minDecryptVersion ?? 1,
    versions: versions.map(toVersion),
    rotation: e.rotationPeriodMs !== null && e.nextRotationAt !== null ? { periodMs: e.rotationPeriodMs, nextAt: e.nextRotationAt } : null,
    description: e.description ?? null,
    tags: e.tags ?? {},
    label: e.label,
    exportable: Boolean(e.exportable),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    expiresAt: e.expiresAt,
    deletionAt: e.deletionAt,
    attributes: e.attributes ?? {},
    revision: e.revision,
  };
}

function toEntity(r: KeyRecord): KeyEntity {
  const { versions: _versions, rotation, ...rest } = r;
  return Object.assign(new KeyEntity(), rest, { rotationPeriodMs: rotation?.periodMs ?? null, nextRotationAt: rotation?.nextAt ?? null });
}

/** The columns a patch changes (the rotation schedule is two of them). */
function entityPatch(patch: KeyPatch): Partial<KeyEntity> {
  const { rotation, ...rest } = patch;
  const out: Partial<KeyEntity> = { ...rest };
  if ('rotation' in patch) {
    out.rotationPeriodMs = rotation?.periodMs ?? null;
    out.nextRotationAt = rotation?.nextAt ?? null;
  }
  return out;
}
