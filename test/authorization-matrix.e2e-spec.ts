import { ALL_ROLES, Role } from '@huigong/common';
import { JwtService } from '@nestjs/jwt';
import { bearer, startTestApp, TestApp } from './support/test-app';
import { concretePath, RouteInfo, routeInventory } from './support/route-inventory';

/**
 * Every route × every role, plus no token, an expired token and a disabled user's token, checked
 * against the roles each route declares. Generated from the routes themselves: a new route is in
 * the matrix without anyone adding it.
 */
describe('authorization matrix (e2e)', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  const tokens = new Map<Role, string>();
  let expired: string;
  let disabled: string;

  const USERS: Record<Role, string> = {
    [Role.PlatformAdmin]: 'admin',
    [Role.UnionAdmin]: 'union-admin',
    [Role.Worker]: 'worker',
    [Role.SupplierStaff]: 'supplier',
    [Role.Auditor]: 'auditor',
  };

  beforeAll(async () => {
    t = await startTestApp();
    routes = routeInventory(t.app);
    for (const role of ALL_ROLES) tokens.set(role, await t.login(USERS[role]));
    const [worker] = await t.dataSource.query(`SELECT id FROM users WHERE username = 'worker'`);
    expired = await t.app.get(JwtService).signAsync({ sub: worker.id, typ: 'access', exp: Math.floor(Date.now() / 1000) - 60 });
    // a second worker, disabled after login: the token they hold must stop working
    const [union] = await t.dataSource.query(`SELECT organization_id FROM users WHERE username = 'worker'`);
    await t.http
      .post('/api/v1/users')
      .set(bearer(tokens.get(Role.PlatformAdmin)!))
      .send({ organizationId: union.organization_id, username: 'soon-disabled', displayName: '待停用', password: 'long-enough-pw', roles: ['worker'] })
      .expect(201);
    disabled = await t.login('soon-disabled', 'long-enough-pw');
    await t.dataSource.query(`UPDATE users SET disabled_at = now() WHERE username = 'soon-disabled'`);
  });
  afterAll(() => t.close());

  const send = (r: RouteInfo, token?: string) => {
    const req = t.http[r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](concretePath(r.path));
    if (token) req.set(bearer(token));
    return r.method === 'GET' || r.method === 'DELETE' ? req : req.send({});
  };

  it('finds the routes, and every one declares its roles or is public', () => {
    expect(routes.length).toBeGreaterThan(10);
    const undeclared = routes.filter((r) => !r.isPublic && !r.roles?.length).map((r) => `${r.method} ${r.path} (${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('refuses every protected route without a token, with an expired token and with a disabled user’s token', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => !x.isPublic)) {
      for (const [label, token] of [['none', undefined], ['expired', expired], ['disabled', disabled]] as const) {
        const res = await send(r, token);
        if (res.status !== 401 || res.body?.error?.code !== 'UNAUTHORIZED') wrong.push(`${label}: ${r.method} ${r.path} → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers each role exactly as the route declares', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => !x.isPublic)) {
      for (const role of ALL_ROLES) {
        const res = await send(r, tokens.get(role));
        const code = res.body?.error?.code;
        const allowed = r.roles!.includes(role);
        const write = !['GET', 'HEAD', 'OPTIONS'].includes(r.method);
        if (role === Role.Auditor && write) {
          if (res.status !== 403 || code !== 'AUDITOR_READ_ONLY') wrong.push(`auditor write ${r.method} ${r.path} → ${res.status} ${code}`);
        } else if (!allowed) {
          if (res.status !== 403 || code !== 'FORBIDDEN') wrong.push(`${role} ${r.method} ${r.path} → ${res.status} ${code} (should be refused)`);
        } else if (res.status === 401 || (res.status === 403 && code === 'FORBIDDEN') || res.status >= 500) {
          // allowed: the guard lets it through; the route may still refuse the empty body or the unknown id
          wrong.push(`${role} ${r.method} ${r.path} → ${res.status} ${code} (should pass the guard)`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
