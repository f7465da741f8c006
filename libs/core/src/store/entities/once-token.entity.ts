import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { msTransformer } from '../columns';

/**
 * A short-lived, single-use fact shared by every process on the store: an accepted eHSM request
 * (replay protection) or an outstanding Encedo login challenge. The primary key makes a claim
 * insert-or-fail across replicas; rows are swept after `expiresAt`.
 */
@Entity('once_tokens')
@Index('idx_once_tokens_expiry', ['expiresAt'])
export class OnceTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 }) scope!: string;
  @PrimaryColumn({ type: 'varchar', length: 128 }) token!: string;
  @Column({ name: 'expires_at', type: 'bigint', transformer: msTransformer }) expiresAt!: number;
}
