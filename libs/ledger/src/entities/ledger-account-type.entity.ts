import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { AccountGuard } from '../model/account-type';

/** Account types are data: the guard a new account of the type gets by default. */
@Entity('ledger_account_types')
export class LedgerAccountTypeRow {
  @PrimaryColumn({ type: 'text' }) code: string;
  @Column({ name: 'default_guard', type: 'text' }) defaultGuard: AccountGuard;
  @Column({ type: 'text' }) description: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
