import { AppError, AuthUser, IdempotencyService, TransactionRunner } from '@huigong/common';
import { UsersService } from '@huigong/identity';
import { LedgerQueryService, LedgerService, PostEntryInput } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { CampaignStatus } from '../campaigns/campaign.lifecycle';
import { idempotent } from '../shared/idempotent.util';
import { ENTRY_KINDS, LEDGER_KEYS, REFERENCES } from '../shared/ledger-keys.constants';
import { UnionAccess } from '../shared/union-access.service';
import { Member } from './member.entity';

export interface LeaveResult {
  member: Member;
  returnedFen: number;
  returns: { campaignId: string; amountFen: number; to: 'campaign_pool' | 'union_budget' }[];
  withdrawnPending: number;
}

/**
 * A member leaves: their unspent points go back through the ledger (to the campaign's pool while
 * its window is open, so the close returns them with the rest; otherwise straight to the union
 * budget), grants not credited yet are withdrawn, the member is marked left and their user
 * disabled, all in one unit of work. An optional Idempotency-Key lets a retry after a lost response
 * get the first answer (what was returned where) instead of MEMBER_ALREADY_LEFT.
 */
@Injectable()
export class MemberLeaveService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly users: UsersService,
    private readonly idempotency: IdempotencyService,
  ) {}

  async leave(actor: AuthUser, unionId: string, memberId: string, reason?: string, idempotencyKey?: string): Promise<LeaveResult> {
    // hashed with the stored (lower-case) ids: ParseUUIDPipe lets a URL spell them in upper case
    const body = { unionId: unionId.toLowerCase(), memberId: memberId.toLowerCase(), reason };
    return this.tx.run((em) =>
      idempotent(this.idempotency, em, { scope: 'member.leave', userId: actor.id, key: idempotencyKey, body }, async () => {
        // the union row first, as every budget-changing use case takes it: an approval or top-up that
        // is adding this member to a campaign (it holds the row) commits first, so its pending row is
        // seen and withdrawn below; one that comes later no longer finds the member active
        const union = await this.access.reach(actor, unionId, em, 'update');
        const [m] = await em.query(`SELECT id, status, user_id FROM members WHERE id = $1 AND union_id = $2 FOR UPDATE`, [memberId, unionId]);
        if (!m) throw AppError.notFound('Member', memberId);
        if (m.status === 'left') throw AppError.conflict('MEMBER_ALREADY_LEFT', 'This member has already left the union');
        // the stored id from here on (a URL may spell it in upper case): the entries' keys are built from it
        // progress rows first (sorted): a distribution chunk takes the same lock before it debits the
        // pool and marks its rows, so a chunk either credited this member before (we return it) or
        // finds them withdrawn and is redone without them
        await em.query(
          `SELECT campaign_id FROM campaign_distributions WHERE campaign_id IN (SELECT campaign_id FROM campaign_members WHERE member_id = $1)
            ORDER BY campaign_id FOR UPDATE`,
          [m.id],
        );
        const withdrawn = await em.query(
          `WITH w AS (UPDATE campaign_members SET state = 'withdrawn' WHERE member_id = $1 AND state IN ('draft', 'pending') RETURNING campaign_id, state) SELECT campaign_id FROM w`,
          [m.id],
        );
        const withdrawnPendingIds = withdrawn.map((w: { campaign_id: string }) => w.campaign_id);
        if (withdrawnPendingIds.length) {
          await em.query(`UPDATE campaign_distributions SET total_members = total_members - 1 WHERE campaign_id = ANY($1::uuid[])`, [withdrawnPendingIds]);
        }
        const grants: { campaign_id: string; grant_account_id: string; status: CampaignStatus; pool_account_id: string; window_open: boolean }[] = await em.query(
          `SELECT cm.campaign_id, cm.grant_account_id::text AS grant_account_id, c.status, c.pool_account_id::text AS pool_account_id, now() < c.closes_at AS window_open
             FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
            WHERE cm.member_id = $1 AND cm.state = 'credited' ORDER BY cm.campaign_id`,
          [m.id],
        );
        const balances = await this.ledgerQuery.balances(grants.map((g) => g.grant_account_id), em);
        const entries: PostEntryInput[] = [];
        const returns: LeaveResult['returns'] = [];
        for (const g of grants) {
          const amount = Number(balances.get(g.grant_account_id) ?? 0);
          if (amount <= 0) continue;
          const toPool = (g.status === CampaignStatus.Open || g.status === CampaignStatus.Distributing) && g.window_open;
          const target = toPool ? g.pool_account_id : union.budgetAccountId;
          entries.push({
            kind: ENTRY_KINDS.leave,
            idempotencyKey: LEDGER_KEYS.leave(m.id, g.campaign_id),
            reference: REFERENCES.campaign(g.campaign_id),
            actor: actor.id,
            metadata: { memberId: m.id, reason: reason ?? null, to: toPool ? 'campaign_pool' : 'union_budget' },
            transfers: [{ debitAccountId: g.grant_account_id, creditAccountId: target, amount }],
          });
          returns.push({ campaignId: g.campaign_id, amountFen: amount, to: toPool ? 'campaign_pool' : 'union_budget' });
        }
        if (entries.length) await this.ledger.postMany(em, entries);
        const returnedToBudget = returns.filter((r) => r.to === 'union_budget');
        for (const r of returnedToBudget) await em.query(`UPDATE campaigns SET returned_fen = returned_fen + $2 WHERE id = $1`, [r.campaignId, r.amountFen]);
        await em.query(`UPDATE members SET status = 'left', left_at = now(), leave_reason = $2, updated_at = now() WHERE id = $1`, [m.id, reason ?? null]);
        if (m.user_id) await this.users.disableInTransaction(em, m.user_id);
        return {
          member: await em.findOneOrFail(Member, { where: { id: m.id } }),
          returnedFen: returns.reduce((s, r) => s + r.amountFen, 0),
          returns,
          withdrawnPending: withdrawnPendingIds.length,
        };
      }),
    );
  }
}
