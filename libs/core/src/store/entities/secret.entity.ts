import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { msTransformer } from '../columns';

/** A managed secret (eHSM secret manager): metadata here, values in `secret_versions`. */
@Entity('secrets')
@Index('uq_secrets_name', ['tenantId', 'name'], { unique: true })
export class SecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 36 }) tenantId!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  /** The CMK that seals the values; null means the tenant's default secret key. */
  @Column({ name: 'encryption_key_id', type: 'varchar', length: 36, nullable: true }) encryptionKeyId!: string | null;
  @Column({ name: 'rotation_interval', type: 'varchar', length: 16, nullable: true }) rotationInterval!: string | null;
  @Column({ name: 'current_version', type: 'integer' }) currentVersion!: number;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
  @Column({ name: 'last_rotation_at', type: 'bigint', nullable: true, transformer: msTransformer }) lastRotationAt!: number | null;
  @Column({ name: 'next_rotation_at', type: 'bigint', nullable: true, transformer: msTransformer }) nextRotationAt!: number | null;
  @Column({ name: 'deleted_at', type: 'bigint', nullable: true, transformer: msTransformer }) deletedAt!: number | null;
  @Column({ name: 'planned_delete_at', type: 'bigint', nullable: true, transformer: msTransformer }) plannedDeleteAt!: number | null;
  /** The last version number handed out (null: `currentVersion`); not read with the record. */
  @Column({ name: 'version_seq', type: 'integer', nullable: true, select: false }) versionSeq?: number | null;
}

@Entity('secret_versions')
export class SecretVersionEntity {
  @PrimaryColumn({ name: 'secret_id', type: 'varchar', length: 36 }) secretId!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  /** The value encrypted under the secret's CMK; never clear. */
  @Column({ type: 'text' }) ciphertext!: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
}
