import { JobReconciler, QueueRegistry, QUEUES, withTimeout } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CAMPAIGN_JOBS, campaignJobIds } from '../campaigns/campaign-jobs.outbox';

/** What a lagging campaign needs run. */
export type CampaignJobKind = 'distribute' | 'open' | 'close';

export interface LaggingCampaign {
  id: string;
  status: string;
  kind: CampaignJobKind;
  /** the distribution round whose job id is used (distribute only) */
  round: number;
}

export interface CampaignReconcileResult {
  /** false: another worker held the reconciler's lock; this tick did nothing */
  ran: boolean;
  /** campaigns found due by the database clock whose status lags */
  lagging: number;
  /** jobs added to BullMQ (their id was not there: lost with Redis, or never relayed) */
  enqueued: string[];
  /** jobs that had finished (failed, or completed without moving the campaign on) and were run again under the same id */
  retried: string[];
  /** jobs still waiting, delayed or running in BullMQ: left alone */
  present: number;
  /** campaigns whose job could not be checked or added (logged); the next tick tries again */
  failed: number;
}

/** pg_try_advisory_xact_lock key: one reconciling worker at a time (any bigint nobody else uses). */
export const CAMPAIGN_RECONCILE_LOCK = 7_151_120_260_001;
const MAX_PER_TICK = 500;
const REDIS_TIMEOUT_MS = 5000;

/**
 * Due campaigns whose status lags, by the database clock, one row per campaign naming the job that
 * moves it on. Each branch is a range of campaigns_status (status, closes_at): the active statuses
 * only, never the settled or cancelled history. In order of precedence:
 * - close: closes_at passed and not settled (open, or approved/distributing whose window closed
 *   first, or closed and not settled: the close job expires, returns and settles, resuming);
 * - distribute: approved with distribute_at passed (or none), or distributing/open with a
 *   distribution not done (the latest round's job; its end opens the window if opens_at passed);
 * - open: distributing, every grant credited, opens_at passed.
 */
export const LAGGING_CAMPAIGNS_SQL = `
  WITH due AS (
    SELECT id, status, 'close' AS kind FROM campaigns WHERE status = 'open' AND closes_at <= now()
    UNION ALL
    SELECT id, status, 'close' FROM campaigns WHERE status = 'closed'
    UNION ALL
    SELECT c.id, c.status,
           CASE WHEN c.closes_at <= now() THEN 'close'
                WHEN c.status = 'approved' THEN CASE WHEN coalesce(c.distribute_at <= now(), true) THEN 'distribute' END
                WHEN d.status IS DISTINCT FROM 'done' THEN 'distribute'
                WHEN c.opens_at <= now() THEN 'open' END
      FROM campaigns c LEFT JOIN campaign_distributions d ON d.campaign_id = c.id
     WHERE c.status IN ('approved', 'distributing')
    UNION ALL
    SELECT c.id, c.status, 'distribute' FROM campaigns c JOIN campaign_distributions d ON d.campaign_id = c.id
     WHERE c.status = 'open' AND c.closes_at > now() AND d.status <> 'done'
  )
  SELECT due.id::text AS id, due.status, due.kind,
         CASE WHEN due.kind = 'distribute' AND due.status <> 'approved'
              THEN (SELECT coalesce(max((t.details->>'round')::int), 0) FROM campaign_transitions t
                     WHERE t.campaign_id = due.id AND t.action = 'add_members' AND t.from_status <> 'approved') ELSE 0 END AS round
    FROM due WHERE due.kind IS NOT NULL
   ORDER BY due.id LIMIT $1`;

/**
 * The backstop for the campaign jobs (window open, window close, distribution). Each is enqueued
 * once, through the outbox, at approval; once relayed it lives only in Redis, which keeps nothing on
 * disk — a restart between relay and run loses it, and the campaign would never open, close or
 * settle. Each JobReconciler tick (worker process, JOB_RECONCILE_INTERVAL_MS) this reads the due
 * campaigns whose status lags (LAGGING_CAMPAIGNS_SQL) and makes sure BullMQ holds a job that will run
 * for each:
 * - no job under the outbox's deterministic id (lost with Redis, or not relayed yet): it is added
 *   under that same id — should the relay deliver the outbox's copy later, BullMQ ignores it;
 * - the job waits, is delayed or is running: nothing to do;
 * - the job has finished — failed past its attempts (a long database outage), or completed without
 *   moving the campaign on: it is run again under the same id (Job.retry). Adding it again would
 *   be a no-op: BullMQ keeps finished jobs (a week, a month) precisely to refuse their id.
 * Nothing is enqueued for a campaign not yet due, so this never runs a job early on purpose; should
 * it still (the clocks), the job waits again (runWhenDue).
 *
 * A duplicate run is harmless: every handler locks the campaign row and acts on its status — open
 * skips an open campaign, close skips a settled one and re-sweeps a closed one with a new pass
 * (grants already emptied expire nothing), distribution credits only rows still pending, keyed per
 * member. Only one worker reconciles at a time (transaction advisory lock, tried, never waited for);
 * were two to, they would add the same ids and at most one of two retries of a finished job succeeds.
 */
@Injectable()
export class CampaignJobReconciler {
  private readonly logger = new Logger(CampaignJobReconciler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly queues: QueueRegistry,
    reconciler: JobReconciler,
  ) {
    reconciler.register('campaign jobs', () => this.reconcile());
  }

  async reconcile(): Promise<CampaignReconcileResult> {
    const r: CampaignReconcileResult = { ran: false, lagging: 0, enqueued: [], retried: [], present: 0, failed: 0 };
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    // a transaction-level lock: a session lock taken and released through a pooler in transaction
    // mode (PgBouncer) could land on two server connections and stay held, silently stopping the
    // backstop. The transaction only reads and writes nothing (no xid), so holding it open over the
    // Redis calls below keeps back nobody's horizon.
    await qr.startTransaction();
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`, [CAMPAIGN_RECONCILE_LOCK]);
      if (!locked) {
        this.logger.debug('another worker is reconciling campaign jobs; this tick skipped');
        return r;
      }
      r.ran = true;
      const rows: LaggingCampaign[] = await qr.query(LAGGING_CAMPAIGNS_SQL, [MAX_PER_TICK]);
      r.lagging = rows.length;
      for (const c of rows) {
        try {
          const outcome = await this.ensureJob(c);
          if (outcome.action === 'enqueued') r.enqueued.push(outcome.jobId);
          else if (outcome.action === 'retried') r.retried.push(outcome.jobId);
          else r.present++;
        } catch (err) {
          r.failed++;
          this.logger.warn({ campaignId: c.id, kind: c.kind, err: (err as Error).message }, 'could not reconcile a campaign job');
        }
      }
    } finally {
      // commit or roll back alike: nothing was written; either ends the lock
      await qr.rollbackTransaction().catch(() => undefined);
      await qr.release();
    }
    if (r.enqueued.length || r.retried.length) {
      // each of these should have been in Redis already: say so, an operator may want to know why
      this.logger.warn({ enqueued: r.enqueued.slice(0, 20), retried: r.retried.slice(0, 20) }, 'campaign jobs were missing or finished while their campaign lagged; enqueued again');
    }
    return r;
  }

  private async ensureJob(c: LaggingCampaign): Promise<{ action: 'enqueued' | 'retried' | 'present'; jobId: string }> {
    const { queue: queueName, name, jobId } = jobFor(c);
    const queue = this.queues.get(queueName);
    const redis = <T>(p: Promise<T>) => withTimeout(p, REDIS_TIMEOUT_MS, `Redis did not answer within ${REDIS_TIMEOUT_MS} ms`);
    const job = await redis(queue.getJob(jobId));
    if (!job) {
      // same id as the outbox's: whichever of the two lands second is ignored by BullMQ
      await redis(queue.add(name, { campaignId: c.id }, { jobId }));
      return { action: 'enqueued', jobId };
    }
    const state = await redis(job.getState());
    if (state === 'failed' || state === 'completed') {
      // attempts start again: a job that had used up its attempts would otherwise fail at its next error, without backoff
      await redis(job.retry(state, { resetAttemptsMade: true }));
      return { action: 'retried', jobId };
    }
    return { action: 'present', jobId };
  }
}

/** The job (queue, name, deterministic id — the outbox's) that moves a lagging campaign on. */
export function jobFor(c: Pick<LaggingCampaign, 'id' | 'kind' | 'round'>): { queue: string; name: string; jobId: string } {
  switch (c.kind) {
    case 'distribute':
      return { queue: QUEUES.distribution, name: CAMPAIGN_JOBS.distribute, jobId: campaignJobIds.distribute(c.id, c.round) };
    case 'open':
      return { queue: QUEUES.campaignWindow, name: CAMPAIGN_JOBS.openWindow, jobId: campaignJobIds.openWindow(c.id) };
    case 'close':
      return { queue: QUEUES.campaignWindow, name: CAMPAIGN_JOBS.closeWindow, jobId: campaignJobIds.closeWindow(c.id) };
  }
}
