import { INestApplicationContext } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import {
  activateMembers,
  categories,
  CategoryCtx,
  createSupplier,
  FIXTURE_PASSWORD,
  importMembers,
  listProduct,
  MemberCtx,
  openCampaign,
  SkuCtx,
  SupplierCtx,
  today,
  UnionCtx,
} from './support/ordering-fixture';
import { bearer, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

/**
 * The dashboards over a small market seeded through the API: union A (Qingdao) with its sub-union
 * A1, a sibling union B; a certified local supplier S1 (tea, millet) and an uncertified one S2
 * (seafood); completed, open, cancelled, rejected and returned orders; reviews. Every expected
 * figure below is worked out by hand from the prices and quantities in this file.
 */
const ADDRESS = { recipient: '李师傅', phone: '13805320002', regionCode: '370203', detail: '青岛市市北区辽宁路 8 号' };

// prices (fen)
const TEA = 6_800; // S1, local
const MILLET = 2_500; // S1, local (a subcategory of farm produce)
const SEA_CUCUMBER = 40_000; // S2, not local (S2 has no certification)
const SHRIMP = 9_900; // S2, not local

describe('reports: platform and union dashboards (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let admin: string;
  let auditor: string;
  let workerToken: string;
  let cats: Map<string, CategoryCtx>;
  let A: UnionCtx;
  let A1: UnionCtx;
  let B: UnionCtx;
  let federationId: string;
  let a1: MemberCtx;
  let a2: MemberCtx;
  let c1: MemberCtx;
  let b1: MemberCtx;
  let s1: SupplierCtx;
  let s2: SupplierCtx;
  let tea: SkuCtx;
  let millet: SkuCtx;
  let seaCucumber: SkuCtx;
  let shrimp: SkuCtx;
  let from: string;
  let to: string;
  let uniq = 0;

  /** Onboards a union under `parentId` with an agreement and a deposit; its admin logs in. */
  async function onboard(name: string, parentId: string, regionCode: string | null, depositFen: number): Promise<UnionCtx> {
    const username = `rep-ua-${process.pid}-${++uniq}`;
    const res = await t.http
      .post('/api/v1/unions')
      .set(bearer(admin))
      .send({ name, parentId, ...(regionCode ? { regionCode } : {}), cityRegionCode: '370200', contactName: '赵主席', admin: { username, displayName: `${name}管理员`, password: FIXTURE_PASSWORD } })
      .expect(201);
    const unionId = res.body.id as string;
    const day = await today(ds);
    const year = day.slice(0, 4);
    await t.http
      .post(`/api/v1/unions/${unionId}/agreements`)
      .set(bearer(admin))
      .send({ number: `RPT-${year}-${process.pid}-${uniq}`, signedOn: `${year}-01-02`, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: 10, expectedAmountFen: depositFen, creditLimitFen: 0 })
      .expect(201);
    await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ amountFen: depositFen, bankReference: `RPT-BOC-${process.pid}-${uniq}`, receivedOn: day }).expect(201);
    return { unionId, adminToken: await t.login(username, FIXTURE_PASSWORD) };
  }

  async function checkout(m: MemberCtx, lines: [SkuCtx, number][]) {
    const res = await t.http
      .post('/api/v1/checkout')
      .set(bearer(m.token))
      .set('Idempotency-Key', `reports-${++uniq}`)
      .send({ lines: lines.map(([s, quantity]) => ({ skuId: s.skuId, quantity })), address: ADDRESS })
      .expect(201);
    const orders = res.body.orders as { id: string; supplierId: string; lines: { id: string; skuId: string }[] }[];
    return {
      of: (s: SupplierCtx) => orders.find((o) => o.supplierId === s.supplierId)!,
    };
  }

  async function deliver(orderId: string, s: SupplierCtx) {
    await t.http.post(`/api/v1/supplier/orders/${orderId}/accept`).set(bearer(s.token)).send({}).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${orderId}/ship`).set(bearer(s.token)).send({ carrier: '顺丰速运', trackingNo: `SF${++uniq}` }).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${orderId}/deliver`).set(bearer(s.token)).send({}).expect(200);
  }

  async function complete(order: { id: string }, s: SupplierCtx, m: MemberCtx) {
    await deliver(order.id, s);
    await t.http.post(`/api/v1/me/orders/${order.id}/confirm`).set(bearer(m.token)).send({}).expect(200);
  }

  async function review(m: MemberCtx, order: { id: string; lines: { id: string; skuId: string }[] }, sku: SkuCtx, stars: number) {
    const line = order.lines.find((l) => l.skuId === sku.skuId)!;
    await t.http.post(`/api/v1/me/orders/${order.id}/lines/${line.id}/review`).set(bearer(m.token)).send({ stars }).expect(201);
  }

  const dbInstant = async (sql: string): Promise<string> => new Date((await ds.query(`SELECT ${sql} AS t`))[0].t).toISOString();

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 20 }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    [admin, auditor, workerToken] = await Promise.all(['admin', 'auditor', 'worker'].map((u) => t.login(u)));
    cats = await categories(t, admin);
    const orgs = await t.http.get('/api/v1/organizations?type=union').set(bearer(admin)).expect(200);
    federationId = orgs.body.items.find((o: { name: string }) => o.name === '青岛市总工会').id;

    // the period starts after the demo data (whose campaign was credited while seeding)
    from = await dbInstant(`date_trunc('milliseconds', now())`);

    A = await onboard('青岛机车车辆厂工会', federationId, '370203', 1_000_000);
    A1 = await onboard('机车厂第一分会', A.unionId, null, 1_000_000); // no region: inherits A's city
    B = await onboard('青岛纺织三厂工会', federationId, '370203', 1_000_000);
    const nosA = await importMembers(t, A, 3, 'RA');
    const nosA1 = await importMembers(t, A1, 2, 'RS');
    const nosB = await importMembers(t, B, 2, 'RB');
    // every member on the roster is credited at approval: A 3 × 800 points, A1 2 × 300, B 2 × 200
    await openCampaign(t, A, { name: '机车厂年货', pointsPerMemberFen: 80_000 });
    await openCampaign(t, A1, { name: '分会慰问', pointsPerMemberFen: 30_000 });
    await openCampaign(t, B, { name: '纺织三厂福利', pointsPerMemberFen: 20_000 });
    [a1, a2] = await activateMembers(t, A, nosA.slice(0, 2));
    [c1] = await activateMembers(t, A1, nosA1.slice(0, 1));
    [b1] = await activateMembers(t, B, nosB.slice(0, 1));

    s1 = await createSupplier(t, admin, '崂山绿源茶业合作社', ['tea', 'farm-produce']);
    // certified for the whole city: S1's goods (origin: its region 370212) are 青岛造
    await t.http.put(`/api/v1/suppliers/${s1.supplierId}/certification`).set(bearer(admin)).send({ certification: '绿色食品 LB-18-2305370099A', certifiedRegionCode: '370200' }).expect(200);
    s2 = await createSupplier(t, admin, '黄海水产贸易有限公司', ['seafood']);
    [tea] = await listProduct(t, admin, s1, '崂山绿茶 一级', cats.get('tea')!, [{ spec: '250g/罐', priceFen: TEA, stock: 50 }]);
    [millet] = await listProduct(t, admin, s1, '胶东小米', cats.get('coarse-grains')!, [{ spec: '2.5kg/袋', priceFen: MILLET, stock: 50 }]);
    [seaCucumber] = await listProduct(t, admin, s2, '即食辽参', cats.get('seafood')!, [{ spec: '500g/盒', priceFen: SEA_CUCUMBER, stock: 10 }]);
    [shrimp] = await listProduct(t, admin, s2, '黄海对虾', cats.get('seafood')!, [{ spec: '1kg/箱', priceFen: SHRIMP, stock: 10 }]);

    // A, member a1: O1 (S1: 2 tea + 1 millet) completed, reviews 5 and 3 stars
    const o1 = (await checkout(a1, [[tea, 2], [millet, 1]])).of(s1);
    await complete(o1, s1, a1);
    await review(a1, o1, tea, 5);
    await review(a1, o1, millet, 3);
    // A, a1: O2 (S2: 1 sea cucumber) completed, 4 stars
    const o2 = (await checkout(a1, [[seaCucumber, 1]])).of(s2);
    await complete(o2, s2, a1);
    await review(a1, o2, seaCucumber, 4);
    // A, a2: O3 (S2: 1 shrimp) cancelled by the member; O4 (S1: 1 tea) still placed
    const o3 = (await checkout(a2, [[shrimp, 1]])).of(s2);
    await t.http.post(`/api/v1/me/orders/${o3.id}/cancel`).set(bearer(a2.token)).send({}).expect(200);
    await checkout(a2, [[tea, 1]]);
    // A1, c1: one checkout, two orders: O5 (S1: 2 millet) completed with 2 stars, O6 (S2: 1 shrimp) rejected
    const c = await checkout(c1, [[millet, 2], [shrimp, 1]]);
    await complete(c.of(s1), s1, c1);
    await review(c1, c.of(s1), millet, 2);
    await t.http.post(`/api/v1/supplier/orders/${c.of(s2).id}/reject`).set(bearer(s2.token)).send({ reason: '冷链车辆故障，无法配送' }).expect(200);
    // B, b1: O7 (S1: 1 tea) completed, 5 stars; O8 (S2: 1 shrimp) completed, then returned
    const o7 = (await checkout(b1, [[tea, 1]])).of(s1);
    await complete(o7, s1, b1);
    await review(b1, o7, tea, 5);
    const o8 = (await checkout(b1, [[shrimp, 1]])).of(s2);
    await complete(o8, s2, b1);
    await t.http.post(`/api/v1/me/orders/${o8.id}/return-request`).set(bearer(b1.token)).send({ reason: '虾不新鲜' }).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${o8.id}/approve-return`).set(bearer(s2.token)).send({}).expect(200);

    to = await dbInstant(`date_trunc('milliseconds', now()) + interval '1 millisecond'`);
  }, 600_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  const ZERO = {
    turnoverFen: 0,
    localTurnoverFen: 0,
    localShare: null,
    orders: 0,
    releasedOrders: 0,
    membersCovered: 0,
    pointsCreditedFen: 0,
    membersOrdered: 0,
    reviews: 0,
    positiveReviews: 0,
    positiveRate: null,
  };

  // ---- the figures, by hand ----
  // A: counted O1 (2×6,800 + 2,500 = 16,100 local), O2 (40,000), O4 (6,800 local); O3 cancelled
  const EXPECT_A = {
    turnoverFen: 16_100 + 40_000 + 6_800, // 62,900
    localTurnoverFen: 16_100 + 6_800, // 22,900
    localShare: 0.3641, // 22,900 / 62,900 = 0.36407
    orders: 3,
    releasedOrders: 1,
    membersCovered: 3,
    pointsCreditedFen: 3 * 80_000,
    membersOrdered: 2,
    reviews: 3,
    positiveReviews: 2, // 5, 4 (3 is not positive)
    positiveRate: 0.6667,
  };
  // A1: counted O5 (2×2,500 = 5,000 local); O6 rejected
  const EXPECT_A1 = {
    turnoverFen: 5_000,
    localTurnoverFen: 5_000,
    localShare: 1,
    orders: 1,
    releasedOrders: 1,
    membersCovered: 2,
    pointsCreditedFen: 2 * 30_000,
    membersOrdered: 1,
    reviews: 1,
    positiveReviews: 0,
    positiveRate: 0,
  };
  // B: counted O7 (6,800 local); O8 returned
  const EXPECT_B = {
    turnoverFen: 6_800,
    localTurnoverFen: 6_800,
    localShare: 1,
    orders: 1,
    releasedOrders: 1,
    membersCovered: 2,
    pointsCreditedFen: 2 * 20_000,
    membersOrdered: 1,
    reviews: 1,
    positiveReviews: 1,
    positiveRate: 1,
  };

  const dashboard = (path: string, token: string, query: Record<string, string | number> = { from, to }) => t.http.get(`/api/v1/reports/${path}`).query(query).set(bearer(token));
  const row = (body: { unions: { unionId: string }[] }, id: string) => body.unions.find((u) => u.unionId === id);

  describe('platform dashboard', () => {
    it('gives every union’s figures, the totals, the top categories and suppliers, as computed by hand', async () => {
      const res = await dashboard('platform/dashboard', admin).expect(200);
      const d = res.body;
      expect(d.scope).toEqual({ kind: 'platform' });
      expect(d.period).toEqual({ from, to });
      expect(row(d, A.unionId)).toEqual({ unionId: A.unionId, name: '青岛机车车辆厂工会', parentId: federationId, cityPrefix: '3702', ...EXPECT_A });
      expect(row(d, A1.unionId)).toEqual({ unionId: A1.unionId, name: '机车厂第一分会', parentId: A.unionId, cityPrefix: '3702', ...EXPECT_A1 });
      expect(row(d, B.unionId)).toEqual({ unionId: B.unionId, name: '青岛纺织三厂工会', parentId: federationId, cityPrefix: '3702', ...EXPECT_B });
      // the federation and the demo union did nothing in the period (the demo credit came before it)
      const others = d.unions.filter((u: { unionId: string }) => ![A.unionId, A1.unionId, B.unionId].includes(u.unionId));
      expect(others.length).toBeGreaterThanOrEqual(2);
      for (const o of others) expect(o).toMatchObject(ZERO);

      expect(d.totals).toEqual({
        turnoverFen: 62_900 + 5_000 + 6_800, // 74,700
        localTurnoverFen: 22_900 + 5_000 + 6_800, // 34,700
        localShare: 0.4645, // 34,700 / 74,700 = 0.46452
        orders: 5,
        releasedOrders: 3,
        membersCovered: 7,
        pointsCreditedFen: 240_000 + 60_000 + 40_000,
        membersOrdered: 4,
        reviews: 5,
        positiveReviews: 3,
        positiveRate: 0.6, // the Qingdao platform reports 96 %; ours is 3 of 5
      });
      // tea: 2×6,800 + 6,800 + 6,800 = 27,200; farm produce (millet, via its subcategory): 2,500 + 5,000
      expect(d.topCategories).toEqual([
        { categoryId: cats.get('seafood')!.id, code: 'seafood', name: cats.get('seafood')!.name, turnoverFen: 40_000, localTurnoverFen: 0, shareOfTurnover: 0.5355 }, // 40,000 / 74,700
        { categoryId: cats.get('tea')!.id, code: 'tea', name: cats.get('tea')!.name, turnoverFen: 27_200, localTurnoverFen: 27_200, shareOfTurnover: 0.3641 }, // 27,200 / 74,700 = 0.36412
        { categoryId: cats.get('farm-produce')!.id, code: 'farm-produce', name: cats.get('farm-produce')!.name, turnoverFen: 7_500, localTurnoverFen: 7_500, shareOfTurnover: 0.1004 }, // 7,500 / 74,700 = 0.10040
      ]);
      expect(d.topSuppliers).toEqual([
        { supplierId: s2.supplierId, name: '黄海水产贸易有限公司', orders: 1, turnoverFen: 40_000, localTurnoverFen: 0, shareOfTurnover: 0.5355 },
        // O1, O4, O5, O7: 16,100 + 6,800 + 5,000 + 6,800
        { supplierId: s1.supplierId, name: '崂山绿源茶业合作社', orders: 4, turnoverFen: 34_700, localTurnoverFen: 34_700, shareOfTurnover: 0.4645 },
      ]);
    });

    it('the auditor reads it too; union admins, workers and suppliers may not', async () => {
      const byAuditor = await dashboard('platform/dashboard', auditor).expect(200);
      expect(byAuditor.body.totals.turnoverFen).toBe(74_700);
      for (const token of [A.adminToken, workerToken, s1.token]) {
        const res = await dashboard('platform/dashboard', token).expect(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    });

    it('limits the top lists with `top`', async () => {
      const res = await dashboard('platform/dashboard', admin, { from, to, top: 1 }).expect(200);
      expect(res.body.topCategories.map((c: { code: string }) => c.code)).toEqual(['seafood']);
      expect(res.body.topSuppliers.map((s: { supplierId: string }) => s.supplierId)).toEqual([s2.supplierId]);
    });

    it('counts only the period: before the scenario everything of our unions is zero; the default is the last 30 days', async () => {
      const before = new Date(new Date(from).getTime() - 86_400_000).toISOString();
      const earlier = await dashboard('platform/dashboard', admin, { from: before, to: from }).expect(200);
      for (const id of [A.unionId, A1.unionId, B.unionId]) expect(row(earlier.body, id)).toMatchObject(ZERO);
      expect(earlier.body.topSuppliers).toEqual([]);

      const byDefault = await dashboard('platform/dashboard', admin, {}).expect(200);
      const span = new Date(byDefault.body.period.to).getTime() - new Date(byDefault.body.period.from).getTime();
      expect(span).toBe(30 * 86_400_000);
      expect(new Date(byDefault.body.period.to).getTime()).toBeGreaterThanOrEqual(new Date(to).getTime());
      expect(row(byDefault.body, A.unionId)).toMatchObject(EXPECT_A);
      expect(row(byDefault.body, B.unionId)).toMatchObject(EXPECT_B);
    });

    it('refuses a bad period, listing every bad field, and unknown parameters', async () => {
      const bad = await dashboard('platform/dashboard', admin, { from: 'yesterday', to: '2026-13-01T00:00', top: 0 }).expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['from', 'to', 'top']);
      const reversed = await dashboard('platform/dashboard', admin, { from: to, to: from }).expect(400);
      expect(reversed.body.error.details.fields).toEqual([{ field: 'from', reasons: ['from must be before to'] }]);
      const tooLong = await dashboard('platform/dashboard', admin, { from: '2024-01-01', to: '2025-06-01' }).expect(400);
      expect(tooLong.body.error.details.fields[0].field).toBe('to');
      const unknown = await dashboard('platform/dashboard', admin, { from, to, unionId: A.unionId }).expect(400);
      expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('takes a date as midnight China time', async () => {
      const res = await dashboard('platform/dashboard', admin, { from: '2026-01-01', to: '2026-01-31' }).expect(200);
      expect(res.body.period).toEqual({ from: '2025-12-31T16:00:00.000Z', to: '2026-01-30T16:00:00.000Z' });
    });
  });

  describe('union dashboard', () => {
    // A and A1 together
    const EXPECT_A_TREE = {
      turnoverFen: 62_900 + 5_000, // 67,900
      localTurnoverFen: 22_900 + 5_000, // 27,900
      localShare: 0.4109, // 27,900 / 67,900 = 0.41090
      orders: 4,
      releasedOrders: 2,
      membersCovered: 5,
      pointsCreditedFen: 240_000 + 60_000,
      membersOrdered: 3,
      reviews: 4,
      positiveReviews: 2,
      positiveRate: 0.5,
    };

    it('covers the union and the unions below it, each broken down, as computed by hand', async () => {
      const res = await dashboard(`unions/${A.unionId}/dashboard`, A.adminToken).expect(200);
      const d = res.body;
      expect(d.scope).toEqual({ kind: 'union', unionId: A.unionId, name: '青岛机车车辆厂工会' });
      expect(d.unions.map((u: { unionId: string }) => u.unionId)).toEqual([A.unionId, A1.unionId]);
      expect(row(d, A.unionId)).toMatchObject(EXPECT_A);
      expect(row(d, A1.unionId)).toMatchObject(EXPECT_A1);
      expect(d.totals).toEqual(EXPECT_A_TREE);
      expect(d.topCategories).toEqual([
        { categoryId: cats.get('seafood')!.id, code: 'seafood', name: cats.get('seafood')!.name, turnoverFen: 40_000, localTurnoverFen: 0, shareOfTurnover: 0.5891 }, // 40,000 / 67,900 = 0.58910
        { categoryId: cats.get('tea')!.id, code: 'tea', name: cats.get('tea')!.name, turnoverFen: 20_400, localTurnoverFen: 20_400, shareOfTurnover: 0.3004 }, // 20,400 / 67,900 = 0.30044
        { categoryId: cats.get('farm-produce')!.id, code: 'farm-produce', name: cats.get('farm-produce')!.name, turnoverFen: 7_500, localTurnoverFen: 7_500, shareOfTurnover: 0.1105 }, // 7,500 / 67,900 = 0.110457
      ]);
      expect(d.topSuppliers).toEqual([
        { supplierId: s2.supplierId, name: '黄海水产贸易有限公司', orders: 1, turnoverFen: 40_000, localTurnoverFen: 0, shareOfTurnover: 0.5891 },
        { supplierId: s1.supplierId, name: '崂山绿源茶业合作社', orders: 3, turnoverFen: 27_900, localTurnoverFen: 27_900, shareOfTurnover: 0.4109 },
      ]);
    });

    it('a sub-union’s dashboard is its own figures; platform admins and auditors read any union', async () => {
      const sub = await dashboard(`unions/${A1.unionId}/dashboard`, A.adminToken).expect(200);
      expect(sub.body.totals).toEqual(EXPECT_A1);
      expect(sub.body.unions).toHaveLength(1);
      const byAuditor = await dashboard(`unions/${B.unionId}/dashboard`, auditor).expect(200);
      expect(byAuditor.body.totals).toEqual(EXPECT_B);
      const own = await dashboard(`unions/${A1.unionId}/dashboard`, A1.adminToken).expect(200);
      expect(own.body.totals).toEqual(EXPECT_A1);
    });

    it('a union admin cannot read a sibling’s or a parent’s dashboard: 403 OUT_OF_SCOPE, recorded', async () => {
      const [{ n: eventsBefore }] = await ds.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused'`);
      const cases: [string, string][] = [
        [`unions/${B.unionId}/dashboard`, A.adminToken],
        [`unions/${B.unionId}/dashboard.csv`, A.adminToken],
        [`unions/${federationId}/dashboard`, A.adminToken],
        [`unions/${A.unionId}/dashboard`, A1.adminToken],
        [`unions/${A.unionId}/dashboard`, B.adminToken],
      ];
      for (const [path, token] of cases) {
        const res = await dashboard(path, token).expect(403);
        expect(res.body.error.code).toBe('OUT_OF_SCOPE');
        expect(res.text).not.toContain('turnover');
      }
      const [{ n: eventsAfter }] = await ds.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused'`);
      expect(eventsAfter - eventsBefore).toBe(cases.length);
      // workers and suppliers have no dashboard
      for (const token of [a1.token, s1.token]) expect((await dashboard(`unions/${A.unionId}/dashboard`, token).expect(403)).body.error.code).toBe('FORBIDDEN');
    });

    it('404 for an organization that is not a union', async () => {
      const res = await dashboard(`unions/${s1.organizationId}/dashboard`, admin).expect(404);
      expect(res.body.error.code).toBe('UNION_NOT_FOUND');
    });
  });

  describe('CSV export', () => {
    type CsvRow = Record<string, string>;
    const num = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    const measuresOf = (m: Record<string, unknown>) => ({
      turnover_fen: num(m.turnoverFen),
      local_turnover_fen: num(m.localTurnoverFen),
      local_share: num(m.localShare),
      orders: num(m.orders),
      released_orders: num(m.releasedOrders),
      members_covered: num(m.membersCovered),
      points_credited_fen: num(m.pointsCreditedFen),
      members_ordered: num(m.membersOrdered),
      reviews: num(m.reviews),
      positive_reviews: num(m.positiveReviews),
      positive_rate: num(m.positiveRate),
    });

    async function both(path: string, token: string) {
      const json = (await dashboard(`${path}`, token).expect(200)).body;
      const csv = await dashboard(`${path}.csv`, token).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toMatch(/attachment; filename=".*dashboard-.*\.csv"/);
      expect(csv.text.startsWith('\uFEFF')).toBe(true);
      expect(csv.text).toContain('\r\n');
      const rows = parse(csv.text, { columns: true, bom: true }) as CsvRow[];
      for (const r of rows) expect([r.period_from, r.period_to]).toEqual([from, to]);
      return { json, rows };
    }

    it('the union CSV carries exactly the JSON figures', async () => {
      const { json, rows } = await both(`unions/${A.unionId}/dashboard`, A.adminToken);
      expect(rows.map((r) => r.section)).toEqual(['total', 'union', 'union', 'category', 'category', 'category', 'supplier', 'supplier']);
      expect(rows[0]).toMatchObject({ id: A.unionId, name: '青岛机车车辆厂工会', ...measuresOf(json.totals) });
      expect(rows[0]).toMatchObject({ turnover_fen: '67900', local_turnover_fen: '27900', local_share: '0.4109', positive_rate: '0.5' });
      for (const [i, u] of json.unions.entries()) {
        expect(rows[1 + i]).toMatchObject({ id: u.unionId, name: u.name, parent_id: u.parentId ?? '', city_prefix: u.cityPrefix, ...measuresOf(u) });
      }
      for (const [i, c] of json.topCategories.entries()) {
        expect(rows[3 + i]).toMatchObject({ id: c.categoryId, code: c.code, name: c.name, turnover_fen: num(c.turnoverFen), local_turnover_fen: num(c.localTurnoverFen), share_of_turnover: num(c.shareOfTurnover), orders: '' });
      }
      for (const [i, s] of json.topSuppliers.entries()) {
        expect(rows[6 + i]).toMatchObject({ id: s.supplierId, name: s.name, orders: num(s.orders), turnover_fen: num(s.turnoverFen), share_of_turnover: num(s.shareOfTurnover) });
      }
    });

    it('the platform CSV carries exactly the JSON figures', async () => {
      const { json, rows } = await both('platform/dashboard', auditor);
      expect(rows.filter((r) => r.section === 'total')).toEqual([expect.objectContaining({ name: 'platform', ...measuresOf(json.totals) })]);
      const unionRows = rows.filter((r) => r.section === 'union');
      expect(unionRows.map((r) => r.id)).toEqual(json.unions.map((u: { unionId: string }) => u.unionId));
      expect(unionRows.find((r) => r.id === B.unionId)).toMatchObject(measuresOf(EXPECT_B));
      expect(rows.filter((r) => r.section === 'supplier').map((r) => [r.id, r.turnover_fen])).toEqual([
        [s2.supplierId, '40000'],
        [s1.supplierId, '34700'],
      ]);
    });
  });

  describe('the OpenAPI document', () => {
    it('lists the four routes with their roles and defines turnover', () => {
      const paths = t.openApi.paths;
      const roles = (path: string) => (paths[path]?.get as unknown as Record<string, unknown>)?.['x-roles'];
      expect(roles('/api/v1/reports/platform/dashboard')).toEqual(['platform_admin', 'auditor']);
      expect(roles('/api/v1/reports/platform/dashboard.csv')).toEqual(['platform_admin', 'auditor']);
      expect(roles('/api/v1/reports/unions/{unionId}/dashboard')).toEqual(['platform_admin', 'auditor', 'union_admin']);
      expect(roles('/api/v1/reports/unions/{unionId}/dashboard.csv')).toEqual(['platform_admin', 'auditor', 'union_admin']);
      const measures = (t.openApi.components?.schemas?.DashboardMeasuresDto ?? {}) as { properties?: Record<string, { description?: string }> };
      expect(measures.properties?.turnoverFen?.description).toMatch(/placed in the period, net of refunds/);
      expect(measures.properties?.positiveRate?.description).toMatch(/positiveReviews \/ reviews/);
    });
  });

  // last: it adds orders after the fixed period of the tests above
  describe('under concurrent checkouts', () => {
    it('every dashboard is one snapshot: orders, lines, suppliers and categories always agree', async () => {
      const before = (await dashboard(`unions/${A.unionId}/dashboard`, A.adminToken, {}).expect(200)).body.totals;
      const N = 8;
      let done = false;
      const buying = Promise.all(
        Array.from({ length: N }, () => checkout(a2, [[millet, 1]])), // a2 still holds 80,000 − 6,800
      ).finally(() => {
        done = true;
      });
      const seen: { turnover: number; lines: number; suppliers: number; supplierOrders: number; orders: number }[] = [];
      while (!done || seen.length < 3) {
        const d = (await dashboard(`unions/${A.unionId}/dashboard`, A.adminToken, {}).expect(200)).body;
        const sum = (xs: { turnoverFen: number }[]) => xs.reduce((a, x) => a + x.turnoverFen, 0);
        seen.push({
          turnover: d.totals.turnoverFen,
          lines: sum(d.topCategories), // at most 3 categories: all of them
          suppliers: sum(d.topSuppliers),
          supplierOrders: d.topSuppliers.reduce((a: number, x: { orders: number }) => a + x.orders, 0),
          orders: d.totals.orders,
        });
      }
      await buying;
      for (const v of seen) {
        expect(v.lines).toBe(v.turnover);
        expect(v.suppliers).toBe(v.turnover);
        expect(v.supplierOrders).toBe(v.orders);
        expect((v.turnover - before.turnoverFen) / MILLET).toBe(v.orders - before.orders);
      }
      const after = (await dashboard(`unions/${A.unionId}/dashboard`, A.adminToken, {}).expect(200)).body.totals;
      expect(after.turnoverFen - before.turnoverFen).toBe(N * MILLET);
      expect(after.orders - before.orders).toBe(N);
      expect(after.localTurnoverFen - before.localTurnoverFen).toBe(N * MILLET);
    });
  });
});
