import { type DataSource, LessThanOrEqual, MoreThan, type Repository } from 'typeorm';
import { isUniqueViolation } from '../store/db-errors';
import { OnceTokenEntity } from '../store/entities/once-token.entity';
import type { OnceTokens } from './once-tokens';

/**
 * Single-use tokens in the shared store (`once_tokens`), for state that every replica must agree
 * on: "this eHSM request was already accepted", "this Encedo challenge is outstanding". A claim is
 * an INSERT on the (scope, token) primary key, so of two replicas claiming the same token at the
 * same moment exactly one wins; a take is a DELETE, so a token is taken at most once. Expired rows
 * do not count and are swept by `sweep()` (the kernel runs it periodically).
 */
export class OnceStore implements OnceTokens {
  private readonly repo: Repository<OnceTokenEntity>;

  constructor(
    ds: DataSource,
    private readonly now: () => number = Date.now,
  ) {
    this.repo = ds.getRepository(OnceTokenEntity);
  }

  /** Records the token until `expiresAt` (ms); false when a live record of it exists already. */
  async claim(scope: string, token: string, expiresAt: number): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.repo.insert({ scope, token, expiresAt });
        return true;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      // Taken: by a live row (a replay), or by an expired one not swept yet, which may go.
      const gone = await this.repo.delete({ scope, token, expiresAt: LessThanOrEqual(this.now()) });
      if (!gone.affected) return false;
    }
    return false;
  }

  /** Is there a live record of the token? */
  async exists(scope: string, token: string): Promise<boolean> {
    return this.repo.exists({ where: { scope, token, expiresAt: MoreThan(this.now()) } });
  }

  /** Removes a live token; true for the one caller (in any process) that removed it. */
  async take(scope: string, token: string): Promise<boolean> {
    const res = await this.repo.delete({ scope, token, expiresAt: MoreThan(this.now()) });
    return (res.affected ?? 0) > 0;
  }

  /** Deletes expired rows of every scope; returns how many went. */
  async sweep(): Promise<number> {
    const res = await this.repo.delete({ expiresAt: LessThanOrEqual(this.now()) });
    return res.affected ?? 0;
  }
}
