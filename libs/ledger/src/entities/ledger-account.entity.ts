import { bigintNumber } from '@huigong/common';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AccountGuard } from '../model/account-type';

/**
 * An account. Guarded accounts keep their posted totals here (changed under a row lock); for
 * unguarded accounts these stay 0 and the totals live in ledger_account_totals shards.
 */
@Entity('ledger_accounts')
export class LedgerAccountRow {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'text' }) type: string;
  @Column({ name: 'owner_type', type: 'text' }) ownerType: string;
  @Column({ name: 'owner_id', type: 'text' }) ownerId: string;
  @Column({ name: 'organization_id', type: 'uuid' }) organizationId: string;
  @Column({ name: 'holder_user_id', type: 'uuid', nullable: true }) holderUserId: string | null;
  @Column({ type: 'text' }) guard: AccountGuard;
  @Column({ name: 'overdraft_limit', type: 'bigint', transformer: bigintNumber }) overdraftLimit: number;
  @Column({ name: 'debits_posted', type: 'bigint', transformer: bigintNumber }) debitsPosted: number;
  @Column({ name: 'credits_posted', type: 'bigint', transformer: bigintNumber }) creditsPosted: number;
  @Column({ type: 'jsonb' }) metadata: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('ledger_account_totals')
export class LedgerAccountTotalsRow {
  @Column({ name: 'account_id', type: 'bigint', primary: true }) accountId: string;
  @Column({ type: 'smallint', primary: true }) shard: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) debits: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) credits: number;
}
