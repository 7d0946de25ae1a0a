import { Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PayoutView, RunView, StatementDetailView, StatementLineView, StatementSummaryView } from '../domain/settlement-views';

const iso = (d: Date | string): string => new Date(d).toISOString();

const STATEMENT_SELECT = `
  SELECT s.*, p.id AS payout_id FROM settlement_statements s LEFT JOIN settlement_payouts p ON p.statement_id = s.id`;

export interface StatementFilter {
  supplierOrganizationId?: string;
  supplierId?: string;
  paid?: boolean;
  limit: number;
  offset: number;
}

function toSummary(r: Record<string, unknown>): StatementSummaryView {
  return {
    id: r.id as string,
    number: r.number as string,
    runId: r.run_id as string,
    supplierId: r.supplier_id as string,
    supplierOrganizationId: r.supplier_organization_id as string,
    payableAccountId: String(r.payable_account_id),
    periodStart: iso(r.period_start as Date),
    periodEnd: iso(r.period_end as Date),
    lineCount: Number(r.line_count),
    totalFen: toSafeNumber(r.total_fen as string),
    issuedAt: iso(r.issued_at as Date),
    status: r.payout_id ? 'paid' : 'issued',
  };
}

function toLine(r: Record<string, unknown>): StatementLineView {
  return {
    lineNo: Number(r.line_no),
    orderId: r.order_id as string,
    unionId: r.union_id as string,
    completedAt: iso(r.completed_at as Date),
    amountFen: toSafeNumber(r.amount_fen as string),
    completionEntryId: String(r.completion_entry_id),
  };
}

export function toPayout(r: Record<string, unknown>): PayoutView {
  return {
    id: r.id as string,
    statementId: r.statement_id as string,
    amountFen: toSafeNumber(r.amount_fen as string),
    bankReference: r.bank_reference as string,
    paidOn: r.paid_on as string,
    ledgerEntryId: String(r.ledger_entry_id),
    recordedBy: r.recorded_by as string,
    recordedAt: iso(r.recorded_at as Date),
  };
}

/** Reads statements, runs and payouts for every audience; callers decide who may see which. */
@Injectable()
export class StatementReader {
  constructor(private readonly dataSource: DataSource) {}

  async list(f: StatementFilter, em: EntityManager = this.dataSource.manager): Promise<Page<StatementSummaryView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.supplierOrganizationId) add('s.supplier_organization_id = ?', f.supplierOrganizationId);
    if (f.supplierId) add('s.supplier_id = ?', f.supplierId);
    if (f.paid !== undefined) where.push(f.paid ? 'p.id IS NOT NULL' : 'p.id IS NULL');
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM settlement_statements s LEFT JOIN settlement_payouts p ON p.statement_id = s.id ${cond}`, params);
    const rows = await em.query(`${STATEMENT_SELECT} ${cond} ORDER BY s.issued_at DESC, s.number DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, f.limit, f.offset]);
    return { items: rows.map(toSummary), total, limit: f.limit, offset: f.offset };
  }

  async summary(id: string, em: EntityManager = this.dataSource.manager): Promise<StatementSummaryView | null> {
    const [row] = await em.query(`${STATEMENT_SELECT} WHERE s.id = $1`, [id]);
    return row ? toSummary(row) : null;
  }

  async summaries(ids: string[], em: EntityManager = this.dataSource.manager): Promise<StatementSummaryView[]> {
    if (!ids.length) return [];
    return (await em.query(`${STATEMENT_SELECT} WHERE s.id = ANY ($1::uuid[]) ORDER BY s.number`, [ids])).map(toSummary);
  }

  /** The statement with one page of its lines (by line number) and its payout. */
  async detail(summary: StatementSummaryView, page: { limit: number; offset: number } = { limit: 50, offset: 0 }, em: EntityManager = this.dataSource.manager): Promise<StatementDetailView> {
    const lines = await em.query(`SELECT * FROM settlement_statement_lines WHERE statement_id = $1 ORDER BY line_no LIMIT $2 OFFSET $3`, [summary.id, page.limit, page.offset]);
    const [payout] = await em.query(`SELECT *, paid_on::text AS paid_on FROM settlement_payouts WHERE statement_id = $1`, [summary.id]);
    return { ...summary, lines: lines.map(toLine), linesPage: { total: summary.lineCount, limit: page.limit, offset: page.offset }, payout: payout ? toPayout(payout) : null };
  }

  /** Lines after `afterLineNo`, in line order: keyset pages for streaming a statement of any size. */
  async linesAfter(statementId: string, afterLineNo: number, limit: number, em: EntityManager = this.dataSource.manager): Promise<StatementLineView[]> {
    const rows = await em.query(`SELECT * FROM settlement_statement_lines WHERE statement_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3`, [statementId, afterLineNo, limit]);
    return rows.map(toLine);
  }

  async lineForOrder(orderId: string, em: EntityManager = this.dataSource.manager): Promise<{ statementId: string; line: StatementLineView } | null> {
    const [row] = await em.query(`SELECT * FROM settlement_statement_lines WHERE order_id = $1`, [orderId]);
    return row ? { statementId: row.statement_id, line: toLine(row) } : null;
  }

  async payout(statementId: string, em: EntityManager = this.dataSource.manager): Promise<PayoutView | null> {
    const [row] = await em.query(`SELECT *, paid_on::text AS paid_on FROM settlement_payouts WHERE statement_id = $1`, [statementId]);
    return row ? toPayout(row) : null;
  }

  async run(id: string, em: EntityManager = this.dataSource.manager): Promise<RunView | null> {
    const [row] = await em.query(`SELECT * FROM settlement_runs WHERE id = $1`, [id]);
    if (!row) return null;
    const statements = (await em.query(`${STATEMENT_SELECT} WHERE s.run_id = $1 ORDER BY s.number`, [id])).map(toSummary);
    return this.toRun(row, statements);
  }

  async runs(q: { limit: number; offset: number }, em: EntityManager = this.dataSource.manager): Promise<Page<RunView>> {
    const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM settlement_runs`);
    const rows = await em.query(`SELECT * FROM settlement_runs ORDER BY started_at DESC, id LIMIT $1 OFFSET $2`, [q.limit, q.offset]);
    const statements: Record<string, unknown>[] = rows.length
      ? await em.query(`${STATEMENT_SELECT} WHERE s.run_id = ANY ($1::uuid[]) ORDER BY s.number`, [rows.map((r: { id: string }) => r.id)])
      : [];
    const items = rows.map((r: Record<string, unknown>) => this.toRun(r, statements.filter((s) => s.run_id === r.id).map(toSummary)));
    return { items, total, limit: q.limit, offset: q.offset };
  }

  private toRun(r: Record<string, unknown>, statements: StatementSummaryView[]): RunView {
    return {
      id: r.id as string,
      trigger: r.trigger as RunView['trigger'],
      requestedBy: (r.requested_by as string) ?? null,
      supplierId: (r.supplier_id as string) ?? null,
      cutoff: iso(r.cutoff as Date),
      statementCount: Number(r.statement_count),
      orderCount: Number(r.order_count),
      totalFen: toSafeNumber(r.total_fen as string),
      startedAt: iso(r.started_at as Date),
      finishedAt: iso(r.finished_at as Date),
      statements,
    };
  }
}
