import type { LoadedKey } from '../backend';
import type { KeyRecord } from '../key';

export interface CachedKey {
  record: KeyRecord;
  /** The backend's ready-to-use key; loaded on first use. */
  loaded: LoadedKey | null;
  /** When the record was last read from (or written to) the store. */
  checkedAt: number;
}

/**
 * Bounded LRU of keys in use, so that an operation reads neither the database nor re-parses key
 * material. Changes made through this process evict at once; changes made by another process
 * (a replica, the admin CLI) are picked up when an entry is older than `ttlMs`, the documented
 * staleness bound. Revalidation keeps the loaded key when the record's version is unchanged.
 */
export class KeyCache {
  private readonly map = new Map<string, CachedKey>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
  ) {}

  get(id: string): CachedKey | undefined {
    const hit = this.map.get(id);
    if (hit) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.map.delete(id);
      this.map.set(id, hit);
    }
    return hit;
  }

  isFresh(entry: CachedKey, now: number): boolean {
    return now - entry.checkedAt < this.ttlMs;
  }

  set(id: string, entry: CachedKey): void {
    this.map.delete(id);
    this.map.set(id, entry);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  evict(id: string): void {
    this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
