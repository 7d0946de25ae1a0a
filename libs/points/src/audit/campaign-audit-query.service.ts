import { toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A campaign as the audit context needs it: its accounts, figures and union. */
export interface CampaignAuditView {
  id: string;
  name: string;
  status: string;
  unionId: string;
  unionName: string;
  opensAt: string;
  closesAt: string;
  totalFen: number;
  memberCount: number;
  poolAccountId: string | null;
  budgetAccountId: string;
  createdAt: string;
}

/** One row of a campaign's distribution list. */
export interface CampaignMemberAuditView {
  memberId: string;
  employeeNo: string;
  name: string;
  groupName: string;
  memberStatus: string;
  /** the amount the campaign assigned to the member (fen) */
  amountFen: number;
  state: string;
  grantAccountId: string | null;
  creditedAt: string | null;
}

/** The points context's read-only answers for auditors (no scoping: the caller decides). */
@Injectable()
export class CampaignAuditQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async campaign(campaignId: string, em: EntityManager = this.dataSource.manager): Promise<CampaignAuditView | null> {
    const [r] = await em.query(
      `SELECT c.id, c.name, c.status, c.union_id, o.name AS union_name, c.opens_at, c.closes_at, c.total_fen::text AS total_fen,
              c.member_count, c.pool_account_id::text AS pool_account_id, u.budget_account_id::text AS budget_account_id, c.created_at
         FROM campaigns c JOIN unions u ON u.organization_id = c.union_id JOIN organizations o ON o.id = c.union_id
        WHERE c.id = $1`,
      [campaignId],
    );
    if (!r) return null;
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      unionId: r.union_id,
      unionName: r.union_name,
      opensAt: new Date(r.opens_at).toISOString(),
      closesAt: new Date(r.closes_at).toISOString(),
      totalFen: toSafeNumber(r.total_fen),
      memberCount: r.member_count,
      poolAccountId: r.pool_account_id,
      budgetAccountId: r.budget_account_id,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  /** The distribution list, by employee number. */
  async members(campaignId: string, em: EntityManager = this.dataSource.manager): Promise<CampaignMemberAuditView[]> {
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT cm.member_id, m.employee_no, m.name, m.group_name, m.status AS member_status, cm.amount_fen::text AS amount_fen, cm.state,
              cm.grant_account_id::text AS grant_account_id, cm.credited_at
         FROM campaign_members cm JOIN members m ON m.id = cm.member_id
        WHERE cm.campaign_id = $1
        ORDER BY m.employee_no, cm.member_id`,
      [campaignId],
    );
    return rows.map((r) => ({
      memberId: r.member_id as string,
      employeeNo: r.employee_no as string,
      name: r.name as string,
      groupName: r.group_name as string,
      memberStatus: r.member_status as string,
      amountFen: toSafeNumber(r.amount_fen as string),
      state: r.state as string,
      grantAccountId: (r.grant_account_id as string | null) ?? null,
      creditedAt: r.credited_at ? new Date(r.credited_at as string).toISOString() : null,
    }));
  }
}
