import { AppError, AuthUser, csvLine, hasRole, Page, Role, TransactionRunner } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { PayoutView, RunView, StatementDetailView, StatementLineView, StatementSummaryView } from '../domain/settlement-views';
import { StatementReader } from './statement-reader.service';

export const STATEMENT_CSV_HEADER = [
  'statement_number',
  'line_no',
  'order_id',
  'union_id',
  'completed_at',
  'amount_fen',
  'amount_yuan',
  'completion_entry_id',
] as const;

/** Fen as yuan with two decimals, from integers only (no floating point touches an amount). */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** CSV rows for statement lines (no header). */
export function statementCsvLines(s: StatementSummaryView, lines: StatementLineView[]): string {
  let out = '';
  for (const l of lines) out += csvLine([s.number, l.lineNo, l.orderId, l.unionId, l.completedAt, l.amountFen, fenToYuan(l.amountFen), l.completionEntryId]);
  return out;
}

/** The closing rows: the total, then the payout if there is one. */
export function statementCsvTail(s: StatementSummaryView, payout: PayoutView | null): string {
  let out = csvLine([s.number, 'total', `${s.lineCount} orders`, null, `${s.periodStart} – ${s.periodEnd}`, s.totalFen, fenToYuan(s.totalFen), null]);
  if (payout) out += csvLine([s.number, 'paid', payout.bankReference, null, payout.paidOn, payout.amountFen, fenToYuan(payout.amountFen), payout.ledgerEntryId]);
  return out;
}

export const STATEMENT_CSV_HEAD = '\uFEFF' + csvLine(STATEMENT_CSV_HEADER);

/** A statement already in memory as CSV: header, one row per line, total row, payout row. */
export function statementCsv(s: StatementDetailView): string {
  return STATEMENT_CSV_HEAD + statementCsvLines(s, s.lines) + statementCsvTail(s, s.payout);
}

const CSV_PAGE = 2000;

/**
 * Statements as each audience may see them: supplier staff their own supplier's only (anything
 * else is 403 OUT_OF_SCOPE, recorded), platform admins and auditors everything.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly reader: StatementReader,
    private readonly scope: AccessScopeService,
    private readonly tx: TransactionRunner,
  ) {}

  list(user: AuthUser, q: { supplierId?: string; paid?: boolean; limit: number; offset: number }): Promise<Page<StatementSummaryView>> {
    if (this.scope.seesEverything(user)) return this.reader.list(q);
    return this.reader.list({ ...q, supplierOrganizationId: this.ownSupplierOrganization(user) });
  }

  /** The statement with one page of its lines (`linesPage` says which and how many in all). */
  async detail(user: AuthUser, id: string, page?: { limit: number; offset: number }): Promise<StatementDetailView> {
    return this.reader.detail(await this.reach(user, id), page);
  }

  /** 404 for an unknown statement; 403 OUT_OF_SCOPE (recorded) for another supplier's. */
  async reach(user: AuthUser, id: string): Promise<StatementSummaryView> {
    const summary = await this.reader.summary(id);
    if (!summary) throw AppError.notFound('Settlement statement', id);
    if (!this.scope.seesEverything(user) && summary.supplierOrganizationId !== this.ownSupplierOrganization(user)) {
      await this.scope.refuse(user, 'Settlement statement', { statementId: id });
    }
    return summary;
  }

  /**
   * Streams a statement (already reached) as CSV through `write`, page by page in line order from
   * one REPEATABLE READ snapshot, so a statement of any size never sits whole in memory.
   */
  async csv(summary: StatementSummaryView, write: (chunk: string) => Promise<void>): Promise<void> {
    await this.tx.run(
      async (em) => {
        await write(STATEMENT_CSV_HEAD);
        let after = 0;
        for (;;) {
          const lines = await this.reader.linesAfter(summary.id, after, CSV_PAGE, em);
          if (lines.length) await write(statementCsvLines(summary, lines));
          if (lines.length < CSV_PAGE) break;
          after = lines[lines.length - 1].lineNo;
        }
        await write(statementCsvTail(summary, await this.reader.payout(summary.id, em)));
      },
      { isolation: 'REPEATABLE READ', attempts: 1 },
    );
  }

  runs(q: { limit: number; offset: number }): Promise<Page<RunView>> {
    return this.reader.runs(q);
  }

  async run(id: string): Promise<RunView> {
    const run = await this.reader.run(id);
    if (!run) throw AppError.notFound('Settlement run', id);
    return run;
  }

  private ownSupplierOrganization(user: AuthUser): string {
    if (!hasRole(user, Role.SupplierStaff)) throw AppError.forbidden('Only supplier staff, platform admins and auditors see settlement statements');
    return user.organizationId;
  }
}
