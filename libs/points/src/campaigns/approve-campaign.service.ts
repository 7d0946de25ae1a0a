import { AppError, AuthUser, IdempotencyService, OutboxService, TransactionRunner } from '@huigong/common';
import { AccountType, LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { onCampaignRange } from '../shared/campaign-range.util';
import { idempotent } from '../shared/idempotent.util';
import { ENTRY_KINDS, LEDGER_KEYS, OWNER_TYPES, REFERENCES } from '../shared/ledger-keys.constants';
import { UnionAccess } from '../shared/union-access.service';
import { WelfareCapService } from '../welfare/welfare-cap.service';
import { AgreementCreditService } from '../unions/agreement-credit.service';
import { assertAgreementInForce, assertBudgetCovers, mapInsufficientFunds } from './budget-check.util';
import { Campaign } from './campaign.entity';
import { CampaignDto } from './campaign.dto';
import { nextStatus } from './campaign.lifecycle';
import { enqueueCampaignJobs } from './campaign-jobs.outbox';
import { CampaignQueryService } from './campaign-query.service';
import { CampaignTransitionsService } from './campaign-transitions.service';

/**
 * draft → approved, in one unit of work: snapshot who gets what, check the welfare cap and the
 * agreement, reserve the total from the union budget into the campaign pool (or refuse with the
 * shortfall), record the transition, and enqueue distribution and the window jobs via the outbox.
 */
@Injectable()
export class ApproveCampaignService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly transitions: CampaignTransitionsService,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly caps: WelfareCapService,
    private readonly outbox: OutboxService,
    private readonly idempotency: IdempotencyService,
    private readonly credit: AgreementCreditService,
    private readonly query: CampaignQueryService,
  ) {}

  async approve(actor: AuthUser, campaignId: string, note?: string, idempotencyKey?: string): Promise<CampaignDto> {
    // ParseUUIDPipe lets a URL spell the id in upper case: the request is hashed with the stored
    // (lower-case) spelling, so the same approval spelled otherwise replays instead of conflicting
    const approved = await this.tx.run((em) =>
      idempotent(this.idempotency, em, { scope: 'campaign.approve', userId: actor.id, key: idempotencyKey, body: { campaignId: campaignId.toLowerCase(), note } }, async () => {
        const locked = await this.transitions.lock(em, campaignId);
        const campaign = await em.findOneOrFail(Campaign, { where: { id: campaignId } });
        // from here on the stored id: the pool's owner id, the entry's key and reference are built from it
        await this.access.reach(actor, campaign.unionId, em);
        nextStatus(locked.status, 'approve');
        const [{ past }] = await em.query(`SELECT $1::timestamptz <= now() AS past`, [campaign.closesAt]);
        if (past) throw AppError.unprocessable('WINDOW_IN_PAST', 'The ordering window has already closed', { closesAt: campaign.closesAt });
        await assertAgreementInForce(em, campaign.unionId);
        // campaign row, then union row: the order every budget-debiting use case takes them in
        const union = await this.access.profile(campaign.unionId, em, 'update');

        if (campaign.amountMode === 'flat') {
          // in member order, the order distribution credits them in: each chunk then reads and
          // rewrites a few dozen adjacent heap pages instead of thousands of scattered ones
          await em.query(
            `INSERT INTO campaign_members (campaign_id, member_id, union_id, amount_fen, state)
             SELECT $1, m.id, m.union_id, $2, 'pending' FROM members m
              WHERE m.union_id = $3 AND m.status = 'active' AND ($4::text[] IS NULL OR m.group_name = ANY($4::text[]))
              ORDER BY m.id`,
            [campaign.id, campaign.pointsPerMemberFen, campaign.unionId, campaign.eligibleGroups],
          );
        } else {
          // members who left since the upload are dropped now
          await em.query(
            `UPDATE campaign_members cm SET state = CASE WHEN m.status = 'active' THEN 'pending' ELSE 'withdrawn' END
               FROM members m WHERE cm.campaign_id = $1 AND cm.member_id = m.id AND cm.state = 'draft'`,
            [campaign.id],
          );
        }
        const [{ members, total }] = await onCampaignRange(em, () =>
          em.query(`SELECT count(*)::int AS members, coalesce(sum(amount_fen), 0)::bigint AS total FROM campaign_members WHERE campaign_id = $1 AND state = 'pending'`, [campaign.id]),
        );
        const totalFen = Number(total);
        if (members === 0) throw AppError.unprocessable('NO_ELIGIBLE_MEMBERS', 'No active member is eligible for this campaign', { eligibleGroups: campaign.eligibleGroups });
        await this.caps.assertWithinCap(em, campaign);
        // the limit of the agreement in force today, even if its switch job has not run yet; set just
        // before the check, so the budget's ledger row (locked when it changes) is held for the post only
        const credit = await this.credit.apply(em, union);
        await assertBudgetCovers(em, this.ledgerQuery, union.budgetAccountId, totalFen, credit.targetFen);

        const pool = await this.ledger.openAccount(em, { type: AccountType.CampaignPool, ownerType: OWNER_TYPES.campaign, ownerId: campaign.id, organizationId: campaign.unionId });
        try {
          await this.ledger.post(em, {
            kind: ENTRY_KINDS.reserve,
            idempotencyKey: LEDGER_KEYS.reserve(campaign.id),
            reference: REFERENCES.campaign(campaign.id),
            actor: actor.id,
            metadata: { unionId: campaign.unionId, members, note: note ?? null },
            transfers: [{ debitAccountId: union.budgetAccountId, creditAccountId: pool.id, amount: totalFen }],
          });
        } catch (err) {
          throw mapInsufficientFunds(err, totalFen);
        }
        await em.query(`UPDATE campaigns SET pool_account_id = $2, total_fen = $3, member_count = $4, updated_at = now() WHERE id = $1`, [campaign.id, pool.id, totalFen, members]);
        await this.transitions.apply(em, locked, 'approve', actor.id, note ?? null, { totalFen, members });
        await em.query(`INSERT INTO campaign_distributions (campaign_id, union_id, total_members) VALUES ($1, $2, $3)`, [campaign.id, campaign.unionId, members]);
        await enqueueCampaignJobs(em, this.outbox, campaign);
        return { campaignId: campaign.id };
      }),
    );
    return this.query.get(actor, approved.campaignId);
  }
}
