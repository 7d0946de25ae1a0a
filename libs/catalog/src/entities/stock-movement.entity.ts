import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type StockMovementKind = 'adjustment' | 'sale' | 'release';

/** Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE): the sum of a SKU's deltas is its stock. */
@Entity('stock_movements')
export class StockMovement {
  // bigserial: the database numbers the rows
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber }) id: number;
  @Column({ name: 'sku_id', type: 'uuid' }) skuId: string;
  @Column({ type: 'text' }) kind: StockMovementKind;
  @Column({ type: 'integer' }) delta: number;
  @Column({ name: 'stock_after', type: 'integer' }) stockAfter: number;
  @Column({ type: 'text', nullable: true }) reference: string | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'idempotency_key', type: 'text', nullable: true }) idempotencyKey: string | null;
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true }) actorUserId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
