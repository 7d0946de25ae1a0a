import { bigintNumber } from '@huigong/common';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Append-only (database triggers refuse UPDATE, DELETE, TRUNCATE). Written by ledger_post_entries. */
@Entity('ledger_entries')
export class LedgerEntryRow {
  @PrimaryColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'idempotency_key', type: 'text' }) idempotencyKey: string;
  @Column({ type: 'text' }) kind: string;
  @Column({ type: 'text' }) reference: string;
  @Column({ type: 'text', nullable: true }) actor: string | null;
  @Column({ type: 'jsonb', nullable: true }) metadata: Record<string, unknown> | null;
  @Column({ name: 'transfer_count', type: 'int' }) transferCount: number;
  @Column({ name: 'content_hash', type: 'text' }) contentHash: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

/** Append-only. Moves `amount` fen from the debit account to the credit account. */
@Entity('ledger_transfers')
export class LedgerTransferRow {
  @PrimaryColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'entry_id', type: 'bigint' }) entryId: string;
  @Column({ name: 'debit_account_id', type: 'bigint' }) debitAccountId: string;
  @Column({ name: 'credit_account_id', type: 'bigint' }) creditAccountId: string;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
