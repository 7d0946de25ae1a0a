import { AppError, AuthUser, IdempotencyService, OutboxService, TransactionRunner } from '@huigong/common';
import { LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { idempotent } from '../shared/idempotent.util';
import { ENTRY_KINDS, LEDGER_KEYS, REFERENCES } from '../shared/ledger-keys.constants';
import { UnionAccess } from '../shared/union-access.service';
import { WelfareCapService } from '../welfare/welfare-cap.service';
import { AgreementCreditService } from '../unions/agreement-credit.service';
import { assertAgreementInForce, assertBudgetCovers, mapInsufficientFunds } from './budget-check.util';
import { Campaign } from './campaign.entity';
import { CampaignStatus } from './campaign.lifecycle';
import { enqueueDistributionRound } from './campaign-jobs.outbox';
import { CampaignTransitionsService } from './campaign-transitions.service';

/**
 * A member added after approval can be credited too: reserve their amount from the budget into the
 * pool (same agreement, cap and budget checks as approval) and let a new distribution round credit them.
 * Without a list, every eligible active member not yet in the campaign is added.
 */
@Injectable()
export class AddCampaignMembersService {
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
  ) {}

  async add(actor: AuthUser, campaignId: string, dto: { memberIds?: string[]; amountFen?: number }, idempotencyKey?: string): Promise<{ added: number; reservedFen: number; round: number }> {
    // the ids as stored (lower case; the DTO accepts any case), once each, in one order: the
    // eligibility check compares them with what PostgreSQL returns, and the request hash must not
    // depend on how a retry spells or orders them. Hashed with the stored campaign id, as approval does.
    const memberIds = dto.memberIds && [...new Set(dto.memberIds.map((id) => id.toLowerCase()))].sort();
    const body = { campaignId: campaignId.toLowerCase(), ...dto, memberIds }; // (an undefined key is not hashed)
    return this.tx.run((em) =>
      idempotent(this.idempotency, em, { scope: 'campaign.add-members', userId: actor.id, key: idempotencyKey, body }, async () => {
        const locked = await this.transitions.lock(em, campaignId);
        const campaign = await em.findOneOrFail(Campaign, { where: { id: campaignId } });
        // the stored id from here on (a URL may spell it in upper case): the top-up's key and reference
        await this.access.reach(actor, campaign.unionId, em);
        const [{ window_open }] = await em.query(`SELECT now() < $1::timestamptz AS window_open`, [campaign.closesAt]);
        if (![CampaignStatus.Approved, CampaignStatus.Distributing, CampaignStatus.Open].includes(locked.status) || !window_open) {
          throw AppError.conflict('CAMPAIGN_NOT_ACCEPTING_MEMBERS', 'Members can be added between approval and the window’s close', { status: locked.status });
        }
        const amount = dto.amountFen ?? campaign.pointsPerMemberFen;
        if (!amount) throw new AppError('VALIDATION_FAILED', 'amountFen is required for a per_member campaign', 400, { fields: [{ field: 'amountFen', reasons: ['is required for a per_member campaign'] }] });
        if (campaign.perMemberCapFen !== null && amount > campaign.perMemberCapFen) {
          throw AppError.unprocessable('PER_MEMBER_CAP_EXCEEDED', `The amount exceeds this campaign's per-member cap of ${campaign.perMemberCapFen} fen`, { amountFen: amount, perMemberCapFen: campaign.perMemberCapFen });
        }
        // a new reservation from the budget (and its credit limit): the agreement must be in force, as for approval
        await assertAgreementInForce(em, campaign.unionId);
        const union = await this.access.profile(campaign.unionId, em, 'update');
        if (memberIds) {
          const found: { id: string }[] = await em.query(`SELECT id FROM members WHERE id = ANY($1::uuid[]) AND union_id = $2 AND status = 'active'`, [memberIds, campaign.unionId]);
          const ok = new Set(found.map((f) => f.id));
          const bad = memberIds.filter((id) => !ok.has(id));
          if (bad.length) throw AppError.unprocessable('MEMBERS_NOT_ELIGIBLE', 'Some members are not active members of this union', { memberIds: bad.slice(0, 100), count: bad.length });
        }
        // in member order, as distribution reads them (see ApproveCampaignService)
        const inserted: { member_id: string }[] = await em.query(
          `INSERT INTO campaign_members (campaign_id, member_id, union_id, amount_fen, state)
           SELECT $1, m.id, m.union_id, $2, 'pending' FROM members m
            WHERE m.union_id = $3 AND m.status = 'active'
              AND ($4::uuid[] IS NOT NULL AND m.id = ANY($4::uuid[])
                   OR $4::uuid[] IS NULL AND ($5::text[] IS NULL OR m.group_name = ANY($5::text[])))
            ORDER BY m.id
           ON CONFLICT (campaign_id, member_id) DO NOTHING
           RETURNING member_id`,
          [campaign.id, amount, campaign.unionId, memberIds ?? null, campaign.eligibleGroups],
        );
        const [{ rounds }] = await em.query(`SELECT count(*)::int AS rounds FROM campaign_transitions WHERE campaign_id = $1 AND action = 'add_members'`, [campaign.id]);
        const round = rounds + 1;
        if (!inserted.length) return { added: 0, reservedFen: 0, round: rounds };
        const ids = inserted.map((r) => r.member_id);
        const reservedFen = amount * ids.length;
        await this.caps.assertWithinCap(em, campaign, ids);
        // the limit of the agreement in force today, even if its switch job has not run yet (see approval)
        const credit = await this.credit.apply(em, union);
        await assertBudgetCovers(em, this.ledgerQuery, union.budgetAccountId, reservedFen, credit.targetFen);
        // the progress row before the pool (the top-up credits it): a distribution chunk in flight
        // takes them in that order too
        await em.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 FOR UPDATE`, [campaign.id]);
        try {
          await this.ledger.post(em, {
            kind: ENTRY_KINDS.topUp,
            idempotencyKey: LEDGER_KEYS.topUp(campaign.id, round),
            reference: REFERENCES.campaign(campaign.id),
            actor: actor.id,
            metadata: { unionId: campaign.unionId, members: ids.length, round },
            transfers: [{ debitAccountId: union.budgetAccountId, creditAccountId: campaign.poolAccountId!, amount: reservedFen }],
          });
        } catch (err) {
          throw mapInsufficientFunds(err, reservedFen);
        }
        await em.query(`UPDATE campaigns SET total_fen = total_fen + $2, member_count = member_count + $3, updated_at = now() WHERE id = $1`, [campaign.id, reservedFen, ids.length]);
        await em.query(`UPDATE campaign_distributions SET total_members = total_members + $2, status = 'pending', finished_at = NULL WHERE campaign_id = $1`, [campaign.id, ids.length]);
        // not a status change, but the same trail: who added whom, when
        await em.query(
          `INSERT INTO campaign_transitions (campaign_id, union_id, action, from_status, to_status, actor, reason, details) VALUES ($1, $2, 'add_members', $3, $3, $4, NULL, $5)`,
          [campaign.id, campaign.unionId, locked.status, actor.id, JSON.stringify({ round, added: ids.length, amountFen: amount, reservedFen })],
        );
        // an approved campaign's first distribution job will credit them anyway; later rounds need their own job
        if (locked.status !== CampaignStatus.Approved) await enqueueDistributionRound(em, this.outbox, campaign.id, round);
        return { added: ids.length, reservedFen, round };
      }),
    );
  }
}
