import { withDatabase } from '@huigong/common';
import { LedgerVerifier } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertMarketIntegrity, buildMarket, FAULT_ADDRESS, FaultMarket, Outcome } from '../support/fault-market';
import { PrivatePostgres, PrivateRedis } from '../support/processes';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from '../support/test-app';

const SHOPPERS = 12;

/**
 * Fault: PostgreSQL crashes and restarts (pg_ctl stop -m immediate, then start) while members keep
 * checking out. The API and the worker are the same processes before and after: their pools must
 * recover by themselves. A client that got no answer (or a 5xx) retries with the same
 * Idempotency-Key, as a real client would; afterwards every success has its data, nothing is there
 * twice, and no order exists without its ledger entry or the other way round.
 */
describe('fault: PostgreSQL restarts under load (e2e, private PostgreSQL cluster and redis-server)', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let m: FaultMarket;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([PrivatePostgres.create(), PrivateRedis.create()]);
    t = await startTestApp({ config: testConfig({ demoProducts: 20, autoConfirmDays: 0, redisUrl: redis.url, databaseUrl: withDatabase(pg.url(), 'huigong_fault') }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    m = await buildMarket(t, { members: SHOPPERS, points: 150_000, stock: 5_000, priceFen: 100, tag: 'PG' });
  });

  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await redis?.stop();
    await pg?.destroy();
  });

  it('recovers without a restart of the API and loses no acknowledged checkout', async () => {
    const outcomes: Outcome[] = [];
    const failures: Record<string, number> = {};
    let stopping = false;
    let succeeded = 0;

    // each shopper checks out again and again; an attempt without a 201 is retried with the same key
    const shopper = async (i: number) => {
      const who = m.members[i];
      for (let n = 1; !stopping; n++) {
        const key = `pg-restart-${i}-${n}`;
        for (let attempt = 1; ; attempt++) {
          let status = 0;
          let body: Outcome['body'];
          try {
            const res = await t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key).timeout(15_000).send({ lines: [{ skuId: m.sku.skuId, quantity: 1 }], address: FAULT_ADDRESS });
            status = res.status;
            body = res.body;
            if (status !== 201) failures[`${status} ${res.body?.error?.code ?? ''}`] = (failures[`${status} ${res.body?.error?.code ?? ''}`] ?? 0) + 1;
            if (status === 503) expect(res.headers['retry-after']).toBe('1');
          } catch (err) {
            failures[(err as Error).message] = (failures[(err as Error).message] ?? 0) + 1;
          }
          if (status === 201) {
            outcomes.push({ key, memberId: who.memberId, status, body });
            succeeded++;
            break;
          }
          // a refusal for business reasons would be a bug here (enough stock and points for all)
          if ((status >= 400 && status < 500) || status === 500) throw new Error(`checkout ${key} answered ${status} ${JSON.stringify(body)}`);
          if (attempt > 600) throw new Error(`checkout ${key} never succeeded: ${JSON.stringify(failures)}`);
          await new Promise((r) => setTimeout(r, 50)); // pacing of the client's retries, not synchronisation
        }
      }
    };
    const crowd = Array.from({ length: SHOPPERS }, (_, i) => shopper(i));
    const crowdDone = Promise.all(crowd);
    crowdDone.catch(() => undefined);
    try {
      await eventually(async () => succeeded >= 40, 60_000, '40 checkouts before the crash');
      await pg.stop('immediate');
      const beforeRestart = succeeded;
      await eventually(async () => (await t.http.get('/health/ready')).status === 503, 10_000, '/health/ready to report postgres down');
      const down = await t.http.get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.body.down).toContain('postgres');
      await pg.start();
      // the same API process serves checkouts again
      await eventually(async () => succeeded >= beforeRestart + 60, 90_000, `60 checkouts after the restart (failures so far: ${JSON.stringify(failures)})`);
    } finally {
      stopping = true;
      await crowdDone;
    }
    // the crash was felt, and felt as "unavailable, retry" (503 + Retry-After), never as a 500
    expect(failures['503 DATABASE_UNAVAILABLE']).toBeGreaterThan(0);
    expect(Object.keys(failures).filter((f) => f !== '503 DATABASE_UNAVAILABLE' && !/ECONNRESET|socket hang up|Timeout/i.test(f))).toEqual([]);

    await eventually(async () => (await t.http.get('/health/ready')).status === 200, 30_000, '/health/ready to answer 200');
    // every acknowledged checkout is there once; no key produced two
    expect(new Set(outcomes.map((o) => o.body!.checkoutId)).size).toBe(outcomes.length);
    const counts = await assertMarketIntegrity(ds, m, outcomes, 'PostgreSQL restart');
    const [{ keys }] = await ds.query(`SELECT count(*)::int AS keys FROM idempotency_requests WHERE scope = 'checkout' AND key LIKE 'pg-restart-%'`);
    expect({ checkouts: counts.checkouts, keys }).toEqual({ checkouts: outcomes.length, keys: outcomes.length });
    // the worker recovered too: a delivered order's auto-confirm job goes outbox → BullMQ → worker → PostgreSQL
    const orderId = outcomes[outcomes.length - 1].body!.orders![0].id;
    await t.http.post(`/api/v1/supplier/orders/${orderId}/accept`).set(bearer(m.supplier.token)).send({}).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${orderId}/ship`).set(bearer(m.supplier.token)).send({ carrier: '中国邮政', trackingNo: 'EMS0001' }).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${orderId}/deliver`).set(bearer(m.supplier.token)).send({}).expect(200);
    await eventually(async () => (await ds.query(`SELECT 1 FROM orders WHERE id = $1 AND state = 'completed'`, [orderId])).length > 0, 30_000, 'the auto-confirm job after the restart');
    // and its sealing loop: everything gets sealed, and the ledger verifies
    const verifier = t.app.get(LedgerVerifier);
    const verification = await eventually(
      async () => {
        const v = await verifier.verify({ record: false });
        return v.unsealed === 0 ? v : null;
      },
      60_000,
      'the worker to seal every entry',
    );
    expect(verification.firstProblem ?? null).toBeNull();
    expect(verification.ok).toBe(true);
  }, 240_000);
});
