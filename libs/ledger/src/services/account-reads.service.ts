import { AppError, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { LedgerAccountView, RecentMovements, Statement } from '../model/ledger.types';
import { ACCOUNT_SELECT, AccountSqlRow, assertLedgerId, toAccountView } from './ledger-sql';

export interface AccountFilter {
  type?: string;
  ownerType?: string;
  ownerId?: string;
  organizationId?: string;
  /** scoping: only accounts of these organizations */
  organizationIds?: string[];
  /** scoping: only accounts this user holds */
  holderUserId?: string;
}

export const MAX_STATEMENT_PAGE = 500;

/** Accounts, balances (now and as of a past time) and statements. */
@Injectable()
export class AccountReadsService {
  constructor(private readonly dataSource: DataSource) {}

  async account(id: string, em: EntityManager = this.dataSource.manager): Promise<LedgerAccountView> {
    assertLedgerId(id, 'accountId');
    const [row]: AccountSqlRow[] = await em.query(`${ACCOUNT_SELECT} WHERE a.id = $1`, [id]);
    if (!row) throw AppError.notFound('Ledger account', id);
    return toAccountView(row);
  }

  async findAccount(type: string, ownerType: string, ownerId: string, em: EntityManager = this.dataSource.manager): Promise<LedgerAccountView | null> {
    const [row]: AccountSqlRow[] = await em.query(`${ACCOUNT_SELECT} WHERE a.type = $1 AND a.owner_type = $2 AND a.owner_id = $3`, [type, ownerType, ownerId]);
    return row ? toAccountView(row) : null;
  }

  /**
   * Balance now (the cached totals), or as of a past moment: the sum of the transfers of every
   * entry whose transaction started at or before `asOf` (entries carry their transaction's time).
   */
  async balance(accountId: string, asOf?: Date, em: EntityManager = this.dataSource.manager): Promise<number> {
    if (!asOf) return (await this.account(accountId, em)).balance;
    assertLedgerId(accountId, 'accountId');
    if (Number.isNaN(asOf.getTime())) throw new AppError('INVALID_AS_OF', 'asOf is not a valid time', 400);
    const [row] = await em.query(
      `SELECT EXISTS (SELECT 1 FROM ledger_accounts WHERE id = $1) AS found,
              (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE credit_account_id = $1 AND created_at <= $2)
            - (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE debit_account_id = $1 AND created_at <= $2) AS balance`,
      [accountId, asOf],
    );
    if (!row.found) throw AppError.notFound('Ledger account', accountId);
    return toSafeNumber(row.balance);
  }

  async balances(accountIds: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, number>> {
    accountIds.forEach((id) => assertLedgerId(id, 'accountId'));
    const rows: AccountSqlRow[] = accountIds.length ? await em.query(`${ACCOUNT_SELECT} WHERE a.id = ANY ($1::bigint[])`, [accountIds]) : [];
    return new Map(rows.map((r) => [String(r.id), toSafeNumber(r.credits) - toSafeNumber(r.debits)]));
  }

  async byIds(ids: string[], em: EntityManager = this.dataSource.manager): Promise<LedgerAccountView[]> {
    ids.forEach((id) => assertLedgerId(id, 'accountId'));
    if (!ids.length) return [];
    const rows: AccountSqlRow[] = await em.query(`${ACCOUNT_SELECT} WHERE a.id = ANY ($1::bigint[]) ORDER BY a.id`, [ids]);
    return rows.map(toAccountView);
  }

  async list(filter: AccountFilter, page: { limit: number; offset: number }, em: EntityManager = this.dataSource.manager): Promise<{ items: LedgerAccountView[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.type) add((p) => `a.type = ${p}`, filter.type);
    if (filter.ownerType) add((p) => `a.owner_type = ${p}`, filter.ownerType);
    if (filter.ownerId) add((p) => `a.owner_id = ${p}`, filter.ownerId);
    if (filter.organizationId) add((p) => `a.organization_id = ${p}`, filter.organizationId);
    if (filter.organizationIds) add((p) => `a.organization_id = ANY (${p}::uuid[])`, filter.organizationIds);
    if (filter.holderUserId) add((p) => `a.holder_user_id = ${p}`, filter.holderUserId);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM ledger_accounts a ${cond}`, params);
    const rows: AccountSqlRow[] = await em.query(`${ACCOUNT_SELECT} ${cond} ORDER BY a.id LIMIT ${Number(page.limit)} OFFSET ${Number(page.offset)}`, params);
    return { items: rows.map(toAccountView), total };
  }

  /**
   * Transfers of an account, oldest first, with the balance after each. The cursor is the last
   * transfer id of the previous page; the opening balance of a page is summed from the covering
   * indexes (account, id) INCLUDE (amount).
   */
  async statement(accountId: string, q: { limit: number; cursor?: string }, em: EntityManager = this.dataSource.manager): Promise<Statement> {
    assertLedgerId(accountId, 'accountId');
    const limit = Math.min(Math.max(Math.trunc(q.limit) || 50, 1), MAX_STATEMENT_PAGE);
    let after = '0';
    if (q.cursor !== undefined && q.cursor !== '') {
      if (!/^(0|[1-9][0-9]{0,18})$/.test(q.cursor)) throw new AppError('INVALID_CURSOR', 'The cursor is the nextCursor of a previous page', 400, { cursor: q.cursor });
      after = q.cursor;
    }
    const exists = await em.query(`SELECT 1 FROM ledger_accounts WHERE id = $1`, [accountId]);
    if (!exists.length) throw AppError.notFound('Ledger account', accountId);
    const [opening] = await em.query(
      `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE credit_account_id = $1 AND id <= $2)
            - (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE debit_account_id = $1 AND id <= $2) AS balance`,
      [accountId, after],
    );
    const rows: { id: string; entry_id: string; kind: string; reference: string; at: Date; debit: string; credit: string }[] = await em.query(
      `SELECT t.id, t.entry_id, e.kind, e.reference, t.created_at AS at, t.debit, t.credit
         FROM ((SELECT id, entry_id, created_at, amount AS debit, 0::bigint AS credit FROM ledger_transfers
                 WHERE debit_account_id = $1 AND id > $2 ORDER BY id LIMIT $3)
               UNION ALL
               (SELECT id, entry_id, created_at, 0::bigint, amount FROM ledger_transfers
                 WHERE credit_account_id = $1 AND id > $2 ORDER BY id LIMIT $3)) t
         JOIN ledger_entries e ON e.id = t.entry_id
        ORDER BY t.id
        LIMIT $3`,
      [accountId, after, limit + 1],
    );
    let balance = toSafeNumber(opening.balance);
    const items = rows.slice(0, limit).map((r) => {
      const debit = toSafeNumber(r.debit);
      const credit = toSafeNumber(r.credit);
      balance += credit - debit;
      return { transferId: String(r.id), entryId: String(r.entry_id), kind: r.kind, reference: r.reference, at: new Date(r.at).toISOString(), debit, credit, balance };
    });
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].transferId : null };
  }

  /**
   * The latest transfers touching any of these accounts, newest first (a member's "my points"
   * history). The statement pages oldest first from the start; this reads from the other end.
   */
  async recentMovements(accountIds: string[], limit: number, em: EntityManager = this.dataSource.manager): Promise<RecentMovements> {
    for (const id of accountIds) assertLedgerId(id, 'accountId');
    const n = Math.min(Math.max(Math.trunc(limit) || 50, 1), MAX_STATEMENT_PAGE);
    if (!accountIds.length) return { items: [], more: false };
    const rows: { id: string; account_id: string; entry_id: string; kind: string; reference: string; at: Date; debit: string; credit: string }[] = await em.query(
      `SELECT t.id, t.account_id, t.entry_id, e.kind, e.reference, t.created_at AS at, t.debit, t.credit
         FROM ((SELECT id, debit_account_id AS account_id, entry_id, created_at, amount AS debit, 0::bigint AS credit FROM ledger_transfers
                 WHERE debit_account_id = ANY($1::bigint[]) ORDER BY id DESC LIMIT $2)
               UNION ALL
               (SELECT id, credit_account_id, entry_id, created_at, 0::bigint, amount FROM ledger_transfers
                 WHERE credit_account_id = ANY($1::bigint[]) ORDER BY id DESC LIMIT $2)) t
         JOIN ledger_entries e ON e.id = t.entry_id
        ORDER BY t.id DESC
        LIMIT $2`,
      [accountIds, n + 1],
    );
    const items = rows.slice(0, n).map((r) => ({
      accountId: String(r.account_id),
      transferId: String(r.id),
      entryId: String(r.entry_id),
      kind: r.kind,
      reference: r.reference,
      at: new Date(r.at).toISOString(),
      debit: toSafeNumber(r.debit),
      credit: toSafeNumber(r.credit),
    }));
    return { items, more: rows.length > n };
  }
}
