import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { b64Transformer, jsonTransformer, listTransformer, msTransformer } from '../columns';

@Entity('keys')
@Index('idx_keys_tenant', ['tenantId', 'createdAt'])
@Index('idx_keys_deletion', ['deletionAt'])
@Index('idx_keys_rotation', ['nextRotationAt'])
export class KeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 36 }) tenantId!: string;
  @Column({ type: 'varchar', length: 32 }) spec!: string;
  @Column({ name: 'key_class', type: 'varchar', length: 8 }) keyClass!: string;
  @Column({ type: 'varchar', length: 128, transformer: listTransformer }) usages!: string[];
  @Column({ type: 'varchar', length: 24 }) state!: string;
  @Column({ type: 'varchar', length: 16 }) origin!: string;
  @Column({ type: 'varchar', length: 32 }) backend!: string;
  /** Sealed material (soft) or token object id (PKCS#11); never clear key bytes. */
  @Column({ name: 'backend_ref', type: 'text', nullable: true }) backendRef!: string | null;
  @Column({ name: 'public_key', type: 'text', nullable: true, transformer: b64Transformer }) publicKey!: Buffer | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) label!: string | null;
  @Column({ type: 'boolean', default: false }) exportable!: boolean;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: msTransformer }) updatedAt!: number;
  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: msTransformer }) expiresAt!: number | null;
  @Column({ name: 'deletion_at', type: 'bigint', nullable: true, transformer: msTransformer }) deletionAt!: number | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's update types cannot take a bag of unknowns
  @Column({ type: 'text', transformer: jsonTransformer }) attributes!: Record<string, any>;
  /** Optimistic-concurrency revision (the column predates material versions, hence its name). */
  @Column({ name: 'version', type: 'integer', default: 1 }) revision!: number;
  @Column({ name: 'current_version', type: 'integer', default: 1 }) currentVersion!: number;
  @Column({ name: 'min_decrypt_version', type: 'integer', default: 1 }) minDecryptVersion!: number;
  @Column({ name: 'rotation_period_ms', type: 'bigint', nullable: true, transformer: msTransformer }) rotationPeriodMs!: number | null;
  @Column({ name: 'next_rotation_at', type: 'bigint', nullable: true, transformer: msTransformer }) nextRotationAt!: number | null;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ type: 'text', default: '{}', transformer: jsonTransformer }) tags!: Record<string, string>;
}
