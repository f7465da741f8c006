import { createHash, hash } from 'node:crypto';
import { jsToString } from './sign-string';

/**
 * Remembers which signed requests were already accepted, so that a captured request cannot be
 * played again inside the timestamp window. Behind an interface so that a shared store
 * (PostgreSQL) can back it when several gateways serve the same apps.
 */
export interface ReplayLedger {
  /** Was this request already accepted (and not yet forgotten)? */
  seen(key: string): Promise<boolean>;
  /**
   * Records an accepted request; false if it was recorded meanwhile (a concurrent replay). The
   * record may go at `expiresAt` (ms), once the request's timestamp is outside the accepted window
   * and a replay is refused for that alone; without it, and never later than, the ledger's TTL.
   */
  claim(key: string, expiresAt?: number): Promise<boolean>;
}

export const REPLAY_LEDGER = Symbol('EHSM_REPLAY_LEDGER');

/** The identity of a request for replay purposes. */
export const replayKey = (appid: string, nonce: unknown, timestamp: string) => `${appid}\u0000${jsToString(nonce)}\u0000${timestamp}`;

/**
 * The longest an entry may have to live: a request is accepted while its timestamp is within the
 * window (±30 min on the v1 path, ±10 on the keyid API), so one stamped 30 minutes ahead must be
 * remembered for an hour. Callers pass the real expiry (the end of the window); this only bounds it.
 */
export const REPLAY_TTL_MS = 60 * 60 * 1000;

/** Thrown when the ledger cannot take more entries; the request is refused rather than let through. */
export class ReplayLedgerFull extends Error {}

/**
 * In-process ledger. An entry is a 128-bit digest of the request's key (a 16-character one-byte
 * string: about 66 bytes of heap with its share of the set, against some 310 for the key string
 * and an expiry number), so a million entries, the default bound, take about 66 MB. A collision
 * can only refuse a request, never let a replay through, and needs about 2^64 signed requests.
 *
 * Entries are kept in sets by expiry slice (`ttlMs / 20` wide): slice n holds the entries expiring
 * in [n, n + 1) slice widths and is dropped whole once its end has passed, so an entry lives at
 * least until its expiry and at most one slice longer. An entry expires when its request's
 * timestamp leaves the accepted window (the caller says when: `claim(key, expiresAt)`), and never
 * later than `ttlMs` after it was accepted. When full of live entries the ledger refuses new
 * requests (fail closed): dropping a live entry would re-open a replay window.
 */
export class MemoryReplayLedger implements ReplayLedger {
  /** Slice number n -> digests of the entries expiring in [n, n + 1) x sliceMs. */
  private readonly slices = new Map<number, Set<string>>();
  private readonly sliceMs: number;
  private count = 0;
  /** End of the earliest slice held: nothing to sweep before it. */
  private nextSweep = Infinity;

  constructor(
    private readonly ttlMs = REPLAY_TTL_MS,
    private readonly maxEntries = 1_000_000,
    private readonly now: () => number = Date.now,
  ) {
    this.sliceMs = Math.max(1, Math.ceil(ttlMs / 20));
  }

  async seen(key: string): Promise<boolean> {
    this.sweep(this.now());
    return this.has(entryOf(key));
  }

  async claim(key: string, expiresAt?: number): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    const entry = entryOf(key);
    if (this.has(entry)) return false;
    if (this.count >= this.maxEntries) throw new ReplayLedgerFull('replay cache is full');
    const until = Math.min(bound(expiresAt), now + this.ttlMs);
    const n = Math.floor(Math.max(until, now) / this.sliceMs);
    let slice = this.slices.get(n);
    if (!slice) {
      slice = new Set();
      this.slices.set(n, slice);
      this.nextSweep = Math.min(this.nextSweep, (n + 1) * this.sliceMs);
    }
    slice.add(entry);
    this.count++;
    return true;
  }

  /** Live entries (and those of the current slice that expired a moment ago). */
  get size(): number {
    return this.count;
  }

  private has(entry: string): boolean {
    for (const slice of this.slices.values()) if (slice.has(entry)) return true;
    return false;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    let next = Infinity;
    for (const [n, slice] of this.slices) {
      const end = (n + 1) * this.sliceMs;
      if (end <= now) {
        this.count -= slice.size;
        this.slices.delete(n);
      } else next = Math.min(next, end);
    }
    this.nextSweep = next;
  }
}

/** A caller's expiry, or none (the TTL then bounds the entry) when absent or not a finite time. */
const bound = (expiresAt: number | undefined) => (expiresAt !== undefined && Number.isFinite(expiresAt) ? expiresAt : Infinity);

/** 128 bits of SHA-256 as a one-byte string (copied out, so the digest buffer is not kept). */
const entryOf = (key: string) => hash('sha256', key, 'buffer').toString('latin1', 0, 16);

/** What a shared ledger needs from the store: insert-or-fail and a lookup (core's OnceStore). */
export interface SharedTokenStore {
  claim(scope: string, token: string, expiresAt: number): Promise<boolean>;
  exists(scope: string, token: string): Promise<boolean>;
}

/** Scope of the ledger's rows in the store. */
export const REPLAY_SCOPE = 'ehsm-replay';

/**
 * A ledger every replica shares: accepted requests are rows of the store, keyed on SHA-256 of the
 * (appid, nonce, timestamp) key, so a request accepted by one gateway is refused by all the
 * others, and two replicas receiving the same request at once accept it once (the row's primary
 * key decides). Rows live as long as the memory ledger's entries and are swept by the gateway.
 */
export class SharedReplayLedger implements ReplayLedger {
  constructor(
    private readonly store: SharedTokenStore,
    private readonly ttlMs = REPLAY_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async seen(key: string): Promise<boolean> {
    return this.store.exists(REPLAY_SCOPE, digest(key));
  }

  async claim(key: string, expiresAt?: number): Promise<boolean> {
    return this.store.claim(REPLAY_SCOPE, digest(key), Math.min(bound(expiresAt), this.now() + this.ttlMs));
  }
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * A shared ledger with a local memory in front of it, for the workers of one gateway and for
 * replicas. `seen` (the early check, before the signature) asks only this process's memory of the
 * requests it accepted; `claim` (after the signature) asks the shared store, which alone decides,
 * and is remembered locally. A replay to the process that accepted the original is refused by
 * `seen` as before; one sent to another process is refused by `claim`, after validation instead of
 * before it: the same answer, one round trip to the primary or the database per request instead of
 * two.
 */
export class LayeredReplayLedger implements ReplayLedger {
  constructor(
    private readonly shared: ReplayLedger,
    private readonly local: ReplayLedger = new MemoryReplayLedger(),
  ) {}

  seen(key: string): Promise<boolean> {
    return this.local.seen(key);
  }

  async claim(key: string, expiresAt?: number): Promise<boolean> {
    if (!(await this.shared.claim(key, expiresAt))) return false;
    // Only a replay this process already saw matters here; a full local memory costs nothing but that.
    await this.local.claim(key, expiresAt).catch(() => false);
    return true;
  }
}
