import { INestApplicationContext } from '@nestjs/common';
import { buildMarket, FAULT_ADDRESS, FaultMarket } from './support/fault-market';
import { bearer, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

/**
 * The per-member checkout limit refuses new checkouts, but a client retrying one that already went
 * through (same Idempotency-Key, e.g. after a timeout during a database restart) still gets its
 * stored result: the limit protects the database, it must not hide an order from its buyer.
 */
describe('checkout rate limit and retries (e2e)', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let m: FaultMarket;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { CHECKOUT_RATE_LIMIT_USER: '2', CHECKOUT_RATE_WINDOW_SECONDS: '300' }) });
    worker = await startTestWorker(t.config);
    m = await buildMarket(t, { members: 1, points: 10_000, stock: 10, priceFen: 500, tag: 'RL' });
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  it('answers a retry of a placed checkout over the limit, and still refuses new ones', async () => {
    const [member] = m.members;
    const send = (key: string) => t.http.post('/api/v1/checkout').set(bearer(member.token)).set('Idempotency-Key', key).send({ lines: [{ skuId: m.sku.skuId, quantity: 1 }], address: FAULT_ADDRESS });
    const first = await send('rl-1');
    expect(first.status).toBe(201);
    expect((await send('rl-2')).status).toBe(201);
    const third = await send('rl-3');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('RATE_LIMITED');

    const retry = await send('rl-1');
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.checkoutId).toBe(first.body.checkoutId);
    // the refused key was never placed, so retrying it is still a new checkout: refused
    expect((await send('rl-3')).status).toBe(429);
    const [n] = await t.dataSource.query(`SELECT count(*)::int AS checkouts FROM checkouts`);
    expect(n.checkouts).toBe(2);
  });
});
