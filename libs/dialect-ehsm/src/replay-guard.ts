import { createHash } from 'node:crypto';

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

/** What a shared guard needs from the store: insert-or-fail and a lookup (core's OnceStore). */
export interface SharedTokenStore {
  claim(scope: string, token: string, expiresAt: number): Promise<boolean>;
  exists(scope: string, token: string): Promise<boolean>;
}

/** Scope of the guard's rows in the store. */
export const REPLAY_SCOPE = 'ehsm-replay';

/**
 * A guard every replica shares: accepted requests are rows of the store, keyed on SHA-256 of the
 * (appid, nonce, timestamp) key, so a request accepted by one gateway is refused by all the
 * others, and two replicas receiving the same request at once accept it once (the row's primary
 * key decides). Rows live as long as the memory guard's entries and are swept by the gateway.
 */
export class SharedReplayGuard implements ReplayGuard {
  constructor(
    private readonly store: SharedTokenStore,
    private readonly ttlMs = 20 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async seen(key: string): Promise<boolean> {
    return this.store.exists(REPLAY_SCOPE, digest(key));
  }

  async claim(key: string): Promise<boolean> {
    return this.store.claim(REPLAY_SCOPE, digest(key), this.now() + this.ttlMs);
  }
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
