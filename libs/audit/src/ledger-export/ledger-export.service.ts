import { AppError, csvLine, TransactionRunner } from '@huigong/common';
import { LedgerAuditQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';

export const LEDGER_EXPORT_HEADER = [
  'entry_id', 'created_at', 'kind', 'reference', 'actor', 'entry_hash', 'block_height', 'block_hash',
  'transfer_id', 'debit_account_id', 'credit_account_id', 'amount_fen',
] as const;

/** The longest period one export may cover: a year (and a day, for leap years). */
export const MAX_EXPORT_DAYS = 366;
const PAGE = 2000;

export interface LedgerExportQuery {
  from: Date;
  to: Date;
  accountId?: string;
}

/**
 * Ledger entries of a period as CSV, one line per transfer, with the entry's hash and seal.
 * Streams page by page (keyset on the entry id) inside one REPEATABLE READ snapshot, so a large
 * export neither holds everything in memory nor sees entries of a later moment half-way through.
 */
@Injectable()
export class LedgerExportService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly ledgerAudit: LedgerAuditQueryService,
  ) {}

  validate(q: LedgerExportQuery): void {
    if (!(q.to.getTime() > q.from.getTime())) throw new AppError('INVALID_PERIOD', '`to` must be after `from`', 400, { from: q.from, to: q.to });
    const days = (q.to.getTime() - q.from.getTime()) / 86_400_000;
    if (days > MAX_EXPORT_DAYS) throw new AppError('PERIOD_TOO_LONG', `A ledger export covers at most ${MAX_EXPORT_DAYS} days; split the period`, 400, { days: Math.ceil(days), max: MAX_EXPORT_DAYS });
  }

  /** Calls `write` with CSV text (BOM and header first); resolves with the number of entries. */
  async export(q: LedgerExportQuery, write: (chunk: string) => Promise<void>): Promise<number> {
    this.validate(q);
    return this.tx.run(
      async (em) => {
        await write('\uFEFF' + csvLine(LEDGER_EXPORT_HEADER));
        let after: string | undefined;
        let count = 0;
        for (;;) {
          const page = await this.ledgerAudit.entriesInPeriod({ from: q.from, to: q.to, accountId: q.accountId, afterId: after, limit: PAGE }, em);
          if (!page.length) break;
          let out = '';
          for (const e of page) {
            for (const t of e.transfers) {
              out += csvLine([e.id, e.createdAt, e.kind, e.reference, e.actor, e.hash, e.seal?.blockHeight ?? null, e.seal?.blockHash ?? null, t.id, t.debitAccountId, t.creditAccountId, t.amount]);
            }
          }
          await write(out);
          count += page.length;
          after = page[page.length - 1].id;
          if (page.length < PAGE) break;
        }
        return count;
      },
      { isolation: 'REPEATABLE READ', attempts: 1 },
    );
  }
}
