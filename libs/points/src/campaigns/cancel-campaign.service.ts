import { AuthUser, IdempotencyService, TransactionRunner } from '@huigong/common';
import { LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { onCampaignRange } from '../shared/campaign-range.util';
import { idempotent } from '../shared/idempotent.util';
import { ENTRY_KINDS, LEDGER_KEYS, REFERENCES } from '../shared/ledger-keys.constants';
import { UnionAccess } from '../shared/union-access.service';
import { Campaign } from './campaign.entity';
import { CampaignDto } from './campaign.dto';
import { CampaignStatus, nextStatus } from './campaign.lifecycle';
import { CampaignQueryService } from './campaign-query.service';
import { CampaignTransitionsService } from './campaign-transitions.service';

/**
 * A draft or approved campaign can be cancelled; an approved one returns its whole pool to the
 * union budget. Once distribution has started (the job moved it to `distributing` under the same
 * row lock), cancelling is refused: members already hold the points.
 */
@Injectable()
export class CancelCampaignService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly transitions: CampaignTransitionsService,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly idempotency: IdempotencyService,
    private readonly query: CampaignQueryService,
  ) {}

  async cancel(actor: AuthUser, campaignId: string, reason: string, idempotencyKey?: string): Promise<CampaignDto> {
    // the request hashed with the stored (lower-case) spelling of the id, as approval does
    const cancelled = await this.tx.run((em) =>
      idempotent(this.idempotency, em, { scope: 'campaign.cancel', userId: actor.id, key: idempotencyKey, body: { campaignId: campaignId.toLowerCase(), reason } }, async () => {
        const locked = await this.transitions.lock(em, campaignId);
        const campaign = await em.findOneOrFail(Campaign, { where: { id: campaignId } });
        // the stored id from here on (a URL may spell it in upper case): the entry's key and reference
        const union = await this.access.reach(actor, campaign.unionId, em);
        nextStatus(locked.status, 'cancel');
        // as the close does: a distribution chunk reads the status under this row before it debits the pool
        await em.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 FOR UPDATE`, [campaign.id]);
        let returnedFen = 0;
        if (locked.status === CampaignStatus.Approved && campaign.poolAccountId) {
          returnedFen = Number(await this.ledgerQuery.balance(campaign.poolAccountId, undefined, em));
          if (returnedFen > 0) {
            await this.ledger.post(em, {
              kind: ENTRY_KINDS.cancel,
              idempotencyKey: LEDGER_KEYS.cancel(campaign.id),
              reference: REFERENCES.campaign(campaign.id),
              actor: actor.id,
              metadata: { unionId: campaign.unionId, reason },
              transfers: [{ debitAccountId: campaign.poolAccountId, creditAccountId: union.budgetAccountId, amount: returnedFen }],
            });
          }
          await onCampaignRange(em, () => em.query(`UPDATE campaign_members SET state = 'withdrawn' WHERE campaign_id = $1 AND state IN ('draft', 'pending')`, [campaign.id]));
          await em.query(`UPDATE campaign_distributions SET status = 'done', finished_at = now() WHERE campaign_id = $1`, [campaign.id]);
          await em.query(`UPDATE campaigns SET returned_fen = returned_fen + $2 WHERE id = $1`, [campaign.id, returnedFen]);
        }
        await this.transitions.apply(em, locked, 'cancel', actor.id, reason, { returnedFen });
        return { campaignId: campaign.id };
      }),
    );
    return this.query.get(actor, cancelled.campaignId);
  }
}
