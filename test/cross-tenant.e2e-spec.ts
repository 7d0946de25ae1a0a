import { randomUUID } from 'node:crypto';
import { changedTables, tableChecksums } from './support/db-checksum';
import { activateMembers, createUnion, UnionCtx } from './support/ordering-fixture';
import { bearer, startTestApp, TestApp, testConfig } from './support/test-app';

/**
 * Cross-tenant attempts the other suites do not cover end to end: another union's members, another
 * member's order and receipt, another supplier's order. Each must answer 403 OUT_OF_SCOPE, change
 * nothing, and leave one `cross_tenant_refused` security event per attempt naming who tried.
 */
describe('cross-tenant attempts are refused and logged (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let unionA: UnionCtx; // the demo union
  let unionB: UnionCtx;
  let memberOfA: string;
  let orderOfA: string;
  let workerA: string;
  let otherMember: { token: string; userId: string };
  let otherSupplier: { token: string; userId: string };

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 30 }) });
    admin = await t.login('admin');
    workerA = await t.login('worker');
    const [{ id }] = await t.dataSource.query(`SELECT organization_id AS id FROM users WHERE username = 'union-admin'`);
    unionA = { unionId: id, adminToken: await t.login('union-admin') };
    unionB = await createUnion(t, admin, '青岛啤酒厂工会', 1_000_000);
    [{ id: memberOfA }] = await t.dataSource.query(`SELECT id FROM members WHERE union_id = $1 AND user_id IS NULL ORDER BY employee_no LIMIT 1`, [id]);
    // another member of the same union, activated with their code
    const [{ employee_no }] = await t.dataSource.query(`SELECT employee_no FROM members WHERE union_id = $1 AND user_id IS NULL ORDER BY employee_no DESC LIMIT 1`, [id]);
    const [m] = await activateMembers(t, unionA, [employee_no]);
    otherMember = { token: m.token, userId: m.userId };
    // an order of the demo worker
    const skus: { id: string; org: string }[] = await t.dataSource.query(
      `SELECT k.id, s.organization_id AS org FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = k.supplier_id
        WHERE p.status = 'active' AND k.stock > 0 AND k.price_fen <= 20000 ORDER BY k.price_fen LIMIT 60`,
    );
    let orderSupplierOrg: string | undefined;
    for (const sku of skus) {
      const res = await t.http
        .post('/api/v1/checkout')
        .set(bearer(workerA))
        .set('Idempotency-Key', randomUUID())
        .send({ lines: [{ skuId: sku.id, quantity: 1 }], address: { recipient: '王师傅', phone: '13805320001', regionCode: '370202', detail: '青岛市市南区香港中路 1 号' } });
      if (res.status === 201) {
        orderOfA = res.body.orders[0].id;
        orderSupplierOrg = sku.org;
        break;
      }
    }
    expect(orderOfA).toBeDefined();
    // staff of a supplier that is not the order's
    const [{ org }] = await t.dataSource.query(`SELECT organization_id AS org FROM suppliers WHERE organization_id <> $1 AND status = 'approved' ORDER BY id LIMIT 1`, [orderSupplierOrg]);
    const staff = { organizationId: org, username: 'other-supplier-staff', displayName: '别家发货员', password: 'other-supplier-pw', roles: ['supplier_staff'] };
    const created = await t.http.post('/api/v1/users').set(bearer(admin)).send(staff);
    expect(created.status).toBe(201);
    otherSupplier = { token: await t.login(staff.username, staff.password), userId: created.body.id };
  }, 120_000);
  afterAll(() => t.close());

  const events = async (userId: string) =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused' AND user_id = $1`, [userId]))[0].n as number;
  const userIdOf = async (token: string) => (await t.http.get('/api/v1/me').set(bearer(token))).body.id as string;

  type Attempt = [method: 'get' | 'post' | 'patch', path: string, body?: unknown, contentType?: string];

  /** Every attempt is a 403 OUT_OF_SCOPE and one logged event; only security_events changes. */
  async function refusedAndLogged(token: string, attempts: Attempt[]) {
    const userId = await userIdOf(token);
    const before = await tableChecksums(t.dataSource, ['migrations', 'security_events']);
    const logged = await events(userId);
    const wrong: string[] = [];
    for (const [method, path, body, contentType] of attempts) {
      const req = t.http[method](`/api/v1${path}`).set(bearer(token)).set('Idempotency-Key', randomUUID());
      if (contentType) req.set('Content-Type', contentType);
      const res = method === 'get' ? await req : await req.send(body as object);
      if (res.status !== 403 || res.body?.error?.code !== 'OUT_OF_SCOPE') wrong.push(`${method.toUpperCase()} ${path} → ${res.status} ${res.body?.error?.code}`);
    }
    expect(wrong).toEqual([]);
    expect(await events(userId)).toBe(logged + attempts.length);
    expect(changedTables(before, await tableChecksums(t.dataSource, ['migrations', 'security_events']))).toEqual([]);
  }

  it("refuses another union's admin every look at and change of this union's members", async () => {
    const a = unionA.unionId;
    await refusedAndLogged(unionB.adminToken, [
      ['get', `/unions/${a}/members`],
      ['get', `/unions/${a}/members/${memberOfA}`],
      ['patch', `/unions/${a}/members/${memberOfA}`, { name: '冒名' }],
      ['post', `/unions/${a}/members/${memberOfA}/leave`, { reason: '越权操作测试' }],
      ['post', `/unions/${a}/members/import`, 'employee_no,name,phone\nX1,冒名,13900000000\n', 'text/csv'],
      ['get', `/unions/${a}/activation-codes.csv`],
    ]);
  });

  it("refuses another member the order, its receipt, and acting on it", async () => {
    await refusedAndLogged(otherMember.token, [
      ['get', `/me/orders/${orderOfA}`],
      ['get', `/me/orders/${orderOfA}/receipt`],
      ['post', `/me/orders/${orderOfA}/cancel`, {}],
      ['post', `/me/orders/${orderOfA}/confirm`, {}],
    ]);
    // and the owner still sees it as it was
    const own = await t.http.get(`/api/v1/me/orders/${orderOfA}`).set(bearer(workerA));
    expect(own.status).toBe(200);
    expect(own.body.state).toBe('placed');
  });

  it("refuses another supplier the order and every fulfilment step on it", async () => {
    await refusedAndLogged(otherSupplier.token, [
      ['get', `/supplier/orders/${orderOfA}`],
      ['post', `/supplier/orders/${orderOfA}/accept`, {}],
      ['post', `/supplier/orders/${orderOfA}/reject`, { reason: '越权拒单测试' }],
    ]);
  });
});
