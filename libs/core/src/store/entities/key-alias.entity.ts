import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { msTransformer } from '../columns';

/** A tenant's name for one of its keys; unique per tenant, and can be re-pointed. */
@Entity('key_aliases')
@Index('idx_key_aliases_key', ['keyId'])
export class KeyAliasEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 36 }) tenantId!: string;
  @PrimaryColumn({ type: 'varchar', length: 256 }) name!: string;
  @Column({ name: 'key_id', type: 'varchar', length: 36 }) keyId!: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: msTransformer }) updatedAt!: number;
}
