import { bearer, startTestApp, TestApp, testConfig } from './support/test-app';

describe('foundation: health, auth, roles, scoping, errors (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let unionAdmin: string;
  let worker: string;
  let supplier: string;
  let auditor: string;

  beforeAll(async () => {
    t = await startTestApp();
    [admin, unionAdmin, worker, supplier, auditor] = await Promise.all(['admin', 'union-admin', 'worker', 'supplier', 'auditor'].map((u) => t.login(u)));
  });
  afterAll(() => t.close());

  it('answers liveness and readiness, with a request id header', async () => {
    const live = await t.http.get('/health').expect(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/health/ready').set('X-Request-Id', 'probe-1').expect(200);
    expect(ready.body.checks.postgres.ok).toBe(true);
    expect(ready.body.checks.redis.ok).toBe(true);
    // the catalog's search pool (connections of its own)
    expect(ready.body.checks['catalog-search'].ok).toBe(true);
    expect(ready.headers['x-request-id']).toBe('probe-1');
  });

  it('logs in, refreshes (rotating the refresh token) and refuses a reused refresh token', async () => {
    const login = await t.http.post('/api/v1/auth/login').send({ username: 'worker', password: 'huigong-demo' }).expect(200);
    expect(login.body.accessToken).toEqual(expect.any(String));
    expect(login.body.user.roles).toEqual(['worker']);
    const me = await t.http.get('/api/v1/me').set(bearer(login.body.accessToken)).expect(200);
    expect(me.body.username).toBe('worker');
    const refreshed = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
    expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);
    await t.http.get('/api/v1/me').set(bearer(refreshed.body.accessToken)).expect(200);
    const reuse = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(401);
    expect(reuse.body.error.code).toBe('INVALID_REFRESH_TOKEN');
    // reuse revoked the whole family, including the newer token
    await t.http.post('/api/v1/auth/refresh').send({ refreshToken: refreshed.body.refreshToken }).expect(401);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await t.http.post('/api/v1/auth/login').send({ username: 'worker', password: 'nope' }).expect(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    const unknown = await t.http.post('/api/v1/auth/login').send({ username: 'nobody', password: 'nope' }).expect(401);
    expect(unknown.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses requests without a valid token', async () => {
    expect((await t.http.get('/api/v1/me').expect(401)).body.error.code).toBe('UNAUTHORIZED');
    await t.http.get('/api/v1/me').set(bearer('not.a.token')).expect(401);
  });

  it('enforces each route’s declared roles', async () => {
    const res = await t.http.post('/api/v1/organizations').set(bearer(worker)).send({ type: 'union', name: 'x' }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['platform_admin'] } });
    await t.http.get('/api/v1/users').set(bearer(supplier)).expect(403);
  });

  it('lets an auditor read everything and change nothing', async () => {
    const users = await t.http.get('/api/v1/users').set(bearer(auditor)).expect(200);
    expect(users.body.total).toBeGreaterThanOrEqual(5);
    const res = await t.http.post('/api/v1/organizations').set(bearer(auditor)).send({ type: 'union', name: '审计不能建' }).expect(403);
    expect(res.body.error.code).toBe('AUDITOR_READ_ONLY');
    const count = await t.dataSource.query(`SELECT count(*)::int AS n FROM organizations WHERE name = '审计不能建'`);
    expect(count[0].n).toBe(0);
  });

  it('scopes a union admin to their union and the unions below it', async () => {
    const orgs = await t.http.get('/api/v1/organizations?type=union').set(bearer(admin)).expect(200);
    const federation = orgs.body.items.find((o: { name: string }) => o.name === '青岛市总工会');
    const own = orgs.body.items.find((o: { name: string }) => o.name === '青岛港集团工会');
    // a sub-union under the union admin's union, and a sibling union elsewhere
    const sub = await t.http.post('/api/v1/organizations').set(bearer(admin)).send({ type: 'union', name: '装卸一队分会', parentId: own.id }).expect(201);
    const other = await t.http.post('/api/v1/organizations').set(bearer(admin)).send({ type: 'union', name: '青岛啤酒厂工会', parentId: federation.id }).expect(201);

    const mine = await t.http.get('/api/v1/organizations').set(bearer(unionAdmin)).expect(200);
    const names = mine.body.items.map((o: { name: string }) => o.name).sort();
    expect(names).toEqual(['装卸一队分会', '青岛港集团工会'].sort());
    await t.http.get(`/api/v1/organizations/${sub.body.id}`).set(bearer(unionAdmin)).expect(200);
    const refused = await t.http.get(`/api/v1/organizations/${other.body.id}`).set(bearer(unionAdmin)).expect(403);
    expect(refused.body.error.code).toBe('OUT_OF_SCOPE');
    const logged = await t.dataSource.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused'`);
    expect(logged[0].n).toBeGreaterThan(0);

    // a union admin creates a worker below their union, but not in another union
    await t.http
      .post('/api/v1/users')
      .set(bearer(unionAdmin))
      .send({ organizationId: sub.body.id, username: 'li.lei', displayName: '李雷', password: 'long-enough-pw', roles: ['worker'] })
      .expect(201);
    await t.http
      .post('/api/v1/users')
      .set(bearer(unionAdmin))
      .send({ organizationId: other.body.id, username: 'han.mei', displayName: '韩梅', password: 'long-enough-pw', roles: ['worker'] })
      .expect(403);
    const list = await t.http.get('/api/v1/users').set(bearer(unionAdmin)).expect(200);
    expect(list.body.items.map((u: { username: string }) => u.username)).not.toContain('admin');
    expect(list.body.items.map((u: { username: string }) => u.username)).toContain('li.lei');
  });

  it('lists every invalid field in one error', async () => {
    const res = await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ organizationId: 'nope', username: '!', password: 'short', roles: ['king'], extra: true })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['displayName', 'extra', 'organizationId', 'password', 'roles[0]', 'username'].sort().map((f) => (f === 'roles[0]' ? expect.stringMatching(/^roles/) : f)));
  });

  it('maps malformed JSON and unique violations to 4xx with the error shape', async () => {
    const bad = await t.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"username":').expect(400);
    expect(bad.body.error.code).toBe('MALFORMED_JSON');
    const [platform] = await t.dataSource.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    const dup = await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ organizationId: platform.id, username: 'ADMIN', displayName: 'x', password: 'long-enough-pw', roles: ['platform_admin'] })
      .expect(409);
    expect(dup.body.error.code).toBe('USERNAME_TAKEN');
  });

  it('stops a disabled user’s token at once', async () => {
    const me = await t.http.get('/api/v1/me').set(bearer(supplier)).expect(200);
    await t.http.post(`/api/v1/users/${me.body.id}/disable`).set(bearer(admin)).expect(200);
    await t.http.get('/api/v1/me').set(bearer(supplier)).expect(401);
    const login = await t.http.post('/api/v1/auth/login').send({ username: 'supplier', password: 'huigong-demo' }).expect(401);
    expect(login.body.error.code).toBe('USER_DISABLED');
    await t.http.post(`/api/v1/users/${me.body.id}/enable`).set(bearer(admin)).expect(200);
    await t.http.get('/api/v1/me').set(bearer(supplier)).expect(200);
  });

  it('serves an OpenAPI document where every operation states its roles', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, { 'x-roles'?: string[] }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, roles: op['x-roles'] })),
    );
    expect(ops.length).toBeGreaterThan(8);
    expect(ops.filter((o) => !o.roles?.length)).toEqual([]);
    expect(doc.paths['/api/v1/auth/login'].post).toBeDefined();
  });

  it('keeps the queue dashboard for platform admins', async () => {
    await t.http.get('/admin/queues').expect(401);
    await t.http.get('/admin/queues').set(bearer(worker)).expect(403);
    await t.http.get('/admin/queues').set(bearer(admin)).expect(200);
  });

  it('sets security headers', async () => {
    const res = await t.http.get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('login rate limit (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' }) });
  });
  afterAll(() => t.close());

  it('refuses the fourth attempt within the window with 429', async () => {
    for (let i = 0; i < 3; i++) await t.http.post('/api/v1/auth/login').send({ username: 'worker', password: 'wrong' }).expect(401);
    const res = await t.http.post('/api/v1/auth/login').send({ username: 'worker', password: 'huigong-demo' }).expect(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
  });
});

describe('readiness when Redis is down (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { REDIS_URL: 'redis://127.0.0.1:1' }), seed: false });
  });
  afterAll(() => t.close());

  it('returns 503 naming redis', async () => {
    const res = await t.http.get('/health/ready').expect(503);
    expect(res.body.down).toEqual(['redis']);
    expect(res.body.checks.postgres.ok).toBe(true);
  });
});
