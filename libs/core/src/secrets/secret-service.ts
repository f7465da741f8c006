import { createHmac, randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager, In, IsNull, LessThanOrEqual, type Repository } from 'typeorm';
import type { AuditWriter } from '../audit/audit-writer';
import type { Sealer } from '../crypto/sealer';
import { KmsError, invalidArgument, notFound, wrongKeyState } from '../errors';
import type { KeyRecord, OpContext } from '../key';
import type { KeyOperations } from '../operations/key-operations';
import { isUniqueViolation } from '../store/db-errors';
import { SecretEntity, SecretVersionEntity } from '../store/entities/secret.entity';

/** A secret's metadata; values are only ever returned by getValue. */
export interface SecretRecord {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  /** The CMK sealing the values; null: the tenant's default secret key. */
  encryptionKeyId: string | null;
  rotationInterval: string | null;
  currentVersion: number;
  createdAt: number;
  lastRotationAt: number | null;
  nextRotationAt: number | null;
  deletedAt: number | null;
  plannedDeleteAt: number | null;
}

export interface CreateSecretRequest {
  name: string;
  value: Buffer;
  description?: string | null;
  /** A symmetric AES key of the tenant with encrypt+decrypt usage; absent: the default secret key. */
  encryptionKeyId?: string | null;
  /** The interval as the client wrote it (a dialect's notation) and its length; next = creation + period. */
  rotation?: { interval: string; periodMs: number } | null;
}

export interface SecretValue {
  secret: SecretRecord;
  version: number;
  createdAt: number;
  value: Buffer;
}

/**
 * Attribute that marks a key the gateway keeps for itself (the default secret key, a BYOK
 * wrapping key). Dialects hide such keys from their listings and never delete them on a client's
 * behalf.
 */
export const INTERNAL_KEY_ATTRIBUTE = 'internal';
export const isInternalKey = (k: KeyRecord) => typeof k.attributes?.[INTERNAL_KEY_ATTRIBUTE] === 'string';

const GCM_IV = 12;
const GCM_TAG = 16;
/** Stored value format: 0x01 ‖ iv(12) ‖ tag(16) ‖ AES-GCM ciphertext, base64 in the row. */
const VALUE_FORMAT = 0x01;

/**
 * The canonical secret manager. Values are encrypted through KeyOperations (so every seal and
 * unseal is an audited key operation) under the tenant's chosen CMK or its default secret key,
 * with AES-GCM and the AAD `secret:<id>:<version>`, so a value row moved to another secret or
 * version does not open.
 *
 * The default secret key has an id derived from the tenant id (HMAC under a sealer-derived key,
 * shaped as a UUID): it needs no column to be found, is created on first use, and two processes
 * racing to create it meet on the primary key (ALREADY_EXISTS means "someone else made it").
 *
 * Soft-deleted secrets are hard-deleted once their planned time has passed: lazily, for the
 * caller's tenant, at the start of every call (so no call ever sees an overdue secret), and by
 * `purgeDue()` for all tenants, which the gateway runs periodically so that data of idle tenants
 * does not linger.
 */
export class SecretService {
  private readonly secrets: Repository<SecretEntity>;
  private readonly versions: Repository<SecretVersionEntity>;
  private readonly idKey: Buffer;

  constructor(
    private readonly ds: DataSource,
    private readonly keys: KeyOperations,
    private readonly audit: AuditWriter,
    sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {
    this.secrets = ds.getRepository(SecretEntity);
    this.versions = ds.getRepository(SecretVersionEntity);
    this.idKey = sealer.derive('secret-manager/default-key-id');
  }

  /** The id of a tenant's default secret key (whether or not it exists yet). */
  defaultKeyId(tenantId: string): string {
    const h = createHmac('sha256', this.idKey).update(tenantId, 'utf8').digest();
    h[6] = (h[6] & 0x0f) | 0x80; // UUID version 8 (custom), lowercase hex like every eHSM keyid
    h[8] = (h[8] & 0x3f) | 0x80;
    const x = h.subarray(0, 16).toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  async create(ctx: OpContext, req: CreateSecretRequest): Promise<SecretRecord> {
    await this.purgeTenant(ctx.tenantId);
    noNul(req.name, 'name');
    noNul(req.description ?? '', 'description');
    if (req.encryptionKeyId) await this.checkCmk(ctx, req.encryptionKeyId);
    const now = this.now();
    const row: SecretEntity = {
      id: randomUUID(),
      tenantId: ctx.tenantId,
      name: req.name,
      description: req.description ?? null,
      encryptionKeyId: req.encryptionKeyId ?? null,
      rotationInterval: req.rotation?.interval ?? null,
      currentVersion: 1,
      createdAt: now,
      lastRotationAt: null,
      nextRotationAt: req.rotation ? now + req.rotation.periodMs : null,
      deletedAt: null,
      plannedDeleteAt: null,
    };
    // Refuse a taken name before sealing anything (the unique index stays the real guard).
    if (await this.secrets.existsBy({ tenantId: ctx.tenantId, name: req.name })) throw alreadyExists();
    const ciphertext = await this.seal(ctx, row, 1, req.value);
    try {
      await this.ds.transaction(async (em) => {
        await em.insert(SecretEntity, row);
        await em.insert(SecretVersionEntity, { secretId: row.id, version: 1, ciphertext, createdAt: now });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists();
      throw err;
    }
    await this.record(ctx, 'secret-create', row);
    return row;
  }

  /** The secret by name, soft-deleted or not; null when there is none. */
  async find(ctx: OpContext, name: string): Promise<SecretRecord | null> {
    await this.purgeTenant(ctx.tenantId);
    // PostgreSQL refuses NUL in text; no stored name has one.
    if (name.includes('\u0000')) return null;
    return this.secrets.findOneBy({ tenantId: ctx.tenantId, name });
  }

  /** The tenant's secrets (soft-deleted ones included), oldest first; optionally one name. */
  async list(ctx: OpContext, name?: string, limit = 4000): Promise<SecretRecord[]> {
    await this.purgeTenant(ctx.tenantId);
    return this.secrets.find({ where: name === undefined ? { tenantId: ctx.tenantId } : { tenantId: ctx.tenantId, name }, order: { createdAt: 'ASC', id: 'ASC' }, take: limit });
  }

  /** NOT_FOUND for an unknown name; WRONG_KEY_STATE for a soft-deleted secret. */
  async setDescription(ctx: OpContext, name: string, description: string | null): Promise<SecretRecord> {
    noNul(description ?? '', 'description');
    const s = await this.live(ctx, name);
    await this.secrets.update({ id: s.id }, { description });
    await this.record(ctx, 'secret-update', s);
    return { ...s, description };
  }

  /**
   * Stores a new version, which becomes current; older versions stay readable. Safe under
   * concurrency in one process and across replicas: each call first takes its own version number
   * from the secret's counter (one atomic UPDATE), seals the value under that number, then writes
   * the version row and moves `currentVersion` forward unless a higher version got there first.
   * No two calls get the same number and none is lost; no call retries.
   */
  async putValue(ctx: OpContext, name: string, value: Buffer): Promise<{ secret: SecretRecord; version: number }> {
    const s = await this.live(ctx, name);
    const version = await this.nextVersion(s.id);
    if (version === null) throw wrongKeyState('the secret is deleted');
    const ciphertext = await this.seal(ctx, s, version, value);
    const current = await this.ds.transaction(async (em) => {
      await em.insert(SecretVersionEntity, { secretId: s.id, version, ciphertext, createdAt: this.now() });
      const res = await em
        .createQueryBuilder()
        .update(SecretEntity)
        .set({ currentVersion: version })
        .where('id = :id AND deleted_at IS NULL AND current_version < :version', { id: s.id, version })
        .execute();
      if (res.affected) return version;
      // Not moved: a higher version was stored meanwhile (ours stays, as an older one), or the
      // secret was deleted since we took the number (then nothing is kept).
      const row = await em.findOne(SecretEntity, { where: { id: s.id, deletedAt: IsNull() }, select: { id: true, currentVersion: true } });
      if (!row) throw wrongKeyState('the secret was deleted meanwhile');
      return row.currentVersion;
    });
    await this.record(ctx, 'secret-put-value', s);
    return { secret: { ...s, currentVersion: current }, version };
  }

  /** Versions of a live secret, newest first; empty for an unknown or soft-deleted secret. */
  async listVersions(ctx: OpContext, name: string, limit = 4000): Promise<Array<{ version: number; createdAt: number }>> {
    const s = await this.find(ctx, name);
    if (!s || s.deletedAt !== null) return [];
    const rows = await this.versions.find({ where: { secretId: s.id }, order: { version: 'DESC' }, take: limit, select: { version: true, createdAt: true } });
    return rows.map((r) => ({ version: r.version, createdAt: r.createdAt }));
  }

  /**
   * A version's value (the current one by default). NOT_FOUND for an unknown name,
   * WRONG_KEY_STATE for a soft-deleted secret, null for a version that does not exist.
   */
  async getValue(ctx: OpContext, name: string, version?: number): Promise<SecretValue | null> {
    const s = await this.live(ctx, name);
    const v = version ?? s.currentVersion;
    const row = await this.versions.findOneBy({ secretId: s.id, version: v });
    if (!row) return null;
    const value = await this.open(ctx, s, v, row.ciphertext);
    await this.record(ctx, 'secret-get-value', s);
    return { secret: s, version: v, createdAt: row.createdAt, value };
  }

  /** Soft delete: hard-deleted at `plannedDeleteAt` unless restored. Deleting again resets the dates. */
  async scheduleDeletion(ctx: OpContext, name: string, recoveryDays: number): Promise<SecretRecord> {
    if (!Number.isInteger(recoveryDays) || recoveryDays < 1) throw invalidArgument('the recovery period must be at least one day', 'recoveryPeriod');
    const s = await this.find(ctx, name);
    if (!s) throw notFound('secret not found');
    const now = this.now();
    const next = { deletedAt: now, plannedDeleteAt: now + recoveryDays * 86_400_000 };
    await this.secrets.update({ id: s.id }, next);
    await this.record(ctx, 'secret-schedule-delete', s);
    return { ...s, ...next };
  }

  /** Hard delete now, with every version. */
  async deleteNow(ctx: OpContext, name: string): Promise<void> {
    const s = await this.find(ctx, name);
    if (!s) throw notFound('secret not found');
    await this.ds.transaction((em) => this.hardDelete(em, [s.id]));
    await this.record(ctx, 'secret-delete', s);
  }

  /** Cancels a planned deletion (a no-op on a live secret). */
  async restore(ctx: OpContext, name: string): Promise<SecretRecord> {
    const s = await this.find(ctx, name);
    if (!s) throw notFound('secret not found');
    await this.secrets.update({ id: s.id }, { deletedAt: null, plannedDeleteAt: null });
    await this.record(ctx, 'secret-restore', s);
    return { ...s, deletedAt: null, plannedDeleteAt: null };
  }

  /** Hard-deletes every secret whose planned deletion time has come, in all tenants. */
  async purgeDue(): Promise<number> {
    const due = await this.secrets.find({ where: { plannedDeleteAt: LessThanOrEqual(this.now()) }, select: { id: true, tenantId: true } });
    if (!due.length) return 0;
    await this.ds.transaction((em) =>
      this.hardDelete(
        em,
        due.map((d) => d.id),
      ),
    );
    for (const d of due) await this.audit.record(this.auditRow(d.tenantId, 'secret-purge', null, d.id, 'gateway', 'ok'));
    return due.length;
  }

  // ---- internals -----------------------------------------------------------------------------

  private async purgeTenant(tenantId: string): Promise<void> {
    const due = await this.secrets.find({ where: { tenantId, plannedDeleteAt: LessThanOrEqual(this.now()) }, select: { id: true } });
    if (!due.length) return;
    await this.ds.transaction((em) =>
      this.hardDelete(
        em,
        due.map((d) => d.id),
      ),
    );
    for (const d of due) await this.audit.record(this.auditRow(tenantId, 'secret-purge', null, d.id, 'gateway', 'ok'));
  }

  /**
   * Takes the next version number of a live secret; null when it is gone or deleted. The UPDATE
   * locks the row until the transaction ends (PostgreSQL) or holds SQLite's write lock, so the
   * number read back is this call's own (openDataSource queues SQLite's transactions, which share
   * one connection).
   */
  private nextVersion(id: string): Promise<number | null> {
    return this.ds.transaction(async (em) => {
      const res = await em
        .createQueryBuilder()
        .update(SecretEntity)
        .set({ versionSeq: () => 'COALESCE(version_seq, current_version) + 1' })
        .where('id = :id AND deleted_at IS NULL', { id })
        .execute();
      if (!res.affected) return null;
      const row = await em.createQueryBuilder(SecretEntity, 's').select('s.version_seq', 'v').where('s.id = :id', { id }).getRawOne<{ v: number | string }>();
      return row ? Number(row.v) : null;
    });
  }

  private async hardDelete(em: EntityManager, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await em.delete(SecretVersionEntity, { secretId: In(chunk) });
      await em.delete(SecretEntity, { id: In(chunk) });
    }
  }

  private async live(ctx: OpContext, name: string): Promise<SecretRecord> {
    const s = await this.find(ctx, name);
    if (!s) throw notFound('secret not found');
    if (s.deletedAt !== null) throw wrongKeyState('the secret is deleted');
    return s;
  }

  /** The CMK must be the tenant's own AES key that may encrypt and decrypt. */
  private async checkCmk(ctx: OpContext, keyId: string): Promise<void> {
    const k = await this.keys.get(ctx, keyId);
    if (!k.spec.startsWith('aes-') || !k.usages.includes('encrypt') || !k.usages.includes('decrypt')) {
      throw invalidArgument('secrets are encrypted with a symmetric AES key that may encrypt and decrypt', 'encryptionKeyId');
    }
  }

  private async keyFor(ctx: OpContext, s: SecretRecord): Promise<string> {
    if (s.encryptionKeyId) return s.encryptionKeyId;
    const id = this.defaultKeyId(ctx.tenantId);
    try {
      await this.keys.get(ctx, id);
    } catch (err) {
      if (!(err instanceof KmsError && err.code === 'NOT_FOUND')) throw err;
      try {
        await this.keys.create(ctx, {
          id,
          spec: 'aes-256',
          usages: ['encrypt', 'decrypt'],
          label: 'default secret key',
          attributes: { [INTERNAL_KEY_ATTRIBUTE]: 'secret-default' },
        });
      } catch (e) {
        // Made meanwhile by a concurrent request (or another process): use it.
        if (!(e instanceof KmsError && e.code === 'ALREADY_EXISTS')) throw e;
      }
    }
    return id;
  }

  private aad(s: SecretRecord, version: number): Buffer {
    return Buffer.from(`secret:${s.id}:${version}`, 'utf8');
  }

  private async seal(ctx: OpContext, s: SecretRecord, version: number, value: Buffer): Promise<string> {
    const keyId = await this.keyFor(ctx, s);
    const r = await this.keys.encrypt(ctx, keyId, { alg: 'AES-GCM', plaintext: value, aad: this.aad(s, version) });
    return Buffer.concat([Buffer.of(VALUE_FORMAT), r.iv, r.tag, r.ciphertext]).toString('base64');
  }

  private async open(ctx: OpContext, s: SecretRecord, version: number, stored: string): Promise<Buffer> {
    const blob = Buffer.from(stored, 'base64');
    if (blob.length < 1 + GCM_IV + GCM_TAG || blob[0] !== VALUE_FORMAT) throw new KmsError('INTERNAL', 'a stored secret value is malformed');
    const keyId = await this.keyFor(ctx, s);
    return this.keys.decrypt(ctx, keyId, {
      alg: 'AES-GCM',
      iv: blob.subarray(1, 1 + GCM_IV),
      tag: blob.subarray(1 + GCM_IV, 1 + GCM_IV + GCM_TAG),
      ciphertext: blob.subarray(1 + GCM_IV + GCM_TAG),
      aad: this.aad(s, version),
    });
  }

  private auditRow(tenantId: string, operation: string, keyId: string | null, secretId: string, dialect: string, outcome: string, principal?: string) {
    return { at: this.now(), tenantId, dialect, operation, keyId, backend: null, outcome, latencyUs: 0, principal: principal ?? null, event: `secret:${secretId}` };
  }

  /** One audit row per metadata change; value seals and opens are audited by KeyOperations. */
  private async record(ctx: OpContext, operation: string, s: SecretRecord): Promise<void> {
    await this.audit.record(this.auditRow(ctx.tenantId, operation, s.encryptionKeyId, s.id, ctx.dialect, 'ok', ctx.principal));
  }
}

/** PostgreSQL refuses NUL in text, so no store keeps it: refused alike on every store. */
function noNul(value: string, field: string): void {
  if (value.includes('\u0000')) throw invalidArgument(`the ${field} may not contain NUL`, field);
}

const alreadyExists = () => new KmsError('ALREADY_EXISTS', 'a secret with this name already exists');
