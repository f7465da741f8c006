import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { msTransformer } from '../columns';

/** A remote-attestation policy: the enclave measurements a quote must carry (eHSM quote policies). */
@Entity('quote_policies')
@Index('idx_quote_policies_tenant', ['tenantId', 'createdAt'])
export class QuotePolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 36 }) tenantId!: string;
  @Column({ name: 'mr_enclave', type: 'varchar', length: 64 }) mrEnclave!: string;
  @Column({ name: 'mr_signer', type: 'varchar', length: 64 }) mrSigner!: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
}
