import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A sealed block of entries (append-only): SEALING.md §4 header fields plus its hash. */
@Entity('ledger_blocks')
export class LedgerBlockRow {
  @PrimaryColumn({ type: 'bigint' }) height: string;
  @Column({ name: 'prev_hash', type: 'text' }) prevHash: string;
  @Column({ name: 'merkle_root', type: 'text' }) merkleRoot: string;
  @Column({ name: 'entry_count', type: 'int' }) entryCount: number;
  @Column({ name: 'first_entry_id', type: 'bigint' }) firstEntryId: string;
  @Column({ name: 'last_entry_id', type: 'bigint' }) lastEntryId: string;
  @Column({ name: 'sealed_at', type: 'timestamptz' }) sealedAt: Date;
  @Column({ type: 'text' }) hash: string;
}

/** Where an entry was sealed, and the hash it was sealed with (append-only). */
@Entity('ledger_entry_seals')
export class LedgerEntrySealRow {
  @PrimaryColumn({ name: 'entry_id', type: 'bigint' }) entryId: string;
  @Column({ name: 'block_height', type: 'bigint' }) blockHeight: string;
  @Column({ name: 'leaf_index', type: 'int' }) leafIndex: number;
  @Column({ name: 'entry_hash', type: 'text' }) entryHash: string;
}

/** One run of LedgerVerifier (readiness reports `degraded` while the latest one failed). */
@Entity('ledger_verifications')
export class LedgerVerificationRow {
  @PrimaryColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'timestamptz' }) at: Date;
  @Column({ type: 'boolean' }) ok: boolean;
  @Column({ type: 'bigint' }) entries: string;
  @Column({ type: 'bigint' }) blocks: string;
  @Column({ type: 'bigint' }) accounts: string;
  @Column({ name: 'first_problem', type: 'jsonb', nullable: true }) firstProblem: Record<string, unknown> | null;
  @Column({ name: 'duration_ms', type: 'int' }) durationMs: number;
}

