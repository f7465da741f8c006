import { Column, Entity, PrimaryColumn } from 'typeorm';
import { b64Transformer, msTransformer } from '../columns';

/**
 * One material version of a key. `pending` rows are claims: a rotation inserts the next version's
 * row before any material is made, so two rotations of one key (two replicas, two requests) never
 * make the same version twice; the loser meets the primary key and stops.
 */
export type KeyVersionState = 'pending' | 'enabled' | 'destroyed';
/** What made a version: the key's creation, a rotation asked for, the rotation schedule, or material imported as a new version. */
export type KeyVersionOrigin = 'create' | 'rotate' | 'scheduler' | 'import';

@Entity('key_versions')
export class KeyVersionEntity {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 36 }) keyId!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @Column({ type: 'varchar', length: 16 }) state!: KeyVersionState;
  @Column({ name: 'made_by', type: 'varchar', length: 16, default: 'create' }) madeBy!: KeyVersionOrigin;
  /** Sealed material (soft) or token object id (PKCS#11); never clear key bytes. Null once destroyed. */
  @Column({ name: 'backend_ref', type: 'text', nullable: true }) backendRef!: string | null;
  @Column({ name: 'public_key', type: 'text', nullable: true, transformer: b64Transformer }) publicKey!: Buffer | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: msTransformer }) createdAt!: number;
  @Column({ name: 'destroyed_at', type: 'bigint', nullable: true, transformer: msTransformer }) destroyedAt!: number | null;
}
