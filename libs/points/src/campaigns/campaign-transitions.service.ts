import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CampaignAction, CampaignStatus, nextStatus } from './campaign.lifecycle';

export interface LockedCampaign {
  id: string;
  unionId: string;
  status: CampaignStatus;
}

/**
 * Applies one lifecycle step to a campaign row the caller has locked: checks it against the
 * declared lifecycle, changes the status (conditionally, so a stale caller changes nothing) and
 * writes the history row in the same unit of work.
 */
@Injectable()
export class CampaignTransitionsService {
  async apply(
    em: EntityManager,
    campaign: LockedCampaign,
    action: CampaignAction,
    actor: string,
    reason: string | null = null,
    details: Record<string, unknown> = {},
  ): Promise<CampaignStatus> {
    const to = nextStatus(campaign.status, action);
    // (UPDATE inside a CTE: em.query returns a SELECT's rows, not the driver's [rows, count] of an UPDATE)
    const updated = await em.query(`WITH u AS (UPDATE campaigns SET status = $3, updated_at = now() WHERE id = $1 AND status = $2 RETURNING id) SELECT id FROM u`, [
      campaign.id,
      campaign.status,
      to,
    ]);
    // the caller holds the row lock, so this only fails if it passed a status it did not read
    if (!updated.length) throw AppError.conflict('CAMPAIGN_CHANGED', 'The campaign changed meanwhile; try again', { campaignId: campaign.id });
    await em.query(
      `INSERT INTO campaign_transitions (campaign_id, union_id, action, from_status, to_status, actor, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [campaign.id, campaign.unionId, action, campaign.status, to, actor, reason, JSON.stringify(details)],
    );
    campaign.status = to;
    return to;
  }

  /** Locks the campaign row (FOR UPDATE) and returns what the lifecycle needs. */
  async lock(em: EntityManager, campaignId: string): Promise<LockedCampaign> {
    const [row] = await em.query(`SELECT id, union_id, status FROM campaigns WHERE id = $1 FOR UPDATE`, [campaignId]);
    if (!row) throw AppError.notFound('Campaign', campaignId);
    return { id: row.id, unionId: row.union_id, status: row.status };
  }
}
