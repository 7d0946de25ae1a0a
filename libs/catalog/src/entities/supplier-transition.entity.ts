import { bigintNumber } from '@huigong/common';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per status change (or certification change) of a supplier (append-only). */
@Entity('supplier_transitions')
export class SupplierTransition {
  // bigserial: the database numbers the rows
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber }) id: number;
  @Column({ name: 'supplier_id', type: 'uuid' }) supplierId: string;
  @Column() action: string;
  @Column({ name: 'from_status', type: 'text', nullable: true }) fromStatus: string | null;
  @Column({ name: 'to_status' }) toStatus: string;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ type: 'timestamptz' }) at: Date;
}
