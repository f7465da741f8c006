import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { msTransformer } from '../columns';

/**
 * One credential of one dialect. `lookup` is what a request presents to find it (eHSM appid,
 * SHA-256 of a JOSE bearer token, Encedo user name); the secret itself is either sealed (the eHSM
 * apikey, needed again to check HMACs) or hashed (bearer tokens), never stored in clear.
 */
@Entity('credentials')
@Index('uq_credentials_lookup', ['kind', 'lookup'], { unique: true })
export class CredentialEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 36 }) tenantId!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @Column({ type: 'varchar', length: 128 }) lookup!: string;
  @Column({ name: 'secret_sealed', type: 'text', nullable: true }) secretSealed!: string | null;
  @Column({ name: 'secret_hash', type: 'varchar', length: 128, nullable: true }) secretHash!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) label!: string | null;
  @Column({ type: 'text', nullable: true }) scopes!: string | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: msTransformer }) expiresAt!: number | null;
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: msTransformer }) revokedAt!: number | null;
}
