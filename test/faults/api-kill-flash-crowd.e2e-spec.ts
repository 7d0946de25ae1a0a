import { LedgerVerifier } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { assertMarketIntegrity, buildMarket, FAULT_ADDRESS, FaultMarket, Outcome } from '../support/fault-market';
import { soldOf, stockOf } from '../support/ordering-fixture';
import { ChildApp, freePort, PrivateRedis } from '../support/processes';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from '../support/test-app';

const MEMBERS = 40;
const STOCK = 60;
const WANTS = 3; // checkouts per member: 120 wanted, 60 in stock

/**
 * Fault: the API process is killed (SIGKILL) in the middle of a flash crowd. The crowd talks to a
 * real API process over HTTP; it is killed once 25 checkouts succeeded, with others in flight.
 * Afterwards (and after the clients retried their unanswered requests, same Idempotency-Key,
 * against a new API process): the ledger verifies, stock + sold = the initial stock, every
 * member's points add up, every 2xx has its data, and nobody paid twice.
 */
describe('fault: API killed during a flash crowd (e2e, real API processes, private redis-server)', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let m: FaultMarket;
  const children: ChildApp[] = [];

  const startApi = async () => {
    const port = await freePort();
    const c = ChildApp.spawn('api-child.ts', { DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, QUEUE_PREFIX: t.config.queuePrefix, PORT: String(port), LOGIN_RATE_LIMIT: '1000' });
    children.push(c);
    await c.waitFor(/listening/, 90_000);
    return { child: c, url: `http://127.0.0.1:${port}` };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    t = await startTestApp({ config: testConfig({ demoProducts: 20, redisUrl: redis.url }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    m = await buildMarket(t, { members: MEMBERS, points: 50_000, stock: STOCK, priceFen: 1_000, tag: 'SK' });
  });

  afterAll(async () => {
    for (const c of children) await c.kill9();
    await worker?.close();
    await t?.close();
    await redis?.stop();
  });

  it('keeps the ledger, stock and points whole when the API dies mid-crowd', async () => {
    // the replacement process boots alongside (it takes no traffic until the first one is dead)
    const [api, again] = await Promise.all([startApi(), startApi()]);
    const outcomes: Outcome[] = [];
    const unanswered: { key: string; who: (typeof m.members)[number] }[] = [];
    let succeeded = 0;
    const send = (url: string, who: (typeof m.members)[number], key: string) =>
      request(url).post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key).timeout(30_000).send({ lines: [{ skuId: m.sku.skuId, quantity: 1 }], address: FAULT_ADDRESS });

    const member = async (i: number) => {
      const who = m.members[i];
      for (let n = 1; n <= WANTS; n++) {
        const key = `flash-${i}-${n}`;
        try {
          const res = await send(api.url, who, key);
          outcomes.push({ key, memberId: who.memberId, status: res.status, body: res.body });
          if (res.status === 201) succeeded++;
          else if (!(res.status === 409 && res.body.error.code === 'OUT_OF_STOCK')) throw new Error(`${key}: ${res.status} ${JSON.stringify(res.body)}`);
        } catch (err) {
          if (/: \d{3} /.test((err as Error).message)) throw err;
          // the server died under this request (or refused the connection): the client will retry it
          unanswered.push({ key, who });
          return;
        }
      }
    };
    const crowd = Promise.all(Array.from({ length: MEMBERS }, (_, i) => member(i)));
    crowd.catch(() => undefined);
    await eventually(async () => succeeded >= 25, 90_000, `25 checkouts (output: ${api.child.output})`);
    expect(await api.child.kill9()).toBe('SIGKILL');
    await crowd;
    const answeredBeforeKill = outcomes.length;
    expect(unanswered.length).toBeGreaterThan(0);
    expect(succeeded).toBeLessThan(STOCK);

    // the killed process's transactions end with its connections (rolled back, or committed if COMMIT was already sent)
    await eventually(
      async () => (await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`))[0].n === 0,
      30_000,
      'the killed API’s sessions to end',
    );
    // right after the crash, before anyone retries: whatever was answered 2xx is there, and it all adds up
    await assertMarketIntegrity(ds, m, outcomes, 'kill -9 of the API');

    // the clients retry what went unanswered against a new API process, with the same keys
    for (const { key, who } of unanswered) {
      const res = await send(again.url, who, key);
      expect([201, 409]).toContain(res.status);
      if (res.status === 409) expect(res.body.error.code).toBe('OUT_OF_STOCK');
      outcomes.push({ key, memberId: who.memberId, status: res.status, body: res.body });
    }
    expect(outcomes.length).toBe(answeredBeforeKill + unanswered.length);

    const ok = outcomes.filter((o) => o.status === 201);
    const counts = await assertMarketIntegrity(ds, m, outcomes, 'the retries');
    // nobody paid twice: one checkout per successful key, and nothing else
    expect(counts.checkouts).toBe(ok.length);
    expect(new Set(ok.map((o) => o.body!.checkoutId)).size).toBe(ok.length);
    expect((await stockOf(ds, m.sku.skuId)) + (await soldOf(ds, m.sku.skuId))).toBe(STOCK);
    expect(await soldOf(ds, m.sku.skuId)).toBe(ok.length);

    // the ledger verifies: here, and through the auditor's API on the new process
    const auditor = (await request(again.url).post('/api/v1/auth/login').send({ username: 'auditor', password: 'huigong-demo' }).expect(200)).body.accessToken;
    const verified = await request(again.url).get('/api/v1/audit/ledger/verify').set(bearer(auditor)).expect(200);
    expect(verified.body).toMatchObject({ ok: true });
    const verification = await t.app.get(LedgerVerifier).verify({ record: false });
    expect(verification.firstProblem ?? null).toBeNull();
    expect(verification.ok).toBe(true);
  }, 240_000);
});
