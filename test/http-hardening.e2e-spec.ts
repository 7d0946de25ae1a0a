import { RateLimiter } from '@huigong/common';
import { bearer, startTestApp, TestApp, testConfig } from './support/test-app';

const ADDRESS = { recipient: '王建国', phone: '13805320001', regionCode: '370202', detail: '青岛市市南区香港中路 1 号' };
const NO_SUCH_SKU = '00000000-0000-4000-8000-000000000001';

describe('HTTP hardening: body limits, security headers, checkout rate limits (e2e)', () => {
  let t: TestApp;
  let workerA: string;
  let workerB: string;

  beforeAll(async () => {
    t = await startTestApp({
      config: testConfig({}, { CHECKOUT_RATE_LIMIT_USER: '3', CHECKOUT_RATE_LIMIT_IP: '5', CHECKOUT_RATE_WINDOW_SECONDS: '120', BODY_LIMIT: '64kb' }),
    });
    const admin = await t.login('admin');
    workerA = await t.login('worker');
    const [{ organization_id }] = await t.dataSource.query(`SELECT organization_id FROM users WHERE username = 'worker'`);
    await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ organizationId: organization_id, username: 'second-worker', displayName: '李师傅', password: 'second-worker-pw', roles: ['worker'] })
      .expect(201);
    workerB = await t.login('second-worker', 'second-worker-pw');
  });
  afterAll(() => t.close());

  const expectErrorShape = (body: { error?: { code?: unknown; message?: unknown } }, code: string) => {
    expect(body.error?.code).toBe(code);
    expect(typeof body.error?.message).toBe('string');
  };

  describe('body limits', () => {
    it('refuses a JSON body over BODY_LIMIT with 413 and the error shape', async () => {
      const res = await t.http.post('/api/v1/auth/login').send({ username: 'worker', password: 'x'.repeat(70 * 1024) });
      expect(res.status).toBe(413);
      expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
    });

    it('refuses a CSV upload over the 20 MB text limit with 413', async () => {
      const admin = await t.login('union-admin');
      const [{ id }] = await t.dataSource.query(`SELECT organization_id AS id FROM users WHERE username = 'union-admin'`);
      const before = await t.dataSource.query(`SELECT count(*)::int AS n FROM members`);
      const line = '10000001,职工,13700000000,一车间,2018-03-01\n';
      const res = await t.http
        .post(`/api/v1/unions/${id}/members/import`)
        .set(bearer(admin))
        .set('Content-Type', 'text/csv')
        .send('employee_no,name,phone,group,join_date\n' + line.repeat(Math.ceil((21 * 1024 * 1024) / line.length)));
      expect(res.status).toBe(413);
      expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM members`)).toEqual(before);
    });

    it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
      const res = await t.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"username": "worker", ');
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'MALFORMED_JSON');
    });
  });

  describe('security headers', () => {
    it('sets a closed CSP, nosniff, frame and HSTS headers on API answers, and no X-Powered-By', async () => {
      for (const res of [await t.http.get('/health'), await t.http.get('/api/v1/me').set(bearer(workerA)), await t.http.get('/api/v1/no-such-route')]) {
        expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
        expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('gives the API documentation a CSP that still forbids framing and foreign scripts', async () => {
      const res = await t.http.get('/docs/').redirects(1);
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self' 'unsafe-inline'/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('answers an error on a CSV download as JSON, not as an attachment', async () => {
      const res = await t.http.get('/api/v1/unions/00000000-0000-4000-8000-000000000000/activation-codes.csv').set(bearer(workerA));
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.body.error.code).toBe('FORBIDDEN');
    });
  });

  describe('checkout rate limits', () => {
    const checkout = (token: string, key: string) =>
      t.http.post('/api/v1/checkout').set(bearer(token)).set('Idempotency-Key', key).send({ lines: [{ skuId: NO_SUCH_SKU, quantity: 1 }], address: ADDRESS });
    const counts = async () => (await t.dataSource.query(`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM ledger_entries)::int AS entries`))[0];

    it('refuses a member over CHECKOUT_RATE_LIMIT_USER, then the address over CHECKOUT_RATE_LIMIT_IP, with 429 and Retry-After', async () => {
      const before = await counts();
      // member A: three checkouts reach the service (refused there for the unknown SKU), the fourth is throttled
      for (let i = 0; i < 3; i++) expect((await checkout(workerA, `rl-a-${i}`)).status).toBe(422);
      const overUser = await checkout(workerA, 'rl-a-3');
      expect(overUser.status).toBe(429);
      expectErrorShape(overUser.body, 'RATE_LIMITED');
      expect(overUser.body.error.details.scope).toEqual(['checkout-user']);
      const wait = Number(overUser.headers['retry-after']);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(120);

      // worker B (not on a roster, so the service refuses them) has their own allowance, but the address has now seen 4 of its 5
      const underIp = await checkout(workerB, 'rl-b-0');
      expect(underIp.status).toBe(403);
      expect(underIp.body.error.code).not.toBe('RATE_LIMITED');
      const overIp = await checkout(workerB, 'rl-b-1');
      expect(overIp.status).toBe(429);
      expect(overIp.body.error.details.scope).toEqual(['checkout-ip']);
      expect(Number(overIp.headers['retry-after'])).toBeGreaterThan(0);
      expect(await counts()).toEqual(before);
    });

    it('does not count requests the validation refuses', async () => {
      const res = await t.http.post('/api/v1/checkout').set(bearer(workerB)).set('Idempotency-Key', 'rl-bad').send({ lines: 'none' });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
    });
  });
});

describe('rate limiter while Redis is unreachable', () => {
  it('lets requests through within about RATE_LIMIT_TIMEOUT_MS instead of blocking', async () => {
    // nothing listens on port 1: the limiter must fail open, and fast
    const limiter = new RateLimiter(testConfig({}, { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_TIMEOUT_MS: '150' }));
    try {
      for (let i = 0; i < 3; i++) {
        const start = Date.now();
        await expect(limiter.hitLimits([{ key: 'checkout-user:x', limit: 1 }], 60)).resolves.toBeUndefined();
        expect(Date.now() - start).toBeLessThan(1500);
      }
    } finally {
      limiter.onModuleDestroy();
    }
  });
});

describe('login rate limits per username and per address, behind a trusted proxy (e2e)', () => {
  let t: TestApp;
  const saved = process.env.TRUST_PROXY;
  beforeAll(async () => {
    process.env.TRUST_PROXY = 'true'; // so X-Forwarded-For stands for distinct client addresses
    t = await startTestApp({ config: testConfig({}, { LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '120' }) });
  });
  afterAll(async () => {
    process.env.TRUST_PROXY = saved;
    await t.close();
  });
  const login = (username: string, ip: string, password = 'wrong-password') => t.http.post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ username, password });

  it('throttles one username guessed from many addresses', async () => {
    for (let i = 0; i < 3; i++) expect((await login('worker', `203.0.113.${i + 1}`)).status).toBe(401);
    const res = await login('worker', '203.0.113.50', 'huigong-demo');
    expect(res.status).toBe(429);
    expect(res.body.error.details.scope).toEqual(['login-user']);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('throttles one address trying many usernames, and leaves other addresses alone', async () => {
    for (const u of ['a1', 'a2', 'a3']) expect((await login(u, '198.51.100.7')).status).toBe(401);
    const res = await login('auditor', '198.51.100.7', 'huigong-demo');
    expect(res.status).toBe(429);
    expect(res.body.error.details.scope).toEqual(['login-ip']);
    expect((await login('auditor', '198.51.100.8', 'huigong-demo')).status).toBe(200);
  });
});
