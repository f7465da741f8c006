import { randomBytes } from 'node:crypto';

/** A challenge is good for 60 s and one login (notes §2.2). */
export const CHALLENGE_TTL_S = 60;
/** Bound on outstanding challenges, so anonymous GETs cannot grow memory without end. */
const MAX_OUTSTANDING = 100000;

/**
 * Outstanding `jti` nonces of GET /api/auth/token. In-process: a login must reach the replica
 * that issued its challenge (documented in docs/encedo.md).
 */
export class ChallengeStore {
  private readonly pending = new Map<string, number>();

  issue(nowS: number): { jti: string; exp: number } {
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

  /** True once for a known, unexpired nonce; it is gone afterwards whatever the answer. */
  consume(jti: string, nowS: number): boolean {
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
