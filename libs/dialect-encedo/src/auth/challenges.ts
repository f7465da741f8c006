import { randomBytes } from 'node:crypto';

/** A challenge is good for 60 s and one login (notes §2.2). */
export const CHALLENGE_TTL_S = 60;
/** Bound on outstanding challenges, so anonymous GETs cannot grow memory without end. */
const MAX_OUTSTANDING = 100000;

/** Outstanding `jti` nonces of GET /api/auth/token: issued once, consumed at most once. */
export interface Challenges {
  issue(nowS: number): Promise<{ jti: string; exp: number }>;
  /** True once for a known, unexpired nonce; it is gone afterwards whatever the answer. */
  consume(jti: string, nowS: number): Promise<boolean>;
}

/**
 * In-process challenges: a login must reach the replica that issued its challenge (the default on
 * SQLite; see SharedChallengeStore for replicas).
 */
export class ChallengeStore implements Challenges {
  private readonly pending = new Map<string, number>();

  async issue(nowS: number): Promise<{ jti: string; exp: number }> {
    this.sweep(nowS);
    if (this.pending.size >= MAX_OUTSTANDING) {
      // Drop the oldest: Map iterates in insertion order.
      const first = this.pending.keys().next().value;
      if (first !== undefined) this.pending.delete(first);
    }
    const jti = randomBytes(36).toString('base64');
    const exp = nowS + CHALLENGE_TTL_S;
    this.pending.set(jti, exp);
    return { jti, exp };
  }

  async consume(jti: string, nowS: number): Promise<boolean> {
    const exp = this.pending.get(jti);
    if (exp === undefined) return false;
    this.pending.delete(jti);
    return exp >= nowS;
  }

  private sweep(nowS: number): void {
    for (const [jti, exp] of this.pending) {
      if (exp >= nowS) break;
      this.pending.delete(jti);
    }
  }
}

/** What the shared store offers (core's OnceStore). */
export interface SharedTokens {
  claim(scope: string, token: string, expiresAt: number): Promise<boolean>;
  take(scope: string, token: string): Promise<boolean>;
}

export const CHALLENGE_SCOPE = 'encedo-challenge';

/**
 * Challenges as rows of the shared store, so that a challenge fetched from one replica logs in
 * through any other, and only once: consuming is a DELETE, which one replica wins. Expired rows
 * are swept by the gateway. (The session key `spk` must then be the same in every replica: the
 * gateway derives it from the master key.)
 */
export class SharedChallengeStore implements Challenges {
  constructor(private readonly store: SharedTokens) {}

  async issue(nowS: number): Promise<{ jti: string; exp: number }> {
    const jti = randomBytes(36).toString('base64');
    const exp = nowS + CHALLENGE_TTL_S;
    // Live while the clock's second is at most exp, as in memory.
    await this.store.claim(CHALLENGE_SCOPE, jti, (exp + 1) * 1000);
    return { jti, exp };
  }

  async consume(jti: string, _nowS: number): Promise<boolean> {
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) return false;
    return this.store.take(CHALLENGE_SCOPE, jti);
  }
}
