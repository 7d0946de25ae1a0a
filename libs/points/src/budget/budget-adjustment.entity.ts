import { bigintNumber } from '@huigong/common';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AdjustmentDirection = 'increase' | 'decrease';
export type AdjustmentStatus = 'pending' | 'approved' | 'rejected';

/** A manual correction or withdrawal of a union budget; posts only once a second platform admin approves. */
@Entity('budget_adjustments')
export class BudgetAdjustment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column({ type: 'text' }) direction: AdjustmentDirection;
  @Column({ name: 'amount_fen', type: 'bigint', transformer: bigintNumber }) amountFen: number;
  @Column() reason: string;
  @Column({ type: 'text' }) status: AdjustmentStatus;
  @Column({ name: 'requested_by', type: 'uuid' }) requestedBy: string;
  @Column({ name: 'requested_at', type: 'timestamptz' }) requestedAt: Date;
  @Column({ name: 'decided_by', type: 'uuid', nullable: true }) decidedBy: string | null;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt: Date | null;
  @Column({ name: 'decision_note', type: 'text', nullable: true }) decisionNote: string | null;
  @Column({ name: 'ledger_entry_id', type: 'text', nullable: true }) ledgerEntryId: string | null;
}
