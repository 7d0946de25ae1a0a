import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ProductStatus } from '../lifecycle/product-lifecycle';

/** Mapped for reads; writes go through the services' SQL (bulk inserts, conditional updates). */
@Entity('products')
export class Product {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'supplier_id', type: 'uuid' }) supplierId: string;
  @Column({ name: 'category_id', type: 'uuid' }) categoryId: string;
  @Column() name: string;
  @Column() description: string;
  @Column({ name: 'image_urls', type: 'text', array: true }) imageUrls: string[];
  @Column({ name: 'origin_region_code' }) originRegionCode: string;
  @Column({ type: 'text' }) status: ProductStatus;
  @Column({ name: 'status_reason', type: 'text', nullable: true }) statusReason: string | null;
  @Column({ name: 'min_price_fen', type: 'bigint', nullable: true, transformer: bigintNumber }) minPriceFen: number | null;
  @Column({ name: 'max_price_fen', type: 'bigint', nullable: true, transformer: bigintNumber }) maxPriceFen: number | null;
  @Column({ name: 'sales_count', type: 'bigint', transformer: bigintNumber }) salesCount: number;
  @Column({ name: 'rating_sum', type: 'bigint', transformer: bigintNumber }) ratingSum: number;
  @Column({ name: 'rating_count', type: 'integer' }) ratingCount: number;
  @Column({ name: 'rating_avg', type: 'numeric', insert: false, update: false }) ratingAvg: string;
  @Column({ name: 'supplier_listed', insert: false, update: false }) supplierListed: boolean;
  @Column({ name: 'origin_certified', insert: false, update: false }) originCertified: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
