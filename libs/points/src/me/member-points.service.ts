import { AppError, AuthUser, toSafeNumber } from '@huigong/common';
import { LedgerQueryService, MovementLine } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MePointsDto, PointsHistoryLineDto } from './me-points.dto';

const HISTORY_LINES = 50;

interface GrantRow {
  id: string;
  name: string;
  purpose: string | null;
  status: string;
  state: string;
  amount_fen: string;
  grant_account_id: string | null;
  allowed_category_ids: string[] | null;
  opens_at: Date;
  closes_at: Date;
  spendable: boolean;
}

/**
 * What a worker sees under "my points": per campaign the balance, what it may buy and when the
 * window opens and closes; and the history of their grant accounts from the ledger. Only their
 * own: the member is found from the token's user, never from a parameter.
 */
@Injectable()
export class MemberPointsService {
  constructor(
    private readonly ledgerQuery: LedgerQueryService,
    private readonly dataSource: DataSource,
  ) {}

  async forUser(user: AuthUser): Promise<MePointsDto> {
    const [m] = await this.dataSource.query(
      `SELECT m.id, m.union_id, m.employee_no, o.name AS union_name FROM members m JOIN organizations o ON o.id = m.union_id WHERE m.user_id = $1 AND m.status = 'active'`,
      [user.id],
    );
    if (!m) throw AppError.notFound('Member for this user');
    const rows: GrantRow[] = await this.dataSource.query(
      `SELECT c.id, c.name, c.purpose, c.status, cm.state, cm.amount_fen, cm.grant_account_id::text AS grant_account_id, c.allowed_category_ids, c.opens_at, c.closes_at,
              (c.status = 'open' AND c.opens_at <= now() AND now() < c.closes_at) AS spendable
         FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
        WHERE cm.member_id = $1 AND cm.state IN ('pending', 'credited')
        ORDER BY c.closes_at DESC, c.id`,
      [m.id],
    );
    const accountIds = rows.filter((r) => r.grant_account_id).map((r) => r.grant_account_id!);
    const balances = await this.ledgerQuery.balances(accountIds);
    const campaigns = rows.map((r) => {
      const balanceFen = r.grant_account_id ? toSafeNumber(balances.get(r.grant_account_id) ?? 0) : 0;
      return {
        campaignId: r.id,
        name: r.name,
        purpose: r.purpose,
        status: r.status,
        grantState: r.state,
        grantedFen: toSafeNumber(r.amount_fen),
        balanceFen,
        allowedCategoryIds: r.allowed_category_ids,
        opensAt: r.opens_at,
        closesAt: r.closes_at,
        spendable: r.spendable && balanceFen > 0,
        grantAccountId: r.grant_account_id,
      };
    });
    const names = new Map(campaigns.map((c) => [c.grantAccountId, { id: c.campaignId, name: c.name }]));
    // the newest movements across all grants (a statement page would be each grant's oldest)
    const recent = await this.ledgerQuery.recentMovements(accountIds, HISTORY_LINES);
    const history = recent.items.map((line) => toHistoryLine(line, names.get(line.accountId)!));
    return {
      memberId: m.id,
      unionId: m.union_id,
      unionName: m.union_name,
      employeeNo: m.employee_no,
      spendableFen: campaigns.filter((c) => c.spendable).reduce((s, c) => s + c.balanceFen, 0),
      balanceFen: campaigns.reduce((s, c) => s + c.balanceFen, 0),
      campaigns,
      history,
      historyTruncated: recent.more,
    };
  }
}

/** One statement line of a grant account as the member reads it: + received, − spent or returned. */
function toHistoryLine(line: MovementLine, campaign: { id: string; name: string }): PointsHistoryLineDto {
  return {
    entryId: line.entryId,
    at: line.at,
    campaignId: campaign.id,
    campaignName: campaign.name,
    kind: line.kind,
    amountFen: toSafeNumber(line.credit) - toSafeNumber(line.debit),
    reference: line.reference,
  };
}
