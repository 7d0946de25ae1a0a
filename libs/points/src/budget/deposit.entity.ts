import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Money received from a union (funding → budget), identified by the bank's reference. */
@Entity('union_deposits')
export class Deposit {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'union_id', type: 'uuid' }) unionId: string;
  @Column({ name: 'amount_fen', type: 'bigint', transformer: bigintNumber }) amountFen: number;
  @Column({ name: 'bank_reference' }) bankReference: string;
  @Column({ name: 'received_on', type: 'date' }) receivedOn: string;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @Column({ name: 'ledger_entry_id' }) ledgerEntryId: string;
  @Column({ name: 'recorded_by', type: 'uuid' }) recordedBy: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
