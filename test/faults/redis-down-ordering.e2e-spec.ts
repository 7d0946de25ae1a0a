import { QueueRegistry, QUEUES } from '@huigong/common';
import { LedgerVerifier } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertMarketIntegrity, buildMarket, FAULT_ADDRESS, FaultMarket, Outcome } from '../support/fault-market';
import { FIXTURE_PASSWORD } from '../support/ordering-fixture';
import { PrivateRedis } from '../support/processes';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from '../support/test-app';

/**
 * Fault: Redis goes away while members are ordering. Checkout and login keep working (nothing on
 * their path needs Redis: idempotency lives in PostgreSQL, the login rate limiter fails open),
 * /health/ready answers 503 naming redis, and the follow-up jobs of orders (auto-confirm after
 * delivery) wait in the outbox and run exactly once when Redis is back.
 */
describe('fault: Redis down while members order (e2e, private redis-server)', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let m: FaultMarket;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    // AUTO_CONFIRM_DAYS=0: a delivered order's auto-confirm job is due at once, so the test sees it run
    t = await startTestApp({ config: testConfig({ demoProducts: 20, redisUrl: redis.url, autoConfirmDays: 0 }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    m = await buildMarket(t, { members: 20, points: 50_000, stock: 200, priceFen: 1_000, tag: 'RD' });
  });

  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await worker?.close();
    await t?.close();
    await redis?.stop();
  });

  it('keeps checkout working, reports redis down, and delivers the waiting jobs once when Redis returns', async () => {
    await t.http.get('/health/ready').expect(200);

    // every member orders twice, six requests at a time; Redis is killed once eight have succeeded,
    // with others in flight, and every request picked up after that goes out with Redis down
    const outcomes: Outcome[] = [];
    const jobs = m.members.flatMap((who, i) => [1, 2].map((n) => ({ who, key: `redis-down-${i}-${n}`, quantity: n })));
    let next = 0;
    let succeeded = 0;
    let redisStopped: Promise<void> | undefined;
    let afterStop = 0;
    const lane = async () => {
      for (let j = next++; j < jobs.length; j = next++) {
        if (redisStopped) {
          await redisStopped;
          afterStop++;
        }
        const { who, key, quantity } = jobs[j];
        const res = await t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key).send({ lines: [{ skuId: m.sku.skuId, quantity }], address: FAULT_ADDRESS });
        outcomes.push({ key, memberId: who.memberId, status: res.status, body: res.body });
        if (res.status === 201 && ++succeeded === 8) redisStopped = redis.stop();
      }
    };
    await Promise.all(Array.from({ length: 6 }, lane));
    expect(afterStop).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.status !== 201)).toEqual([]);
    expect(outcomes).toHaveLength(jobs.length);

    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', down: ['redis'], checks: { redis: { ok: false }, postgres: { ok: true } } });

    // logging in still works: the rate limiter fails open (and logs) while Redis is away
    const token = (await t.http.post('/api/v1/auth/login').send({ username: m.members[0].username, password: FIXTURE_PASSWORD }).expect(200)).body.accessToken;
    await t.http.get('/api/v1/me/orders').set(bearer(token)).expect(200);
    // a replay is answered from PostgreSQL, not Redis
    const replay = await t.http.post('/api/v1/checkout').set(bearer(m.members[1].token)).set('Idempotency-Key', 'redis-down-1-1').send({ lines: [{ skuId: m.sku.skuId, quantity: 1 }], address: FAULT_ADDRESS }).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.checkoutId).toBe(outcomes.find((o) => o.key === 'redis-down-1-1')!.body!.checkoutId);

    // the supplier fulfils five orders while Redis is still down: their auto-confirm jobs go to the outbox
    const delivered = outcomes.slice(0, 5).map((o) => o.body!.orders![0].id);
    for (const id of delivered) {
      await t.http.post(`/api/v1/supplier/orders/${id}/accept`).set(bearer(m.supplier.token)).send({}).expect(200);
      await t.http.post(`/api/v1/supplier/orders/${id}/ship`).set(bearer(m.supplier.token)).send({ carrier: '顺丰速运', trackingNo: `SF${id.slice(0, 8)}` }).expect(200);
      await t.http.post(`/api/v1/supplier/orders/${id}/deliver`).set(bearer(m.supplier.token)).send({}).expect(200);
    }
    const jobIds = delivered.map((id) => `auto-confirm.${id}`);
    // the relay tried and failed: the jobs wait in the outbox, the orders stay delivered
    await eventually(
      async () => (await ds.query(`SELECT count(*)::int AS n FROM outbox WHERE job_id = ANY($1) AND dispatched_at IS NULL AND last_error IS NOT NULL`, [jobIds]))[0].n === 5,
      30_000,
      'failed relay attempts on the five auto-confirm jobs',
    );
    const states = await ds.query(`SELECT DISTINCT state FROM orders WHERE id = ANY($1::uuid[])`, [delivered]);
    expect(states).toEqual([{ state: 'delivered' }]);
    await t.http.get('/health/ready').expect(503);

    await redis.start();
    await eventually(
      async () => (await ds.query(`SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND state = 'completed'`, [delivered]))[0].n === 5,
      60_000,
      'the auto-confirm jobs to complete the five orders',
    );
    await eventually(async () => (await t.http.get('/health/ready')).status === 200, 30_000, '/health/ready to answer 200 again');

    // each job delivered once and run once: one outbox row, dispatched; one BullMQ job, one attempt;
    // one auto_confirm history row and one completion entry per order
    const outbox = await ds.query(`SELECT job_id, count(*)::int AS rows, bool_and(dispatched_at IS NOT NULL) AS dispatched FROM outbox WHERE job_id = ANY($1) GROUP BY job_id ORDER BY job_id`, [jobIds]);
    expect(outbox).toEqual([...jobIds].sort().map((job_id) => ({ job_id, rows: 1, dispatched: true })));
    const queue = worker.get(QueueRegistry).get(QUEUES.orderTimers);
    for (const jobId of jobIds) {
      const job = await queue.getJob(jobId);
      expect({ jobId, finished: Boolean(job?.finishedOn), attemptsMade: job?.attemptsMade, result: job?.returnvalue }).toEqual({
        jobId,
        finished: true,
        attemptsMade: 1,
        result: { orderId: jobId.slice('auto-confirm.'.length), completed: true },
      });
    }
    const perOrder = await ds.query(
      `SELECT o.id::text,
              (SELECT count(*)::int FROM order_history h WHERE h.order_id = o.id AND h.action = 'auto_confirm') AS confirms,
              (SELECT count(*)::int FROM order_ledger_entries l WHERE l.order_id = o.id AND l.kind = 'completion') AS completions
         FROM orders o WHERE o.id = ANY($1::uuid[]) ORDER BY o.id`,
      [delivered],
    );
    expect(perOrder).toEqual([...delivered].sort().map((id) => ({ id, confirms: 1, completions: 1 })));

    const counts = await assertMarketIntegrity(ds, m, outcomes, 'Redis outage');
    expect(counts.checkouts).toBe(jobs.length);
    const verification = await t.app.get(LedgerVerifier).verify();
    expect(verification.firstProblem ?? null).toBeNull();
    expect(verification.ok).toBe(true);
  }, 180_000);
});
