import { OnceTokensFull, type OnceTokens } from './once-tokens';

/**
 * Single-use tokens in this process's memory: the primary of a multi-process gateway keeps them
 * for all its workers. Same semantics as the store's `OnceStore`: an expired token does not
 * count, a claim of a live one fails, a take succeeds once. Bounded: when full of live tokens a
 * claim throws rather than forget a live one (that would re-open a replay window).
 */
export class MemoryOnceTokens implements OnceTokens {
  private readonly scopes = new Map<string, Map<string, number>>();
  private count = 0;

  constructor(
    private readonly maxEntries = 1_000_000,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(scope: string, token: string, expiresAt: number): Promise<boolean> {
    return this.claimNow(scope, token, expiresAt);
  }

  async exists(scope: string, token: string): Promise<boolean> {
    return this.existsNow(scope, token);
  }

  async take(scope: string, token: string): Promise<boolean> {
    return this.takeNow(scope, token);
  }

  async sweep(): Promise<number> {
    return this.sweepNow();
  }

  get size(): number {
    return this.count;
  }

  sweepNow(): number {
    const now = this.now();
    let gone = 0;
    for (const tokens of this.scopes.values()) {
      for (const [token, until] of tokens) {
        if (until > now) continue;
        tokens.delete(token);
        gone++;
      }
    }
    this.count -= gone;
    return gone;
  }

  /** The synchronous forms, for the primary's message handler (one answer per message, in order). */
  claimNow(scope: string, token: string, expiresAt: number): boolean {
    const tokens = this.scope(scope);
    const until = tokens.get(token);
    if (until !== undefined && until > this.now()) return false;
    if (until === undefined) {
      if (this.count >= this.maxEntries) {
        // Full: expired entries may make room before refusing.
        this.sweepNow();
        if (this.count >= this.maxEntries) throw new OnceTokensFull('single-use token memory is full');
      }
      this.count++;
    }
    tokens.set(token, expiresAt);
    return true;
  }

  existsNow(scope: string, token: string): boolean {
    const until = this.scopes.get(scope)?.get(token);
    return until !== undefined && until > this.now();
  }

  takeNow(scope: string, token: string): boolean {
    const tokens = this.scopes.get(scope);
    const until = tokens?.get(token);
    if (until === undefined) return false;
    tokens!.delete(token);
    this.count--;
    return until > this.now();
  }

  private scope(name: string): Map<string, number> {
    let tokens = this.scopes.get(name);
    if (!tokens) this.scopes.set(name, (tokens = new Map<string, number>()));
    return tokens;
  }
}
