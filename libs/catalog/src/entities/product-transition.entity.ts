import { bigintNumber } from '@huigong/common';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per lifecycle transition of a product (append-only): who, when, why. */
@Entity('product_transitions')
export class ProductTransition {
  // bigserial: the database numbers the rows
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber }) id: number;
  @Column({ name: 'product_id', type: 'uuid' }) productId: string;
  @Column() action: string;
  @Column({ name: 'from_status', type: 'text', nullable: true }) fromStatus: string | null;
  @Column({ name: 'to_status' }) toStatus: string;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ type: 'timestamptz' }) at: Date;
}
