import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AuthService } from '@huigong/identity';
import { createApiApp } from '../apps/api/src/create-api-app';
import { bearer, startTestApp, TestApp } from './support/test-app';

/**
 * The guard's user cache (libs/identity AuthUserCache): a known user's requests cost no query of their
 * own, yet disabling a user, changing their roles or moving them takes effect on their next request in
 * every API process — also when the change comes straight from SQL (a script, another service).
 */
describe('identity: cached users on the request path (e2e)', () => {
  let t: TestApp;
  let other: NestExpressApplication;
  let otherHttp: ReturnType<typeof request>;
  let admin: string;
  let userId: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    ({ app: other } = await createApiApp(t.config));
    other.useLogger(false);
    await other.init();
    otherHttp = request(other.getHttpServer());
    admin = await t.login('admin');
    const [union] = await t.dataSource.query(`SELECT id FROM organizations WHERE type = 'union' ORDER BY name LIMIT 1`);
    const created = await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ organizationId: union.id, username: 'cached-worker', displayName: '缓存工人', password: 'long-enough-pw', roles: ['worker'] })
      .expect(201);
    userId = created.body.id;
    token = await t.login('cached-worker', 'long-enough-pw');
  });
  afterAll(async () => {
    await other?.close();
    await t.close();
  });

  it('keeps the version (and the cached users) through changes the guard does not read', async () => {
    await t.http.get('/api/v1/me').set(bearer(token)).expect(200);
    // display names are not part of the authenticated user, so they do not change the version
    const [before] = await t.dataSource.query(`SELECT version FROM cache_versions WHERE name = 'identity'`);
    await t.dataSource.query(`UPDATE users SET display_name = '改名工人' WHERE id = $1`, [userId]);
    const [after] = await t.dataSource.query(`SELECT version FROM cache_versions WHERE name = 'identity'`);
    expect(after.version).toBe(before.version);
  });

  it('refuses a disabled user on the next request, in this process and in another', async () => {
    await t.http.get('/api/v1/me').set(bearer(token)).expect(200);
    await otherHttp.get('/api/v1/me').set(bearer(token)).expect(200);
    await t.http.post(`/api/v1/users/${userId}/disable`).set(bearer(admin)).send({}).expect(200);
    await t.http.get('/api/v1/me').set(bearer(token)).expect(401);
    await otherHttp.get('/api/v1/me').set(bearer(token)).expect(401);
    await t.http.post(`/api/v1/users/${userId}/enable`).set(bearer(admin)).send({}).expect(200);
    await otherHttp.get('/api/v1/me').set(bearer(token)).expect(200);
  });

  it('applies a role change made straight in the database on the next request', async () => {
    const me = await otherHttp.get('/api/v1/me').set(bearer(token)).expect(200);
    expect(me.body.roles).toEqual(['worker']);
    await t.dataSource.query(`UPDATE users SET roles = ARRAY['auditor'] WHERE id = $1`, [userId]);
    const after = await otherHttp.get('/api/v1/me').set(bearer(token)).expect(200);
    expect(after.body.roles).toEqual(['auditor']);
    // an auditor changes nothing: the read-only rule follows the new role at once
    await otherHttp.post(`/api/v1/users/${userId}/disable`).set(bearer(token)).send({}).expect(403);
  });

  it('answers many users at once (their look-ups batched) each as themselves, and refuses the disabled one among them', async () => {
    // twelve users the cache has never seen: their concurrent requests miss together and share look-ups
    const [union] = await t.dataSource.query(`SELECT organization_id FROM users WHERE id = $1`, [userId]);
    const rows: { id: string; username: string }[] = await t.dataSource.query(
      `INSERT INTO users (organization_id, username, display_name, password_hash, roles)
       SELECT $1, 'batch-worker-' || n, '批量工人' || n, 'unused', ARRAY['worker'] FROM generate_series(1, 12) AS n
       RETURNING id, username`,
      [union.organization_id],
    );
    const auth = t.app.get(AuthService);
    const tokens = await Promise.all(rows.map(async (r) => (await auth.issueForUser(r.id)).accessToken));
    await t.dataSource.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [rows[5].id]);
    // asked in one go (as a busy event loop does): they miss together, the first look-up goes alone and the rest gather behind it
    const users = await Promise.all(tokens.map((tk) => auth.authenticate(tk)));
    users.forEach((u, i) => {
      if (i === 5) expect(u).toBeNull();
      else expect(u).toMatchObject({ id: rows[i].id, username: rows[i].username, roles: ['worker'] });
    });
    // and over HTTP, now from the cache
    const answers = await Promise.all(tokens.map((tk) => t.http.get('/api/v1/me').set(bearer(tk))));
    expect(answers.map((a) => a.status)).toEqual(tokens.map((_, i) => (i === 5 ? 401 : 200)));
    expect(answers.filter((a) => a.status === 200).map((a) => a.body.id)).toEqual(rows.filter((_, i) => i !== 5).map((r) => r.id));
  });
});
