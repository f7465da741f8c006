import type { LoadedKey } from '../backend';
import type { KeyRecord } from '../key';

export interface CachedKey {
  record: KeyRecord;
  /** The backend's ready-to-use current version; loaded on first use. */
  loaded: LoadedKey | null;
  /** Older versions loaded for decryption or verification, by version number. */
  older?: Map<number, LoadedKey>;
  /** When the record was last read from (or written to) the store. */
  checkedAt: number;
  /** The cache's insertion count when the entry last moved to the young end (set by the cache). */
  seq?: number;
}

/**
 * Bounded LRU of keys in use, so that an operation reads neither the database nor re-parses key
 * material. Changes made through this process evict at once; changes made by another process
 * (a replica, the admin CLI) are picked up when an entry is older than `ttlMs`, the documented
 * staleness bound. Revalidation keeps the loaded key when the record's version is unchanged.
 */
export class KeyCache {
  private readonly map = new Map<string, CachedKey>();
  /** Insertions so far (new entries and moves): an entry's age in insertions is `seq - entry.seq`. */
  private seq = 0;
  /** A hit moves its entry to the young end only once it has aged this many insertions. */
  private readonly moveAfter: number;

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
  ) {
    this.moveAfter = Math.max(1, Math.floor(maxEntries / 2));
  }

  /**
   * An approximate LRU: eviction takes the oldest insertion, and a hit re-inserts its entry
   * (Map keeps insertion order) only when at least half the capacity has been inserted since. A
   * key used at least once every `maxEntries / 2` insertions is therefore never evicted, and a hot
   * key costs a lookup instead of a delete and a set on every operation (3% of the main thread
   * under load, mostly the Map rehashing its deleted slots).
   */
  get(id: string): CachedKey | undefined {
    const hit = this.map.get(id);
    if (hit && this.seq - (hit.seq ?? 0) >= this.moveAfter) {
      this.map.delete(id);
      this.map.set(id, hit);
      hit.seq = ++this.seq;
    }
    return hit;
  }

  isFresh(entry: CachedKey, now: number): boolean {
    return now - entry.checkedAt < this.ttlMs;
  }

  set(id: string, entry: CachedKey): void {
    this.map.delete(id);
    this.map.set(id, entry);
    entry.seq = ++this.seq;
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
