import { TransactionRunner, toSafeNumber } from '@huigong/common';
import { AccountType, LedgerService } from '@huigong/ledger';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CampaignStatus } from '../campaigns/campaign.lifecycle';
import { CampaignTransitionsService } from '../campaigns/campaign-transitions.service';
import { ENTRY_KINDS, grantOwnerId, LEDGER_KEYS, OWNER_TYPES, REFERENCES, SYSTEM_ACTORS } from '../shared/ledger-keys.constants';
import { NotYetError } from './not-yet.error';

export const DEFAULT_CHUNK_SIZE = 5000;

export interface DistributionOptions {
  chunkSize?: number;
  /** called after each committed chunk; throwing aborts the run exactly as a crash would (tests) */
  afterChunk?: (chunk: number, creditedSoFar: number) => void | Promise<void>;
}

export interface DistributionResult {
  campaignId: string;
  outcome: 'done' | 'skipped';
  campaignStatus: CampaignStatus;
  chunks: number;
  credited: number;
  creditedFen: number;
}

/**
 * Credits every pending grant of a campaign: pool → one grant account per (campaign, member).
 *
 * Chunked and resumable: each chunk (members in id order) is one transaction that opens the chunk's
 * grant accounts and posts their entries (LedgerService.distribute, set-based), marks the rows credited, together with the progress
 * counters. A crash loses at most the chunk in flight, which rolled back; a re-run picks up the rows
 * still pending. Nobody is credited twice: the rows say who was credited, the chunk holds the
 * campaign's progress-row lock (so two runs never take the same rows), and each entry's idempotency
 * key is `grant:<campaign>:<member>` should anything else slip.
 */
@Injectable()
export class DistributionRunner {
  private readonly logger = new Logger(DistributionRunner.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly transitions: CampaignTransitionsService,
  ) {}

  async run(campaignId: string, opts: DistributionOptions = {}): Promise<DistributionResult> {
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const start = await this.tx.run((em) => this.start(em, campaignId));
    if (!start.ctx) return { campaignId, outcome: 'skipped', campaignStatus: start.status, chunks: 0, credited: 0, creditedFen: 0 };
    let chunks = 0;
    let credited = 0;
    let creditedFen = 0;
    // Keyset cursor: each chunk starts after the last member of the previous one. Scanning the
    // pending index from its start every time would wade through the index entries of the rows
    // already credited (dead until vacuum) — quadratic at a million members. Rows added behind the
    // cursor meanwhile (a later round) get their own job, which starts from the beginning.
    let cursor = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const after = cursor;
      const done = await this.tx.run((em) => this.creditChunk(em, campaignId, start.ctx!, chunkSize, after));
      if (!done) break;
      cursor = done.last;
      chunks++;
      credited += done.count;
      creditedFen += done.fen;
      await opts.afterChunk?.(chunks, credited);
      if (done.count < chunkSize) break;
    }
    const status = await this.tx.run((em) => this.finish(em, campaignId));
    if (credited) this.logger.log(`campaign ${campaignId}: credited ${credited} grants (${creditedFen} fen) in ${chunks} chunks`);
    return { campaignId, outcome: 'done', campaignStatus: status, chunks, credited, creditedFen };
  }

  async recordError(campaignId: string, err: Error): Promise<void> {
    await this.tx.run((em) => em.query(`UPDATE campaign_distributions SET last_error = $2 WHERE campaign_id = $1`, [campaignId, String(err.message).slice(0, 500)]));
  }

  private async start(em: EntityManager, campaignId: string): Promise<{ status: CampaignStatus; ctx?: { poolAccountId: string; unionId: string } }> {
    const locked = await this.transitions.lock(em, campaignId);
    const [c] = await em.query(
      `SELECT pool_account_id::text AS pool_account_id, union_id, distribute_at, coalesce(distribute_at > now(), false) AS early FROM campaigns WHERE id = $1`,
      [campaignId],
    );
    if (locked.status === CampaignStatus.Approved) {
      if (c.early) throw new NotYetError(`Distribution of campaign ${campaignId}`, c.distribute_at);
      await this.transitions.apply(em, locked, 'start_distribution', SYSTEM_ACTORS.distribution);
    }
    if (locked.status !== CampaignStatus.Distributing && locked.status !== CampaignStatus.Open) return { status: locked.status };
    await em.query(
      `UPDATE campaign_distributions SET status = 'running', runs = runs + 1, started_at = coalesce(started_at, now()), last_error = NULL WHERE campaign_id = $1`,
      [campaignId],
    );
    return { status: locked.status, ctx: { poolAccountId: c.pool_account_id, unionId: c.union_id } };
  }

  private async creditChunk(
    em: EntityManager,
    campaignId: string,
    ctx: { poolAccountId: string; unionId: string },
    size: number,
    after: string,
  ): Promise<{ count: number; fen: number; last: string } | null> {
    // the close job changes the status under FOR UPDATE: no chunk credits after a close
    const [c] = await em.query(`SELECT status FROM campaigns WHERE id = $1 FOR SHARE`, [campaignId]);
    if (c.status !== CampaignStatus.Distributing && c.status !== CampaignStatus.Open) return null;
    await em.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
    const rows: { member_id: string; amount_fen: string; user_id: string | null; row: string }[] = await em.query(
      // (the holder by a per-row lookup: a join lets the planner merge-scan members from its start;
      // in members_holder, which holds only activated members, so an unactivated one costs no heap read)
      `SELECT cm.member_id, cm.amount_fen, (SELECT m.user_id FROM members m WHERE m.id = cm.member_id AND m.user_id IS NOT NULL) AS user_id, cm.ctid::text AS row
         FROM campaign_members cm
        WHERE cm.campaign_id = $1 AND cm.state = 'pending' AND cm.member_id > $3 ORDER BY cm.member_id LIMIT $2`,
      [campaignId, size, after],
    );
    if (!rows.length) return null;
    // one set-based ledger call: opens the grants and posts one entry per member (keyed per member)
    const reference = REFERENCES.campaign(campaignId);
    const credited = await this.ledger.distribute(em, {
      debitAccountId: ctx.poolAccountId,
      kind: ENTRY_KINDS.grant,
      reference,
      actor: SYSTEM_ACTORS.distribution,
      accountType: AccountType.WorkerGrant,
      ownerType: OWNER_TYPES.memberGrant,
      organizationId: ctx.unionId,
      credits: rows.map((r) => ({
        ownerId: grantOwnerId(campaignId, r.member_id),
        holderUserId: r.user_id,
        idempotencyKey: LEDGER_KEYS.grant(campaignId, r.member_id),
        amount: toSafeNumber(r.amount_fen),
      })),
    });
    const fen = credited.totalFen;
    // Marked by the rows' physical addresses (a TID scan, not 5,000 primary-key probes): nobody else
    // updates them meanwhile — closing, cancelling and top-ups wait on the campaign row (FOR SHARE
    // above), leaving and activation on the progress row (FOR UPDATE above). The member and state are
    // checked again on the row itself, and the count must match, or the chunk rolls back.
    const [{ marked }] = await em.query(
      `WITH upd AS (
         UPDATE campaign_members cm SET state = 'credited', grant_account_id = v.account_id, credited_at = now()
           FROM unnest($2::tid[], $3::uuid[], $4::bigint[]) AS v(row, member_id, account_id)
          WHERE cm.ctid = v.row AND cm.campaign_id = $1 AND cm.member_id = v.member_id AND cm.state = 'pending'
          RETURNING 1)
       SELECT count(*)::int AS marked FROM upd`,
      [campaignId, rows.map((r) => r.row), rows.map((r) => r.member_id), credited.accountIds],
    );
    if (marked !== rows.length) throw new Error(`campaign ${campaignId}: marked ${marked} of ${rows.length} rows credited; the chunk is rolled back`);
    await em.query(
      `UPDATE campaign_distributions SET credited_members = credited_members + $2, credited_fen = credited_fen + $3, chunks = chunks + 1, last_progress_at = now()
        WHERE campaign_id = $1`,
      [campaignId, rows.length, fen],
    );
    return { count: rows.length, fen, last: rows[rows.length - 1].member_id };
  }

  private async finish(em: EntityManager, campaignId: string): Promise<CampaignStatus> {
    const locked = await this.transitions.lock(em, campaignId);
    const [{ pending, due }] = await em.query(
      `SELECT EXISTS (SELECT 1 FROM campaign_members WHERE campaign_id = $1 AND state = 'pending') AS pending,
              (SELECT now() >= opens_at FROM campaigns WHERE id = $1) AS due`,
      [campaignId],
    );
    if (pending) return locked.status;
    await em.query(`UPDATE campaign_distributions SET status = 'done', finished_at = now() WHERE campaign_id = $1 AND status <> 'done'`, [campaignId]);
    // the window's open job may have run while we were crediting: open now if it is time
    if (locked.status === CampaignStatus.Distributing && due) {
      await this.transitions.apply(em, locked, 'open_window', SYSTEM_ACTORS.distribution, 'distribution finished after the window’s opening time');
    }
    return locked.status;
  }
}
