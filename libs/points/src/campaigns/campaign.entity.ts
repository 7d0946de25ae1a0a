import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CampaignStatus } from './campaign.lifecycle';

export type AmountMode = 'flat' | 'per_member';

/** A welfare distribution: who gets how many points, when they may spend them and on what. */
@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column() name: string;
  @Column({ type: 'text', nullable: true }) purpose: string | null;
  @Column({ name: 'amount_mode', type: 'text' }) amountMode: AmountMode;
  @Column({ name: 'points_per_member_fen', type: 'bigint', nullable: true, transformer: bigintNumber }) pointsPerMemberFen: number | null;
  @Column({ name: 'eligible_groups', type: 'text', array: true, nullable: true }) eligibleGroups: string[] | null;
  @Column({ name: 'opens_at', type: 'timestamptz' }) opensAt: Date;
  @Column({ name: 'closes_at', type: 'timestamptz' }) closesAt: Date;
  @Column({ name: 'allowed_category_ids', type: 'text', array: true, nullable: true }) allowedCategoryIds: string[] | null;
  @Column({ name: 'per_member_cap_fen', type: 'bigint', nullable: true, transformer: bigintNumber }) perMemberCapFen: number | null;
  @Column({ name: 'distribute_at', type: 'timestamptz', nullable: true }) distributeAt: Date | null;
  @Column({ type: 'text' }) status: CampaignStatus;
  @Column({ name: 'total_fen', type: 'bigint', transformer: bigintNumber }) totalFen: number;
  @Column({ name: 'member_count', type: 'int' }) memberCount: number;
  @Column({ name: 'pool_account_id', type: 'bigint', nullable: true }) poolAccountId: string | null;
  @Column({ name: 'expired_fen', type: 'bigint', transformer: bigintNumber }) expiredFen: number;
  @Column({ name: 'returned_fen', type: 'bigint', transformer: bigintNumber }) returnedFen: number;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
