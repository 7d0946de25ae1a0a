import { TransactionRunner, toSafeNumber } from '@huigong/common';
import { AccountType, LedgerService } from '@huigong/ledger';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CampaignStatus } from '../campaigns/campaign.lifecycle';
import { CampaignTransitionsService } from '../campaigns/campaign-transitions.service';
import { anyPending, walkCampaignRangeForTransaction } from '../shared/campaign-range.util';
import { ENTRY_KINDS, grantOwnerId, LEDGER_KEYS, OWNER_TYPES, REFERENCES, SYSTEM_ACTORS } from '../shared/ledger-keys.constants';
import { NotYetError, REMAINING_MS } from './not-yet.error';

export const DEFAULT_CHUNK_SIZE = 5000;
/** The ledger takes at most this many credits in one deferred-debit call (one chunk is one call). */
export const MAX_CHUNK_SIZE = 5000;
/** Chunks of one run in flight at once: their ledger inserts overlap, their debits and marks take turns. */
export const DEFAULT_PARALLEL_CHUNKS = 2;
/** A chunk whose rows changed under it (a member left, another run credited them) is redone this often. */
const CHUNK_ATTEMPTS = 5;
const FIRST_MEMBER = '00000000-0000-0000-0000-000000000000';

export interface DistributionOptions {
  chunkSize?: number;
  /** chunks in flight at once (default 2); 1 credits them strictly one after another */
  parallel?: number;
  /**
   * called after each committed chunk, in commit order; throwing aborts the run exactly as a crash
   * would (tests): no new chunk starts, and a chunk still in flight commits or rolls back on its own
   */
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

interface ChunkRow {
  member_id: string;
  amount_fen: string;
  user_id: string | null;
  row: string;
}

/**
 * A chunk's rows: the pending ones after the cursor, in member order. Walks the primary key (no index
 * names state, so that the mark is a HOT update — migration 1765900000000); the holder by a per-row
 * lookup (a join lets the planner merge-scan members from its start; in members_holder, which holds
 * only activated members, so an unactivated one costs no heap read). test/points-distribution EXPLAINs it.
 */
export const CHUNK_SELECT_SQL = `SELECT cm.member_id, cm.amount_fen, (SELECT m.user_id FROM members m WHERE m.id = cm.member_id AND m.user_id IS NOT NULL) AS user_id, cm.ctid::text AS row
   FROM campaign_members cm
  WHERE cm.campaign_id = $1 AND cm.state = 'pending' AND cm.member_id > $3 ORDER BY cm.member_id LIMIT $2`;

const isKeyTakenMeanwhile = (err: unknown): boolean => (err as { driverError?: { code?: string } })?.driverError?.code === 'HGK01';

/** The campaign stopped accepting credits (closed or cancelled) while the chunk was in flight. */
class CampaignStopped extends Error {}
/** Some of the chunk's rows were no longer pending when it came to mark them. */
class ChunkRaced extends Error {}

/**
 * Credits every pending grant of a campaign: pool → one grant account per (campaign, member).
 *
 * Chunked and resumable: each chunk (members in id order) is one transaction that opens the chunk's
 * grant accounts and posts their entries (LedgerService.distribute, set-based), marks the rows
 * credited, together with the progress counters. A crash loses at most the chunks in flight, which
 * rolled back; a re-run picks up the rows still pending. Each entry's idempotency key is
 * `grant:<campaign>:<member>`, and a chunk marks its rows only if they are all still pending.
 *
 * Two chunks are in flight at once (DEFAULT_PARALLEL_CHUNKS). The ledger inserts — most of a chunk's
 * time — run side by side; what must see a settled state runs under the campaign's progress row
 * (campaign_distributions, FOR UPDATE), taken after the inserts and before the pool is locked and
 * debited: the campaign's status, the members' holders, the debit, the mark and the counters. Leaving,
 * activation, close and cancel take the same row before they touch members, status or pool, so a
 * chunk either committed before them or sees what they did: a member withdrawn under it makes the
 * chunk roll back and run again without them, a close or cancel stops it, a new holder is set on the
 * grant it opened. Lock order everywhere: campaign row, progress row, ledger accounts.
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
    // the grants' owner ids and idempotency keys are built from this string: one spelling per campaign
    // (a job enqueued before AddCampaignMembersService passed the stored id may carry an upper-case one)
    campaignId = campaignId.toLowerCase();
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw new RangeError(`chunkSize must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${chunkSize}`);
    const parallel = Math.max(1, opts.parallel ?? DEFAULT_PARALLEL_CHUNKS);
    const start = await this.tx.run((em) => this.start(em, campaignId));
    if (!start.ctx) return { campaignId, outcome: 'skipped', campaignStatus: start.status, chunks: 0, credited: 0, creditedFen: 0 };
    const ctx = start.ctx;
    let chunks = 0;
    let credited = 0;
    let creditedFen = 0;
    // Keyset cursor: each chunk takes the pending rows after the last member of the previous one.
    // Scanning the campaign's primary-key range from its start every time would step over every row
    // already credited — quadratic at a million members. Rows added
    // behind the cursor meanwhile (a later round) get their own job, which starts from the beginning.
    // The selects run one after another (each needs the previous one's last member), each in its own
    // short transaction; the chunk checks on the rows themselves that they are still pending.
    let cursor = FIRST_MEMBER;
    let stop = false;
    let selecting: Promise<unknown> = Promise.resolve();
    const take = (): Promise<ChunkRow[] | null> => {
      const next = selecting.then(async () => {
        if (stop) return null;
        const rows = await this.tx.run((em) => this.select(em, campaignId, chunkSize, cursor));
        if (rows.length < chunkSize) stop = true;
        if (!rows.length) return null;
        cursor = rows[rows.length - 1].member_id;
        return rows;
      });
      selecting = next.catch(() => undefined);
      return next;
    };
    const lane = async (): Promise<void> => {
      try {
        for (;;) {
          const rows = await take();
          if (!rows) return;
          const done = await this.creditWithRetry(campaignId, ctx, rows);
          if (!done) {
            stop = true; // closed or cancelled meanwhile
            return;
          }
          if (!done.count) continue;
          chunks++;
          credited += done.count;
          creditedFen += done.fen;
          await opts.afterChunk?.(chunks, credited);
        }
      } catch (err) {
        stop = true;
        throw err;
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: parallel }, lane));
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
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
      `SELECT pool_account_id::text AS pool_account_id, union_id, distribute_at, coalesce(distribute_at > now(), false) AS early, ${REMAINING_MS('distribute_at')} FROM campaigns WHERE id = $1`,
      [campaignId],
    );
    if (locked.status === CampaignStatus.Approved) {
      if (c.early) throw new NotYetError(`Distribution of campaign ${campaignId}`, c.distribute_at, c.remaining_ms);
      await this.transitions.apply(em, locked, 'start_distribution', SYSTEM_ACTORS.distribution);
    }
    if (locked.status !== CampaignStatus.Distributing && locked.status !== CampaignStatus.Open) return { status: locked.status };
    await em.query(
      `UPDATE campaign_distributions SET status = 'running', runs = runs + 1, started_at = coalesce(started_at, now()), last_error = NULL WHERE campaign_id = $1`,
      [campaignId],
    );
    return { status: locked.status, ctx: { poolAccountId: c.pool_account_id, unionId: c.union_id } };
  }

  private async select(em: EntityManager, campaignId: string, size: number, after: string): Promise<ChunkRow[]> {
    // the primary key in order from the cursor, even when the statistics say few or no rows are pending
    // (a later round's job, a resumed run, a campaign that is a small share of the table): else a seq
    // scan of every campaign's rows, or a bitmap scan of the rest of the campaign, for every chunk
    await walkCampaignRangeForTransaction(em);
    return em.query(CHUNK_SELECT_SQL, [campaignId, size, after]);
  }

  /** null: the campaign stopped taking credits. A chunk whose rows changed is redone with what is still pending. */
  private async creditWithRetry(campaignId: string, ctx: { poolAccountId: string; unionId: string }, rows: ChunkRow[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.run((em) => this.creditChunk(em, campaignId, ctx, rows));
      } catch (err) {
        if (err instanceof CampaignStopped) return null;
        // HGK01: another run of this campaign (a later round's job, a job handed to another worker)
        // committed an entry for one of these members after our replay lookup — a race like ChunkRaced
        if (!(err instanceof ChunkRaced || isKeyTakenMeanwhile(err)) || attempt >= CHUNK_ATTEMPTS) throw err;
      }
      rows = await this.tx.run((em) =>
        em.query(
          `SELECT cm.member_id, cm.amount_fen, (SELECT m.user_id FROM members m WHERE m.id = cm.member_id AND m.user_id IS NOT NULL) AS user_id, cm.ctid::text AS row
             FROM campaign_members cm
            WHERE cm.campaign_id = $1 AND cm.member_id = ANY($2::uuid[]) AND cm.state = 'pending' ORDER BY cm.member_id`,
          [campaignId, rows.map((r) => r.member_id)],
        ),
      );
      if (!rows.length) return { count: 0, fen: 0 };
    }
  }

  private async creditChunk(
    em: EntityManager,
    campaignId: string,
    ctx: { poolAccountId: string; unionId: string },
    rows: ChunkRow[],
  ): Promise<{ count: number; fen: number }> {
    const memberIds = rows.map((r) => r.member_id);
    const newHolders: { index: number; userId: string }[] = [];
    // one set-based ledger call: opens the grants and posts one entry per member (keyed per member);
    // the pool is debited only after the hook below took the progress row
    const reference = REFERENCES.campaign(campaignId);
    const credited = await this.ledger.distribute(
      em,
      {
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
      },
      {
        beforeDebit: async () => {
          await em.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
          // close and cancel change the status holding the progress row: none has, or none will credit
          const [c] = await em.query(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]);
          if (c.status !== CampaignStatus.Distributing && c.status !== CampaignStatus.Open) throw new CampaignStopped();
          // a member activated since the select (activation holds this row while it links the user)
          const holders: { member_id: string; user_id: string }[] = await em.query(
            `SELECT m.id AS member_id, m.user_id FROM members m WHERE m.id = ANY($1::uuid[]) AND m.user_id IS NOT NULL`,
            [memberIds],
          );
          if (holders.length) {
            const index = new Map(memberIds.map((id, i) => [id, i]));
            for (const h of holders) {
              const i = index.get(h.member_id)!;
              if (rows[i].user_id !== h.user_id) newHolders.push({ index: i, userId: h.user_id });
            }
          }
        },
      },
    );
    for (const h of newHolders) await this.ledger.assignHolder(em, credited.accountIds[h.index], h.userId);
    const fen = credited.totalFen;
    // Marked by the rows' physical addresses (a TID scan, not 5,000 primary-key probes), as a HOT
    // update: no index names the columns it sets and approval left room on the pages (fillfactor 45),
    // so each new version lands beside the old one and no index entry is written. The rows are
    // checked again (campaign, member, still pending): a member who left since the select was
    // withdrawn under the progress row, their row's version is no longer the one selected, and the
    // chunk rolls back to be redone without them.
    const [{ marked }] = await em.query(
      `WITH upd AS (
         UPDATE campaign_members cm SET state = 'credited', grant_account_id = v.account_id, credited_at = now()
           FROM unnest($2::tid[], $3::uuid[], $4::bigint[]) AS v(row, member_id, account_id)
          WHERE cm.ctid = v.row AND cm.campaign_id = $1 AND cm.member_id = v.member_id AND cm.state = 'pending'
          RETURNING 1)
       SELECT count(*)::int AS marked FROM upd`,
      [campaignId, rows.map((r) => r.row), memberIds, credited.accountIds],
    );
    if (marked !== rows.length) throw new ChunkRaced(`campaign ${campaignId}: marked ${marked} of ${rows.length} rows credited; the chunk is rolled back`);
    await em.query(
      `UPDATE campaign_distributions SET credited_members = credited_members + $2, credited_fen = credited_fen + $3, chunks = chunks + 1,
              -- only forward (chunks in flight commit in any order): reports take every credit as at or
              -- before it (PointsReportingService)
              last_progress_at = greatest(last_progress_at, now())
        WHERE campaign_id = $1`,
      [campaignId, rows.length, fen],
    );
    return { count: rows.length, fen };
  }

  private async finish(em: EntityManager, campaignId: string): Promise<CampaignStatus> {
    const locked = await this.transitions.lock(em, campaignId);
    // once a run, over the campaign's primary-key range only (see onCampaignRange)
    if (await anyPending(em, campaignId)) return locked.status;
    const [{ due }] = await em.query(`SELECT now() >= opens_at AS due FROM campaigns WHERE id = $1`, [campaignId]);
    await em.query(`UPDATE campaign_distributions SET status = 'done', finished_at = now() WHERE campaign_id = $1 AND status <> 'done'`, [campaignId]);
    // the window's open job may have run while we were crediting: open now if it is time
    if (locked.status === CampaignStatus.Distributing && due) {
      await this.transitions.apply(em, locked, 'open_window', SYSTEM_ACTORS.distribution, 'distribution finished after the window’s opening time');
    }
    return locked.status;
  }
}
