import type { DataSource, Repository } from 'typeorm';
import { KmsError, invalidArgument } from '../errors';
import { UUID_RE } from '../key';
import { isUniqueViolation } from '../store/db-errors';
import { KeyAliasEntity } from '../store/entities/key-alias.entity';

export interface KeyAlias {
  name: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * Alias names: 1 to 256 characters, no control characters, and never of a key id's form, so that a
 * UUID always names the key itself. Each dialect narrows this to its vendor's rules (AWS's
 * `alias/` prefix and character set, Vault's path segment).
 */
export function checkAliasName(name: unknown): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 256) throw invalidArgument('an alias is 1 to 256 characters', 'alias');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalidArgument('an alias may not contain control characters', 'alias');
  if (UUID_RE.test(name.toLowerCase())) throw invalidArgument('an alias may not have the form of a key id', 'alias');
  return name;
}

/**
 * The key_aliases table, with a small cache for the resolutions on the hot path (a dialect that
 * names keys by alias resolves one on every request). Changes made here evict at once; changes
 * by another process arrive through the change feed (`forget`) or within `ttlMs`.
 */
export class AliasStore {
  private readonly repo: Repository<KeyAliasEntity>;
  private readonly cache = new Map<string, { keyId: string | null; at: number }>();
  onChanged: ((tenantId: string, name: string) => void) | null = null;

  constructor(
    ds: DataSource,
    private readonly ttlMs: number,
    private readonly maxEntries = 10000,
  ) {
    this.repo = ds.getRepository(KeyAliasEntity);
  }

  /** The key id an alias names, or null. */
  async resolve(tenantId: string, name: string, now = Date.now()): Promise<string | null> {
    const slot = cacheKey(tenantId, name);
    const hit = this.cache.get(slot);
    if (hit && now - hit.at < this.ttlMs) return hit.keyId;
    const row = await this.repo.findOneBy({ tenantId, name });
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(slot, { keyId: row?.keyId ?? null, at: now });
    return row?.keyId ?? null;
  }

  async find(tenantId: string, name: string): Promise<KeyAlias | null> {
    const row = await this.repo.findOneBy({ tenantId, name });
    return row ? toAlias(row) : null;
  }

  /** A new alias; ALREADY_EXISTS if the tenant has one of this name. */
  async create(tenantId: string, name: string, keyId: string): Promise<KeyAlias> {
    const now = Date.now();
    try {
      await this.repo.insert({ tenantId, name, keyId, createdAt: now, updatedAt: now });
    } catch (err) {
      if (isUniqueViolation(err)) throw new KmsError('ALREADY_EXISTS', `an alias named '${name}' already exists`);
      throw err;
    }
    this.changed(tenantId, name);
    return { name, keyId, createdAt: now, updatedAt: now };
  }

  /** Points an existing alias at another key; false if there is no such alias. */
  async repoint(tenantId: string, name: string, keyId: string): Promise<boolean> {
    const res = await this.repo.update({ tenantId, name }, { keyId, updatedAt: Date.now() });
    this.changed(tenantId, name);
    return (res.affected ?? 0) > 0;
  }

  async remove(tenantId: string, name: string): Promise<boolean> {
    const res = await this.repo.delete({ tenantId, name });
    this.changed(tenantId, name);
    return (res.affected ?? 0) > 0;
  }

  /** Removes every alias of a destroyed key, so that its names can be used again. */
  async removeAllOf(tenantId: string, keyId: string): Promise<void> {
    const names = (await this.repo.find({ where: { tenantId, keyId } })).map((r) => r.name);
    if (!names.length) return;
    await this.repo.delete({ tenantId, keyId });
    for (const n of names) this.changed(tenantId, n);
  }

  /** A tenant's aliases by name, or those of one key. */
  async list(tenantId: string, keyId?: string): Promise<KeyAlias[]> {
    const rows = await this.repo.find({ where: keyId ? { tenantId, keyId } : { tenantId }, order: { name: 'ASC' } });
    return rows.map(toAlias);
  }

  /** Drops a cached resolution (a change made by another process). */
  forget(tenantId?: string, name?: string): void {
    if (tenantId === undefined || name === undefined) this.cache.clear();
    else this.cache.delete(cacheKey(tenantId, name));
  }

  private changed(tenantId: string, name: string): void {
    this.cache.delete(cacheKey(tenantId, name));
    this.onChanged?.(tenantId, name);
  }
}

const cacheKey = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;

function toAlias(r: KeyAliasEntity): KeyAlias {
  return { name: r.name, keyId: r.keyId, createdAt: r.createdAt, updatedAt: r.updatedAt };
}
