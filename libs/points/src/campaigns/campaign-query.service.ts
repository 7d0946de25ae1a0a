import { AppError, AuthUser, Page, toSafeNumber } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CampaignDistribution } from '../distribution/campaign-distribution.entity';
import { onCampaignRange } from '../shared/campaign-range.util';
import { UnionAccess } from '../shared/union-access.service';
import { Campaign } from './campaign.entity';
import { CampaignDto, DistributionProgressDto } from './campaign.dto';
import { actionsFrom, CampaignStatus } from './campaign.lifecycle';
import { CampaignTransition } from './campaign-transition.entity';

export interface CampaignMemberRow {
  memberId: string;
  employeeNo: string;
  name: string;
  group: string;
  amountFen: number;
  state: string;
  grantAccountId: string | null;
  creditedAt: Date | null;
  balanceFen: number | null;
}

interface MemberRowSql {
  member_id: string;
  employee_no: string;
  name: string;
  group_name: string;
  amount_fen: string;
  state: string;
  grant_account_id: string | null;
  credited_at: Date | null;
}

/** Campaigns as admins and auditors see them: status, what may happen next, progress, history. */
@Injectable()
export class CampaignQueryService {
  constructor(
    private readonly access: UnionAccess,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly dataSource: DataSource,
  ) {}

  async get(actor: AuthUser, campaignId: string): Promise<CampaignDto> {
    const campaign = await this.dataSource.getRepository(Campaign).findOne({ where: { id: campaignId } });
    if (!campaign) throw AppError.notFound('Campaign', campaignId);
    await this.access.reach(actor, campaign.unionId);
    const [progress, history] = await Promise.all([
      this.dataSource.getRepository(CampaignDistribution).findOne({ where: { campaignId } }),
      this.dataSource.getRepository(CampaignTransition).find({ where: { campaignId }, order: { id: 'ASC' } }),
    ]);
    const poolBalanceFen = campaign.poolAccountId ? toSafeNumber(await this.ledgerQuery.balance(campaign.poolAccountId)) : null;
    return {
      ...toDto(campaign),
      poolBalanceFen,
      distribution: progress ? toProgress(progress) : null,
      history: history.map((h) => ({ action: h.action, fromStatus: h.fromStatus, toStatus: h.toStatus, actor: h.actor, reason: h.reason, details: h.details, at: h.at })),
    };
  }

  async list(actor: AuthUser, unionId: string, q: { status?: CampaignStatus; limit: number; offset: number }): Promise<Page<CampaignDto>> {
    await this.access.reach(actor, unionId);
    const qb = this.dataSource.getRepository(Campaign).createQueryBuilder('c').where('c.union_id = :unionId', { unionId }).orderBy('c.created_at', 'DESC').take(q.limit).skip(q.offset);
    if (q.status) qb.andWhere('c.status = :status', { status: q.status });
    const [items, total] = await qb.getManyAndCount();
    const progress = items.length ? await this.dataSource.getRepository(CampaignDistribution).createQueryBuilder('d').where('d.campaign_id IN (:...ids)', { ids: items.map((c) => c.id) }).getMany() : [];
    const byId = new Map(progress.map((p) => [p.campaignId, p]));
    return { items: items.map((c) => ({ ...toDto(c), distribution: byId.has(c.id) ? toProgress(byId.get(c.id)!) : null })), total, limit: q.limit, offset: q.offset };
  }

  /** Who is in a campaign, with each credited grant's current balance. */
  async members(actor: AuthUser, campaignId: string, q: { state?: string; limit: number; offset: number }): Promise<Page<CampaignMemberRow>> {
    const campaign = await this.dataSource.getRepository(Campaign).findOne({ where: { id: campaignId } });
    if (!campaign) throw AppError.notFound('Campaign', campaignId);
    await this.access.reach(actor, campaign.unionId);
    const params: unknown[] = [campaignId];
    let filter = '';
    if (q.state) {
      params.push(q.state);
      filter = ` AND cm.state = $${params.length}`;
    }
    // on the campaign's primary-key range (no index names state: see onCampaignRange), in a
    // transaction of its own for the planner setting
    const [{ total }] = await this.dataSource.transaction((em) =>
      onCampaignRange(em, () => em.query(`SELECT count(*)::int AS total FROM campaign_members cm WHERE cm.campaign_id = $1${filter}`, params)),
    );
    const rows: MemberRowSql[] = await this.dataSource.query(
      `SELECT cm.member_id, m.employee_no, m.name, m.group_name, cm.amount_fen, cm.state, cm.grant_account_id::text AS grant_account_id, cm.credited_at
         FROM campaign_members cm JOIN members m ON m.id = cm.member_id
        WHERE cm.campaign_id = $1${filter} ORDER BY m.employee_no LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    const balances = await this.ledgerQuery.balances(rows.filter((r) => r.grant_account_id).map((r) => r.grant_account_id!));
    return {
      items: rows.map((r) => ({
        memberId: r.member_id,
        employeeNo: r.employee_no,
        name: r.name,
        group: r.group_name,
        amountFen: toSafeNumber(r.amount_fen),
        state: r.state,
        grantAccountId: r.grant_account_id,
        creditedAt: r.credited_at,
        balanceFen: r.grant_account_id ? toSafeNumber(balances.get(r.grant_account_id) ?? 0) : null,
      })),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  }
}

export function toDto(c: Campaign): CampaignDto {
  return {
    id: c.id,
    unionId: c.unionId,
    name: c.name,
    purpose: c.purpose,
    amountMode: c.amountMode,
    pointsPerMemberFen: c.pointsPerMemberFen,
    eligibleGroups: c.eligibleGroups,
    opensAt: c.opensAt,
    closesAt: c.closesAt,
    allowedCategoryIds: c.allowedCategoryIds,
    perMemberCapFen: c.perMemberCapFen,
    distributeAt: c.distributeAt,
    status: c.status,
    allowedActions: actionsFrom(c.status, 'admin'),
    totalFen: c.totalFen,
    memberCount: c.memberCount,
    poolAccountId: c.poolAccountId,
    expiredFen: c.expiredFen,
    returnedFen: c.returnedFen,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function toProgress(p: CampaignDistribution): DistributionProgressDto {
  return {
    status: p.status,
    totalMembers: p.totalMembers,
    creditedMembers: p.creditedMembers,
    creditedFen: p.creditedFen,
    percent: p.totalMembers ? Math.floor((p.creditedMembers * 100) / p.totalMembers) : 100,
    chunks: p.chunks,
    runs: p.runs,
    startedAt: p.startedAt,
    lastProgressAt: p.lastProgressAt,
    finishedAt: p.finishedAt,
  };
}
