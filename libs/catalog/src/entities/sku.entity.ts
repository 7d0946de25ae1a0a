import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A purchasable variant of a product. `stock` changes only through StockService (with a movement). */
@Entity('skus')
export class Sku {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'product_id', type: 'uuid' }) productId: string;
  @Column({ name: 'supplier_id', type: 'uuid' }) supplierId: string;
  @Column({ name: 'sku_code' }) skuCode: string;
  @Column() spec: string;
  @Column({ name: 'price_fen', type: 'bigint', transformer: bigintNumber }) priceFen: number;
  @Column({ type: 'integer', insert: false, update: false }) stock: number;
  @Column({ name: 'per_member_limit', type: 'integer', nullable: true }) perMemberLimit: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
