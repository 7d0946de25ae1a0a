import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The points side of a union organization: its ledger accounts and contact details. */
@Entity('unions')
export class UnionProfile {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' }) organizationId: string;
  @Column({ name: 'city_region_code', type: 'text', nullable: true }) cityRegionCode: string | null;
  @Column({ name: 'contact_name', type: 'text', nullable: true }) contactName: string | null;
  @Column({ name: 'contact_phone', type: 'text', nullable: true }) contactPhone: string | null;
  /** ledger account ids (bigint, as strings) */
  @Column({ name: 'funding_account_id', type: 'bigint' }) fundingAccountId: string;
  @Column({ name: 'budget_account_id', type: 'bigint' }) budgetAccountId: string;
  @Column({ name: 'onboarded_by', type: 'uuid', nullable: true }) onboardedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
