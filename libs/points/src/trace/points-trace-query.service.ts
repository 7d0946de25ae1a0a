import { toSafeNumber } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { grantKeys } from '../shared/grant-accounts.util';
import { ENTRY_KINDS, LEDGER_KEYS } from '../shared/ledger-keys.constants';

/** A worker grant and where its points came from: the campaign, its pool and the union's budget. */
export interface GrantProvenance {
  grantAccountId: string;
  memberId: string;
  campaignId: string;
  campaignName: string;
  campaignStatus: string;
  unionId: string;
  unionName: string;
  /** fen credited to the grant by the campaign */
  amountFen: number;
  creditedAt: string | null;
  opensAt: string;
  closesAt: string;
  poolAccountId: string | null;
  budgetAccountId: string;
}

/** The ledger entries that touched a grant, sorted by what they did to it. */
export interface GrantEntryIds {
  /** the campaign's credit of the grant */
  credit: string[];
  /** unspent points swept back to the pool at the window's close */
  expiry: { entryId: string; amountFen: number }[];
  /** the member left: the grant's remainder went back */
  leave: { entryId: string; amountFen: number }[];
}

export interface DepositTrace {
  id: string;
  amountFen: number;
  bankReference: string;
  receivedOn: string;
  ledgerEntryId: string;
}

export interface MemberIdentity {
  memberId: string;
  unionId: string;
  userId: string | null;
  name: string;
  employeeNo: string;
  status: string;
}

const MAX_STATEMENT = 200;

/**
 * Read-only provenance for auditors' traces (grants → campaign → union budget → deposits). No
 * scoping here: the audit context only lets auditors and platform admins call it.
 */
@Injectable()
export class PointsTraceQueryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledgerQuery: LedgerQueryService,
  ) {}

  async member(memberId: string, em: EntityManager = this.dataSource.manager): Promise<MemberIdentity | null> {
    const [m] = await em.query(`SELECT id, union_id, user_id, name, employee_no, status FROM members WHERE id = $1`, [memberId]);
    return m ? { memberId: m.id, unionId: m.union_id, userId: m.user_id, name: m.name, employeeNo: m.employee_no, status: m.status } : null;
  }

  /** The grants behind these grant accounts (unknown ids are absent). */
  grants(grantAccountIds: string[], em: EntityManager = this.dataSource.manager): Promise<GrantProvenance[]> {
    if (!grantAccountIds.length) return Promise.resolve([]);
    // by primary key, from the accounts' owners (no index on grant_account_id: see grantKeys)
    return grantKeys(this.ledgerQuery, grantAccountIds, em).then((keys) =>
      this.load(
        em,
        `(cm.campaign_id, cm.member_id, cm.grant_account_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]))`,
        [keys.map((k) => k.campaignId), keys.map((k) => k.memberId), keys.map((k) => k.grantAccountId)],
      ),
    );
  }

  /** Every grant a member ever received, oldest campaign window first. */
  memberGrants(memberId: string, em: EntityManager = this.dataSource.manager): Promise<GrantProvenance[]> {
    return this.load(em, `cm.member_id = $1 AND cm.state = 'credited'`, [memberId]);
  }

  /** The entries that credited, expired or withdrew a grant (its own account statement, classified). */
  async grantEntries(grantAccountId: string, em?: EntityManager): Promise<GrantEntryIds> {
    const out: GrantEntryIds = { credit: [], expiry: [], leave: [] };
    let cursor: string | undefined;
    // a grant has a handful of entries (credit, orders, refunds, expiry); walk pages to be exact
    do {
      const page = await this.ledgerQuery.statement(grantAccountId, { limit: MAX_STATEMENT, cursor }, em);
      for (const line of page.items) {
        if (line.kind === ENTRY_KINDS.grant && line.credit > 0) out.credit.push(line.entryId);
        else if (line.kind === ENTRY_KINDS.expire && line.debit > 0) out.expiry.push({ entryId: line.entryId, amountFen: line.debit });
        else if (line.kind === ENTRY_KINDS.leave && line.debit > 0) out.leave.push({ entryId: line.entryId, amountFen: line.debit });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /** The entries that moved budget into the campaign's pool: the reservation at approval and every top-up. */
  async campaignFundingEntryIds(campaignId: string, em: EntityManager = this.dataSource.manager): Promise<string[]> {
    const [{ rounds }] = await em.query(`SELECT count(*)::int AS rounds FROM campaign_transitions WHERE campaign_id = $1 AND action = 'add_members'`, [campaignId]);
    const keys = [LEDGER_KEYS.reserve(campaignId), ...Array.from({ length: rounds }, (_, i) => LEDGER_KEYS.topUp(campaignId, i + 1))];
    return (await this.ledgerQuery.entriesByIdempotencyKeys(keys, em)).map((e) => e.id);
  }

  /** The money the union paid in (funding → budget), oldest first. */
  async unionDeposits(unionId: string, em: EntityManager = this.dataSource.manager): Promise<DepositTrace[]> {
    const rows: { id: string; amount_fen: string; bank_reference: string; received_on: string; ledger_entry_id: string }[] = await em.query(
      `SELECT id, amount_fen, bank_reference, received_on::text AS received_on, ledger_entry_id FROM union_deposits WHERE union_id = $1 ORDER BY created_at, id`,
      [unionId],
    );
    return rows.map((r) => ({ id: r.id, amountFen: toSafeNumber(r.amount_fen), bankReference: r.bank_reference, receivedOn: r.received_on, ledgerEntryId: String(r.ledger_entry_id) }));
  }

  private async load(em: EntityManager, where: string, params: unknown[]): Promise<GrantProvenance[]> {
    const rows: Record<string, string | null>[] = await em.query(
      `SELECT cm.grant_account_id::text AS grant_account_id, cm.member_id, cm.amount_fen, cm.credited_at,
              c.id AS campaign_id, c.name, c.status, c.union_id, o.name AS union_name, c.opens_at, c.closes_at,
              c.pool_account_id::text AS pool_account_id, u.budget_account_id::text AS budget_account_id
         FROM campaign_members cm
         JOIN campaigns c ON c.id = cm.campaign_id
         JOIN unions u ON u.organization_id = c.union_id
         JOIN organizations o ON o.id = c.union_id
        WHERE ${where} AND cm.grant_account_id IS NOT NULL
        ORDER BY c.closes_at, c.id`,
      params,
    );
    const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
    return rows.map((r) => ({
      grantAccountId: r.grant_account_id!,
      memberId: r.member_id!,
      campaignId: r.campaign_id!,
      campaignName: r.name!,
      campaignStatus: r.status!,
      unionId: r.union_id!,
      unionName: r.union_name!,
      amountFen: toSafeNumber(r.amount_fen),
      creditedAt: iso(r.credited_at),
      opensAt: iso(r.opens_at)!,
      closesAt: iso(r.closes_at)!,
      poolAccountId: r.pool_account_id,
      budgetAccountId: r.budget_account_id!,
    }));
  }
}
