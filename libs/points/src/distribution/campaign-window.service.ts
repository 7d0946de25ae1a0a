import { TransactionRunner, toSafeNumber } from '@huigong/common';
import { InsufficientFundsError, LedgerQueryService, LedgerService, PostEntryInput } from '@huigong/ledger';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CampaignStatus } from '../campaigns/campaign.lifecycle';
import { CampaignTransitionsService } from '../campaigns/campaign-transitions.service';
import { anyPending, onCampaignRange } from '../shared/campaign-range.util';
import { ENTRY_KINDS, LEDGER_KEYS, REFERENCES, SYSTEM_ACTORS } from '../shared/ledger-keys.constants';
import { NotYetError, REMAINING_MS } from './not-yet.error';

export interface CloseOptions {
  chunkSize?: number;
  afterChunk?: (chunk: number) => void | Promise<void>;
}

export interface CloseResult {
  campaignId: string;
  outcome: 'settled' | 'skipped';
  campaignStatus: CampaignStatus;
  expiredGrants: number;
  expiredFen: number;
  returnedFen: number;
}

const EXPIRE_ATTEMPTS = 5;

/**
 * The ordering window's edges, run by delayed jobs and decided by the database clock.
 *
 * Open: distributing → open once opens_at has passed and every grant is credited (if distribution
 * is still running, its end opens the window).
 *
 * Close, in steps that each commit and can be re-run: (1) open → closed under the campaign row lock
 * and the distribution's progress row; from then on refunds go to the union budget (see
 * PointsQueryService.refundTarget) and no chunk credits; (2) expire every grant's remaining balance back to the pool, chunk by chunk. Expiry posts
 * through the ledger, which locks each grant account, so an order that started before closes_at and
 * is still in flight either committed first (and spent its points) or finds the grant emptied and
 * fails whole; the balance is read again if such an order wins the race. (3) settle: the pool's
 * remainder returns to the union budget, closed → settled.
 */
@Injectable()
export class CampaignWindowService {
  private readonly logger = new Logger(CampaignWindowService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly transitions: CampaignTransitionsService,
  ) {}

  async open(campaignId: string): Promise<'opened' | 'waiting_for_distribution' | 'skipped'> {
    return this.tx.run(async (em) => {
      const locked = await this.transitions.lock(em, campaignId);
      if (locked.status !== CampaignStatus.Distributing && locked.status !== CampaignStatus.Approved) return 'skipped';
      const [c] = await em.query(`SELECT opens_at, now() >= opens_at AS due, ${REMAINING_MS('opens_at')} FROM campaigns WHERE id = $1`, [campaignId]);
      if (!c.due) throw new NotYetError(`Opening campaign ${campaignId}`, c.opens_at, c.remaining_ms);
      if (locked.status === CampaignStatus.Approved || (await anyPending(em, campaignId))) return 'waiting_for_distribution';
      await this.transitions.apply(em, locked, 'open_window', SYSTEM_ACTORS.window, 'opens_at reached');
      return 'opened';
    });
  }

  async close(campaignId: string, opts: CloseOptions = {}): Promise<CloseResult> {
    const chunkSize = opts.chunkSize ?? 5000;
    const begun = await this.tx.run((em) => this.beginClose(em, campaignId));
    if (!begun.ctx) return { campaignId, outcome: 'skipped', campaignStatus: begun.status, expiredGrants: 0, expiredFen: 0, returnedFen: 0 };
    const { poolAccountId, pass } = begun.ctx;
    let cursor = '00000000-0000-0000-0000-000000000000';
    let expiredGrants = 0;
    let expiredFen = 0;
    for (let chunk = 1; ; chunk++) {
      const r = await this.expireChunkWithRetry(campaignId, poolAccountId, pass, cursor, chunkSize);
      if (!r) break;
      cursor = r.cursor;
      expiredGrants += r.grants;
      expiredFen += r.fen;
      await opts.afterChunk?.(chunk);
      if (r.rows < chunkSize) break;
    }
    const returnedFen = await this.tx.run((em) => this.settle(em, campaignId));
    this.logger.log(`campaign ${campaignId} closed: ${expiredGrants} grants expired (${expiredFen} fen), ${returnedFen} fen returned to the union budget`);
    return { campaignId, outcome: 'settled', campaignStatus: CampaignStatus.Settled, expiredGrants, expiredFen, returnedFen };
  }

  private async beginClose(em: EntityManager, campaignId: string): Promise<{ status: CampaignStatus; ctx?: { poolAccountId: string; pass: number } }> {
    const locked = await this.transitions.lock(em, campaignId);
    const [c] = await em.query(`SELECT closes_at, now() >= closes_at AS due, ${REMAINING_MS('closes_at')}, pool_account_id::text AS pool_account_id FROM campaigns WHERE id = $1`, [campaignId]);
    if ([CampaignStatus.Open, CampaignStatus.Distributing, CampaignStatus.Approved].includes(locked.status)) {
      if (!c.due) throw new NotYetError(`Closing campaign ${campaignId}`, c.closes_at, c.remaining_ms);
      // distribution chunks read the status under the progress row, just before they debit the pool:
      // with it held here, each one either committed before the close or sees it and credits nothing
      await em.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
      await this.transitions.apply(em, locked, 'close_window', SYSTEM_ACTORS.window, 'closes_at reached');
    }
    if (locked.status !== CampaignStatus.Closed) return { status: locked.status };
    // each run of the close sweeps with its own pass number (see LEDGER_KEYS.expire)
    const [{ close_passes }] = await em.query(`WITH u AS (UPDATE campaigns SET close_passes = close_passes + 1 WHERE id = $1 RETURNING close_passes) SELECT close_passes FROM u`, [campaignId]);
    return { status: locked.status, ctx: { poolAccountId: c.pool_account_id, pass: close_passes } };
  }

  private async expireChunkWithRetry(campaignId: string, poolAccountId: string, pass: number, cursor: string, size: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.run((em) => this.expireChunk(em, campaignId, poolAccountId, pass, cursor, size));
      } catch (err) {
        // an order that began before the close spent from a grant after we read its balance:
        // the ledger refused our stale amount; read the balances again
        if (!(err instanceof InsufficientFundsError) || attempt >= EXPIRE_ATTEMPTS) throw err;
      }
    }
  }

  private async expireChunk(em: EntityManager, campaignId: string, poolAccountId: string, pass: number, cursor: string, size: number) {
    const rows: { member_id: string; grant_account_id: string }[] = await em.query(
      `SELECT member_id, grant_account_id::text AS grant_account_id FROM campaign_members
        WHERE campaign_id = $1 AND state = 'credited' AND member_id > $2 ORDER BY member_id LIMIT $3`,
      [campaignId, cursor, size],
    );
    if (!rows.length) return null;
    const balances = await this.ledgerQuery.balances(rows.map((r) => r.grant_account_id), em);
    const reference = REFERENCES.campaign(campaignId);
    const entries: PostEntryInput[] = [];
    let fen = 0;
    for (const r of rows) {
      const amount = toSafeNumber(balances.get(r.grant_account_id) ?? 0);
      if (amount <= 0) continue;
      fen += amount;
      entries.push({
        kind: ENTRY_KINDS.expire,
        idempotencyKey: LEDGER_KEYS.expire(campaignId, r.member_id, pass),
        reference,
        actor: SYSTEM_ACTORS.window,
        transfers: [{ debitAccountId: r.grant_account_id, creditAccountId: poolAccountId, amount }],
      });
    }
    if (entries.length) {
      await this.ledger.postMany(em, entries);
      await em.query(`UPDATE campaigns SET expired_fen = expired_fen + $2 WHERE id = $1`, [campaignId, fen]);
    }
    return { rows: rows.length, grants: entries.length, fen, cursor: rows[rows.length - 1].member_id };
  }

  private async settle(em: EntityManager, campaignId: string): Promise<number> {
    const locked = await this.transitions.lock(em, campaignId);
    if (locked.status !== CampaignStatus.Closed) return 0;
    const [c] = await em.query(
      `SELECT c.pool_account_id::text AS pool_account_id, u.budget_account_id::text AS budget_account_id
         FROM campaigns c JOIN unions u ON u.organization_id = c.union_id WHERE c.id = $1`,
      [campaignId],
    );
    const remainder = toSafeNumber(await this.ledgerQuery.balance(c.pool_account_id, undefined, em));
    if (remainder > 0) {
      await this.ledger.post(em, {
        kind: ENTRY_KINDS.settle,
        idempotencyKey: LEDGER_KEYS.settle(campaignId),
        reference: REFERENCES.campaign(campaignId),
        actor: SYSTEM_ACTORS.window,
        transfers: [{ debitAccountId: c.pool_account_id, creditAccountId: c.budget_account_id, amount: remainder }],
      });
    }
    // grants never credited (the window closed first) were never money of anyone: their share was in the pool
    const withdrawn = await onCampaignRange(em, () =>
      em.query(`WITH w AS (UPDATE campaign_members SET state = 'withdrawn' WHERE campaign_id = $1 AND state IN ('pending', 'draft') RETURNING 1) SELECT count(*)::int AS n FROM w`, [campaignId]),
    );
    await em.query(`UPDATE campaign_distributions SET status = 'done', finished_at = coalesce(finished_at, now()) WHERE campaign_id = $1`, [campaignId]);
    await em.query(`UPDATE campaigns SET returned_fen = returned_fen + $2 WHERE id = $1`, [campaignId, remainder]);
    await this.transitions.apply(em, locked, 'settle', SYSTEM_ACTORS.window, 'pool remainder returned to the union budget', { returnedFen: remainder, neverCredited: withdrawn[0].n });
    return remainder;
  }
}
