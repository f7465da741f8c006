/**
 * Remembers which signed requests were already accepted, so that a captured request cannot be
 * played again inside the timestamp window. Behind an interface so that a shared store
 * (PostgreSQL) can back it when several gateways serve the same apps.
 */
export interface ReplayGuard {
  /** Was this request already accepted (and not yet forgotten)? */
  seen(key: string): Promise<boolean>;
  /** Records an accepted request; false if it was recorded meanwhile (a concurrent replay). */
  claim(key: string): Promise<boolean>;
}

export const REPLAY_GUARD = Symbol('EHSM_REPLAY_GUARD');

/** The identity of a request for replay purposes. */
export const replayKey = (appid: string, nonce: unknown, timestamp: string) => `${appid}\u0000${nonce === undefined || nonce === null ? '' : String(nonce)}\u0000${timestamp}`;

/** Thrown when the guard cannot take more entries; the request is refused rather than let through. */
export class ReplayGuardFull extends Error {}

/**
 * In-process guard. Every entry lives the same time, so insertion order is expiry order and
 * expired entries are dropped from the front. When full of live entries it refuses new requests
 * (fail closed): dropping a live entry would re-open a replay window.
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs = 20 * 60 * 1000,
    private readonly maxEntries = 1_000_000,
    private readonly now: () => number = Date.now,
  ) {}

  async seen(key: string): Promise<boolean> {
    const until = this.entries.get(key);
    return until !== undefined && until > this.now();
  }

  async claim(key: string): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    const until = this.entries.get(key);
    if (until !== undefined && until > now) return false;
    if (this.entries.size >= this.maxEntries) throw new ReplayGuardFull('replay cache is full');
    this.entries.delete(key);
    this.entries.set(key, now + this.ttlMs);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    for (const [key, until] of this.entries) {
      if (until > now) break;
      this.entries.delete(key);
    }
  }
}
