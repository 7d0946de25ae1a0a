import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SupplierStatus } from '../lifecycle/supplier-lifecycle';

/** A supplier's application and, once approved, its account: the catalog's side of a supplier organization. */
@Entity('suppliers')
export class Supplier {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'company_name' }) companyName: string;
  @Column({ name: 'contact_name' }) contactName: string;
  @Column({ name: 'contact_phone' }) contactPhone: string;
  @Column({ name: 'contact_email', type: 'text', nullable: true }) contactEmail: string | null;
  @Column({ name: 'region_code' }) regionCode: string;
  @Column({ name: 'category_codes', type: 'text', array: true }) categoryCodes: string[];
  @Column() introduction: string;
  @Column({ type: 'text', nullable: true }) certification: string | null;
  @Column({ name: 'certified_region_code', type: 'text', nullable: true }) certifiedRegionCode: string | null;
  @Column({ type: 'text' }) status: SupplierStatus;
  @Column({ name: 'status_reason', type: 'text', nullable: true }) statusReason: string | null;
  @Column({ name: 'organization_id', type: 'uuid', nullable: true }) organizationId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
