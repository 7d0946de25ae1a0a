import { JobReconciler, QueueRegistry, QUEUES } from '@huigong/common';
import { AUTO_CONFIRM_SWEEP_SCHEDULER } from '@huigong/ordering';
import { CAMPAIGN_JOBS, campaignJobIds } from '@huigong/points';
import { SETTLEMENT_SCHEDULER_ID } from '@huigong/settlement';
import { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { LEDGER_VERIFY_SCHEDULER } from '@huigong/audit';
import { assertConservation, rawBalance } from '../support/ledger-conservation';
import { PrivateRedis } from '../support/processes';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from '../support/test-app';

const PW = 'long-enough-password';
const MEMBERS = 30;
const POINTS = 1_200;

/**
 * Fault: Redis keeps nothing on disk and restarts empty. Once the outbox relay has handed a campaign's
 * delayed jobs (window open, window close) to BullMQ they live only in Redis; so do the job schedulers
 * declared at worker start-up. The worker's JobReconciler (JOB_RECONCILE_INTERVAL_MS, here 500 ms)
 * puts back, from PostgreSQL and from the code, what the restart lost: the campaign still opens,
 * closes and settles once due — once each, the ledger conserved — and the schedulers exist again
 * within a tick. Also: a window job that runs before its time by the database clock goes back to the
 * delayed set without using an attempt, and runs when due.
 */
describe('fault: Redis restarts empty (e2e, private redis-server)', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let queues: QueueRegistry;
  let unionId: string;
  let unionAdmin: string;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    const config = testConfig(
      { redisUrl: redis.url, demoProducts: 0 },
      // the three schedulers on, as in production (tests turn two of them off by default)
      { JOB_RECONCILE_INTERVAL_MS: '500', AUTO_CONFIRM_SWEEP_INTERVAL_MS: '300000', LEDGER_VERIFY_CRON: '30 3 * * *', SETTLEMENT_SCHEDULE: '0 2 * * *' },
    );
    t = await startTestApp({ config });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    queues = worker.get(QueueRegistry);
    const admin = await t.login('admin');
    const [platform] = await ds.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    const res = await t.http.post('/api/v1/unions').set(bearer(admin)).send({ name: '青岛重启机械工会', parentId: platform.id, regionCode: '370211', admin: { username: 'cqjx-admin', displayName: '管理员', password: PW } }).expect(201);
    unionId = res.body.id;
    unionAdmin = await t.login('cqjx-admin', PW);
    const [{ today, year }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today, extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int AS year`);
    await t.http
      .post(`/api/v1/unions/${unionId}/agreements`)
      .set(bearer(admin))
      .send({ number: 'CQJX-001', signedOn: today, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: MEMBERS, expectedAmountFen: 0, creditLimitFen: 0 })
      .expect(201);
    await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ amountFen: 10_000_000, bankReference: 'CQJX-DEP-1', receivedOn: today }).expect(201);
    const lines = ['employee_no,name,phone,group,join_date'];
    for (let i = 1; i <= MEMBERS; i++) lines.push(`CQ${String(i).padStart(5, '0')},机械${i},136${String(i).padStart(8, '0')},车间,`);
    await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(lines.join('\n')).expect(200);
  }, 120_000);

  afterAll(async () => {
    try {
      await redis?.start().catch(() => undefined);
      await worker?.close();
      await t?.close();
    } finally {
      await redis?.stop();
    }
  }, 60_000);

  /** A flat campaign whose window opens and closes that many seconds from now by the database clock, approved. */
  async function approvedCampaign(name: string, opensInS: number, closesInS: number): Promise<string> {
    const [{ opens, closes }] = await ds.query(`SELECT now() + make_interval(secs => $1) AS opens, now() + make_interval(secs => $2) AS closes`, [opensInS, closesInS]);
    const c = await t.http
      .post(`/api/v1/unions/${unionId}/campaigns`)
      .set(bearer(unionAdmin))
      .send({ name, amountMode: 'flat', pointsPerMemberFen: POINTS, opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() })
      .expect(201);
    await t.http.post(`/api/v1/campaigns/${c.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(200);
    return c.body.id;
  }

  const status = async (id: string): Promise<string> => (await ds.query(`SELECT status FROM campaigns WHERE id = $1`, [id]))[0].status;

  /** The window jobs relayed: both delayed in Redis, the outbox rows dispatched; the distribution done. */
  async function relayedAndDistributed(id: string): Promise<void> {
    const window = queues.get(QUEUES.campaignWindow);
    await eventually(
      async () => {
        const [open, close] = await Promise.all([window.getJob(campaignJobIds.openWindow(id)), window.getJob(campaignJobIds.closeWindow(id))]);
        return open && close && (await open.getState()) === 'delayed' && (await close.getState()) === 'delayed';
      },
      30_000,
      'the window jobs delayed in Redis',
    );
    // the relay marks its rows once BullMQ took them: a moment after the jobs appear
    await eventually(
      async () => (await ds.query(`SELECT count(*)::int AS pending FROM outbox WHERE payload->>'campaignId' = $1 AND dispatched_at IS NULL`, [id]))[0].pending === 0,
      10_000,
      'the outbox rows marked dispatched',
    );
    await eventually(async () => (await ds.query(`SELECT status FROM campaign_distributions WHERE campaign_id = $1`, [id]))[0].status === 'done', 30_000, 'the distribution done');
    expect(await status(id)).toBe('distributing');
  }

  async function restartRedisEmpty(): Promise<void> {
    await redis.stop();
    await redis.start();
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await probe.dbsize()).toBe(0);
    } finally {
      probe.disconnect();
    }
  }

  /**
   * The worker takes jobs again after the restart (an echo job ran). Also what lets the teardown close
   * it: BullMQ's Worker.close() hangs when called within about a second of the restart.
   */
  async function workerServesAgain(): Promise<void> {
    const jobId = `echo-${Date.now()}`;
    await queues.get(QUEUES.system).add('echo', { probe: true }, { jobId });
    await eventually(async () => (await ds.query(`SELECT 1 FROM job_runs WHERE job_id = $1`, [jobId])).length === 1, 20_000, 'the worker to run a job after the restart');
  }

  it('a campaign whose window jobs Redis lost still opens, closes and settles once each, the ledger conserved', async () => {
    // a wide margin, so that a slow relay and distribution on a busy machine cannot reach the window first
    const id = await approvedCampaign('重启开窗', 60, 120);
    await relayedAndDistributed(id);
    const [{ due }] = await ds.query(`SELECT opens_at > now() AS due FROM campaigns WHERE id = $1`, [id]);
    expect(due).toBe(true); // the restart below happens before the window opens: the open job is lost, not run

    await restartRedisEmpty();
    // only now does the window come close: its jobs went with Redis, what is left is the database's times
    await ds.query(`UPDATE campaigns SET opens_at = now() + interval '2 seconds', closes_at = now() + interval '6 seconds' WHERE id = $1`, [id]);

    await eventually(async () => (await status(id)) === 'open', 30_000, 'the campaign to open after Redis lost its open job');
    await eventually(async () => (await status(id)) === 'settled', 40_000, 'the campaign to close and settle after Redis lost its close job');

    // each edge once, each at or after its time by the database clock
    const transitions = await ds.query(
      `SELECT t.action, count(*)::int AS n, bool_and(t.at >= CASE t.action WHEN 'open_window' THEN c.opens_at ELSE c.closes_at END) AS on_time
         FROM campaign_transitions t JOIN campaigns c ON c.id = t.campaign_id
        WHERE t.campaign_id = $1 AND t.action IN ('open_window', 'close_window', 'settle') GROUP BY t.action ORDER BY t.action`,
      [id],
    );
    expect(transitions).toEqual([
      { action: 'close_window', n: 1, on_time: true },
      { action: 'open_window', n: 1, on_time: true },
      { action: 'settle', n: 1, on_time: true },
    ]);
    // the reconciler put the jobs back under the outbox's ids
    const window = queues.get(QUEUES.campaignWindow);
    for (const jobId of [campaignJobIds.openWindow(id), campaignJobIds.closeWindow(id)]) {
      const job = await window.getJob(jobId);
      expect({ jobId, state: await job?.getState() }).toEqual({ jobId, state: 'completed' });
    }
    // every member credited once; every fen expired and returned once: the pool is empty, the budget whole
    const [c] = await ds.query(`SELECT total_fen::int AS total, expired_fen::int AS expired, returned_fen::int AS returned, pool_account_id::text AS pool FROM campaigns WHERE id = $1`, [id]);
    expect(c).toMatchObject({ total: MEMBERS * POINTS, expired: MEMBERS * POINTS, returned: MEMBERS * POINTS });
    const [{ grants, expiries }] = await ds.query(
      `SELECT count(*) FILTER (WHERE kind = 'campaign.grant')::int AS grants, count(*) FILTER (WHERE kind = 'campaign.expire')::int AS expiries FROM ledger_entries WHERE reference = $1`,
      [`campaign:${id}`],
    );
    expect({ grants, expiries }).toEqual({ grants: MEMBERS, expiries: MEMBERS });
    expect(await rawBalance(ds, c.pool)).toBe(0);
    await assertConservation(ds, 'a campaign run through a Redis restart');
    await workerServesAgain();
  }, 120_000);

  it('a window job that runs before its time by the database clock waits in the delayed set, no attempt used, and runs when due', async () => {
    // no reconciler meanwhile: this test watches one job, and nothing else may open the campaign
    await worker.get(JobReconciler).stop();
    try {
      // a wide margin, so that the early job below is early even on a busy machine
      const id = await approvedCampaign('早到开窗', 60, 600);
      await relayedAndDistributed(id);
      const window = queues.get(QUEUES.campaignWindow);
      // the relayed open job is replaced by one due at once, as if the clock that scheduled it ran ahead
      await (await window.getJob(campaignJobIds.openWindow(id)))!.remove();
      await window.add(CAMPAIGN_JOBS.openWindow, { campaignId: id }, { jobId: campaignJobIds.openWindow(id) });
      const redelayed = await eventually(
        async () => {
          const j = await window.getJob(campaignJobIds.openWindow(id));
          return j?.processedOn && (await j.getState()) === 'delayed' ? j : null;
        },
        20_000,
        'the early job back in the delayed set',
      );
      expect(redelayed.attemptsMade).toBe(0);
      expect(redelayed.failedReason).toBeFalsy();
      expect(await status(id)).toBe('distributing');

      // the window comes close, and the job is run now instead of at its delay's end: a second before
      // its time it waits again, then opens the campaign once due
      await ds.query(`UPDATE campaigns SET opens_at = now() + interval '1 second' WHERE id = $1`, [id]);
      await redelayed.promote();
      const done = await eventually(
        async () => {
          const j = await window.getJob(campaignJobIds.openWindow(id));
          return j && (await j.getState()) === 'completed' ? j : null;
        },
        30_000,
        'the open job to complete once due',
      );
      expect(done.attemptsMade).toBe(1);
      expect(done.returnvalue).toEqual({ outcome: 'opened' });
      const [{ on_time }] = await ds.query(
        `SELECT t.at >= c.opens_at AS on_time FROM campaign_transitions t JOIN campaigns c ON c.id = t.campaign_id WHERE t.campaign_id = $1 AND t.action = 'open_window'`,
        [id],
      );
      expect(on_time).toBe(true);
      expect(await status(id)).toBe('open');
    } finally {
      worker.get(JobReconciler).start();
    }
  }, 90_000);

  it('the job schedulers declared at start-up exist again within a tick after Redis comes back empty', async () => {
    const schedulers = async () => {
      const [sweep, settlement, verification] = await Promise.all([
        queues.get(QUEUES.orderTimers).getJobScheduler(AUTO_CONFIRM_SWEEP_SCHEDULER),
        queues.get(QUEUES.settlement).getJobScheduler(SETTLEMENT_SCHEDULER_ID),
        queues.get(QUEUES.audit).getJobScheduler(LEDGER_VERIFY_SCHEDULER),
      ]);
      return { sweep: sweep?.every ?? null, settlement: settlement?.pattern ?? null, verification: verification?.pattern ?? null };
    };
    const declared = { sweep: 300000, settlement: '0 2 * * *', verification: '30 3 * * *' };
    await eventually(async () => JSON.stringify(await schedulers()) === JSON.stringify(declared), 20_000, 'the schedulers declared at start-up');

    await restartRedisEmpty();

    await eventually(async () => JSON.stringify(await schedulers()) === JSON.stringify(declared), 20_000, 'the schedulers declared again after the restart');
    await workerServesAgain();
  }, 60_000);
});
