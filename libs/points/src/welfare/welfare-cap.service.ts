import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RESERVED_STATUSES } from '../campaigns/campaign.lifecycle';
import { onCampaignRange } from '../shared/campaign-range.util';
import { WelfareRulesService } from './welfare-rules.service';

/**
 * Who would exceed the cap: $1 campaign, $2 its opens_at, $3 union, $4 cap (fen), $5 only these members
 * (or null), $6 the reserved statuses. Reads the campaign's pending rows: run it through onCampaignRange
 * (test/points-distribution EXPLAINs it).
 */
export const WELFARE_CAP_SQL = `WITH this AS (
        SELECT member_id, amount_fen FROM campaign_members
         WHERE campaign_id = $1 AND state = 'pending' AND ($5::uuid[] IS NULL OR member_id = ANY($5::uuid[]))),
      yr AS (SELECT extract(year FROM $2::timestamptz AT TIME ZONE 'Asia/Shanghai')::int AS y),
      prior AS (
        SELECT cm.member_id, sum(cm.amount_fen) AS fen
          FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
         WHERE c.union_id = $3 AND c.id <> $1 AND c.status = ANY($6::text[]) AND cm.state IN ('pending', 'credited')
           AND extract(year FROM c.opens_at AT TIME ZONE 'Asia/Shanghai')::int = (SELECT y FROM yr)
           AND cm.member_id IN (SELECT member_id FROM this)
         GROUP BY cm.member_id),
      over AS (
        SELECT t.member_id, coalesce(p.fen, 0) AS already, t.amount_fen AS amount
          FROM this t LEFT JOIN prior p USING (member_id)
         WHERE coalesce(p.fen, 0) + t.amount_fen > $4)
 -- members are joined for the violators only (a million-row snapshot has none, usually)
 SELECT o.member_id, m.employee_no, o.already, o.amount, (SELECT count(*) FROM over)::int AS violations, (SELECT y FROM yr) AS year
   FROM over o JOIN members m ON m.id = o.member_id
  ORDER BY m.employee_no LIMIT 20`;

/**
 * The annual cap, checked when money is reserved (approval, adding members): for every member
 * about to receive a grant, what they already received this calendar year (grants of the union's
 * other reserved campaigns whose window opens that year, Beijing time) plus this grant must stay
 * within the cap. Refused as a whole with WELFARE_CAP_EXCEEDED, naming the first members over it.
 */
@Injectable()
export class WelfareCapService {
  constructor(private readonly rules: WelfareRulesService) {}

  async assertWithinCap(em: EntityManager, campaign: { id: string; unionId: string; opensAt: Date }, onlyMemberIds?: string[]): Promise<{ annualCapFen: number | null }> {
    const cap = await this.rules.effective(campaign.unionId, em);
    if (cap.annualCapFen === null) return { annualCapFen: null };
    // the campaign's pending rows along its primary-key range (no index names state; see onCampaignRange)
    const rows: { member_id: string; employee_no: string; already: string; amount: string; violations: number; year: number }[] = await onCampaignRange(em, () =>
      em.query(WELFARE_CAP_SQL, [campaign.id, campaign.opensAt, campaign.unionId, cap.annualCapFen, onlyMemberIds ?? null, RESERVED_STATUSES]),
    );
    if (rows.length) {
      throw AppError.unprocessable('WELFARE_CAP_EXCEEDED', `${rows[0].violations} member(s) would exceed the annual cap of ${cap.annualCapFen} fen in ${rows[0].year}`, {
        annualCapFen: cap.annualCapFen,
        year: rows[0].year,
        violations: rows[0].violations,
        rules: cap.rules.map((r) => ({ id: r.id, scope: r.scope, regionPrefix: r.regionPrefix, unionId: r.unionId, setByOrganizationId: r.setByOrganizationId, annualCapFen: r.annualCapFen })),
        examples: rows.map((r) => ({ memberId: r.member_id, employeeNo: r.employee_no, alreadyFen: Number(r.already), thisCampaignFen: Number(r.amount) })),
      });
    }
    return { annualCapFen: cap.annualCapFen };
  }
}
