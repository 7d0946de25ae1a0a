import { AppError, AuthUser, hasRole, Page, Role, toCsv } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { RunView, StatementDetailView, StatementSummaryView } from '../domain/settlement-views';
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

/** The statement as CSV: one row per order, then a total row, then the payout if there is one. */
export function statementCsv(s: StatementDetailView): string {
  const rows: (string | number | null)[][] = s.lines.map((l) => [s.number, l.lineNo, l.orderId, l.unionId, l.completedAt, l.amountFen, fenToYuan(l.amountFen), l.completionEntryId]);
  rows.push([s.number, 'total', `${s.lineCount} orders`, null, `${s.periodStart} – ${s.periodEnd}`, s.totalFen, fenToYuan(s.totalFen), null]);
  if (s.payout) rows.push([s.number, 'paid', s.payout.bankReference, null, s.payout.paidOn, s.payout.amountFen, fenToYuan(s.payout.amountFen), s.payout.ledgerEntryId]);
  return toCsv(STATEMENT_CSV_HEADER, rows);
}

/**
 * Statements as each audience may see them: supplier staff their own supplier's only (anything
 * else is 403 OUT_OF_SCOPE, recorded), platform admins and auditors everything.
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly reader: StatementReader,
    private readonly scope: AccessScopeService,
  ) {}

  list(user: AuthUser, q: { supplierId?: string; paid?: boolean; limit: number; offset: number }): Promise<Page<StatementSummaryView>> {
    if (this.scope.seesEverything(user)) return this.reader.list(q);
    return this.reader.list({ ...q, supplierOrganizationId: this.ownSupplierOrganization(user) });
  }

  async detail(user: AuthUser, id: string): Promise<StatementDetailView> {
    const summary = await this.reader.summary(id);
    if (!summary) throw AppError.notFound('Settlement statement', id);
    if (!this.scope.seesEverything(user) && summary.supplierOrganizationId !== this.ownSupplierOrganization(user)) {
      await this.scope.refuse(user, 'Settlement statement', { statementId: id });
    }
    return this.reader.detail(summary);
  }

  async csv(user: AuthUser, id: string): Promise<{ number: string; csv: string }> {
    const s = await this.detail(user, id);
    return { number: s.number, csv: statementCsv(s) };
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
