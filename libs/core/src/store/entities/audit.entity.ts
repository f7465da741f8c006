import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { msTransformer } from '../columns';

/** One row per operation. Never key material, plaintext or credentials. */
@Entity('audit')
@Index('idx_audit_tenant_at', ['tenantId', 'at'])
export class AuditEntity {
  @PrimaryGeneratedColumn({ type: 'integer' }) seq!: number;
  @Column({ type: 'bigint', transformer: msTransformer }) at!: number;
  @Column({ name: 'tenant_id', type: 'varchar', length: 36, nullable: true }) tenantId!: string | null;
  @Column({ type: 'varchar', length: 16 }) dialect!: string;
  @Column({ type: 'varchar', length: 48 }) operation!: string;
  @Column({ name: 'key_id', type: 'varchar', length: 36, nullable: true }) keyId!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) backend!: string | null;
  @Column({ type: 'varchar', length: 32 }) outcome!: string;
  @Column({ name: 'latency_us', type: 'integer' }) latencyUs!: number;
  @Column({ type: 'varchar', length: 128, nullable: true }) principal!: string | null;
  /** A dialect's own event name (e.g. Encedo LOG_TYPE_*), when it has one. */
  @Column({ type: 'varchar', length: 64, nullable: true }) event!: string | null;
}
