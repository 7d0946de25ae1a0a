import { LedgerVerifier } from '@huigong/ledger';
import { DataSource } from 'typeorm';
import { assertConservation } from '../support/ledger-conservation';
import { createUnion, importMembers, UnionCtx } from '../support/ordering-fixture';
import { ChildApp, PrivateRedis } from '../support/processes';
import { bearer, eventually, startTestApp, TestApp, testConfig } from '../support/test-app';

const MEMBERS = 600;
const POINTS = 3_000;

/**
 * Fault: the worker process is killed (SIGKILL) in the middle of a distribution and started again.
 * The distribution job is the real one (outbox → BullMQ → worker); the restarted worker picks the
 * stalled job up and finishes it; every member is credited exactly once.
 */
describe('fault: worker killed mid-distribution (e2e, private redis-server, real worker processes)', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let ds: DataSource;
  let union: UnionCtx;
  const children: ChildApp[] = [];

  const startWorker = (env: NodeJS.ProcessEnv = {}) => {
    const c = ChildApp.spawn('worker-child.ts', { DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, QUEUE_PREFIX: t.config.queuePrefix, ...env });
    children.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    t = await startTestApp({ config: testConfig({ demoProducts: 20, redisUrl: redis.url }) });
    ds = t.dataSource;
    const admin = await t.login('admin');
    union = await createUnion(t, admin, '青岛锻压机械厂工会', MEMBERS * POINTS + 1_000_000);
    await importMembers(t, union, MEMBERS, 'DY');
  });

  afterAll(async () => {
    for (const c of children) await c.kill9();
    await t?.close();
    await redis?.stop();
  });

  it('credits every member exactly once after kill -9 and restart of the worker', async () => {
    const [{ opens, closes }] = await ds.query(`SELECT now() - interval '1 minute' AS opens, now() + interval '2 hours' AS closes`);
    const created = await t.http
      .post(`/api/v1/unions/${union.unionId}/campaigns`)
      .set(bearer(union.adminToken))
      .send({ name: '夏送清凉', amountMode: 'flat', pointsPerMemberFen: POINTS, opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() })
      .expect(201);
    const id: string = created.body.id;
    await t.http.post(`/api/v1/campaigns/${id}/approve`).set(bearer(union.adminToken)).send({}).expect(200);

    // a worker that distributes in chunks of 50 with a pause after each, so it can be caught half-way
    const first = startWorker({ FAULT_DISTRIBUTION_CHUNK: '50', FAULT_DISTRIBUTION_PAUSE_MS: '300' });
    await eventually(
      async () => (await ds.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 AND credited_members >= 150`, [id])).length > 0,
      60_000,
      `the first worker to credit 150 members (output: ${first.output})`,
    );
    expect(await first.kill9()).toBe('SIGKILL');
    const [killed] = await ds.query(`SELECT status, credited_members FROM campaign_distributions WHERE campaign_id = $1`, [id]);
    expect(killed.status).toBe('running');
    expect(killed.credited_members).toBeGreaterThanOrEqual(150);
    expect(killed.credited_members).toBeLessThan(MEMBERS);
    await assertConservation(ds, 'kill -9 of the worker');

    // a fresh worker (production settings): BullMQ hands it the stalled job, the runner resumes
    const second = startWorker();
    await second.waitFor(/ready/);
    await eventually(
      async () => (await ds.query(`SELECT 1 FROM campaign_distributions WHERE campaign_id = $1 AND status = 'done'`, [id])).length > 0,
      90_000,
      `the restarted worker to finish the distribution (output: ${second.output})`,
    );
    const campaign = (await t.http.get(`/api/v1/campaigns/${id}`).set(bearer(union.adminToken)).expect(200)).body;
    expect(campaign).toMatchObject({ status: 'open', distribution: { status: 'done', creditedMembers: MEMBERS, totalMembers: MEMBERS } });

    // exactly once: one entry, one key and one grant account per member, each with exactly its points
    const [g] = await ds.query(
      `SELECT count(*)::int AS entries, count(DISTINCT e.idempotency_key)::int AS keys, count(DISTINCT t.credit_account_id)::int AS accounts,
              coalesce(sum(t.amount), 0)::bigint AS fen
         FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id
        WHERE e.kind = 'campaign.grant' AND e.reference = $1`,
      [`campaign:${id}`],
    );
    expect(g).toEqual({ entries: MEMBERS, keys: MEMBERS, accounts: MEMBERS, fen: String(MEMBERS * POINTS) });
    const [cm] = await ds.query(
      `SELECT count(*) FILTER (WHERE state = 'credited')::int AS credited, count(*)::int AS total, count(DISTINCT grant_account_id)::int AS accounts,
              count(*) FILTER (WHERE (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE credit_account_id = cm.grant_account_id) <> cm.amount_fen)::int AS off
         FROM campaign_members cm WHERE campaign_id = $1`,
      [id],
    );
    expect(cm).toEqual({ credited: MEMBERS, total: MEMBERS, accounts: MEMBERS, off: 0 });
    const [pool] = await ds.query(
      `SELECT (coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = c.pool_account_id), 0)
             - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = c.pool_account_id), 0))::bigint AS balance
         FROM campaigns c WHERE c.id = $1`,
      [id],
    );
    expect(pool.balance).toBe('0');
    // the job was re-run by the second worker, not re-enqueued: one outbox row for it
    const [{ rows }] = await ds.query(`SELECT count(*)::int AS rows FROM outbox WHERE queue = 'points-distribution' AND payload->>'campaignId' = $1`, [id]);
    expect(rows).toBe(1);
    await assertConservation(ds, 'the restarted worker');
    const verification = await t.app.get(LedgerVerifier).verify();
    expect(verification.firstProblem ?? null).toBeNull();
    expect(verification).toMatchObject({ ok: true });
  }, 180_000);
});
