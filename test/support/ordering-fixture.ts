import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { bearer, eventually, TestApp } from './test-app';

/**
 * A market for the ordering tests, built only through the real APIs of the points and catalog
 * contexts: a union with an agreement, a deposit and a roster; campaigns approved, distributed (by
 * the worker) and open; members activated with their codes; suppliers approved; products listed
 * and moderated. Needs a running test worker (distribution and window jobs).
 */
export const FIXTURE_PASSWORD = 'ordering-test-password';

export interface MemberCtx {
  employeeNo: string;
  username: string;
  userId: string;
  memberId: string;
  token: string;
}

export interface SupplierCtx {
  supplierId: string;
  organizationId: string;
  username: string;
  token: string;
}

export interface SkuCtx {
  skuId: string;
  productId: string;
  productName: string;
  spec: string;
  priceFen: number;
  stock: number;
  perMemberLimit: number | null;
  categoryId: string;
  supplierId: string;
  supplierOrganizationId: string;
}

export interface CategoryCtx {
  id: string;
  code: string;
  name: string;
}

let seq = 0;
const uniq = (p: string) => `${p}${process.pid % 1000}${Date.now() % 100000}${++seq}`;

function ok(res: { status: number; body: unknown }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

export async function today(ds: DataSource): Promise<string> {
  const [{ d }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS d`);
  return d;
}

/** The top-level demo categories by code (the demo data seeds them). */
export async function categories(t: TestApp, token: string): Promise<Map<string, CategoryCtx>> {
  const res = await t.http.get('/api/v1/catalog/categories').set(bearer(token));
  ok(res, 200, 'categories');
  const out = new Map<string, CategoryCtx>();
  const walk = (nodes: { id: string; code: string; name: string; children: unknown[] }[]) => {
    for (const n of nodes) {
      out.set(n.code, { id: n.id, code: n.code, name: n.name });
      walk(n.children as typeof nodes);
    }
  };
  walk(res.body);
  return out;
}

export interface UnionCtx {
  unionId: string;
  adminToken: string;
}

/** Onboards a union under the city federation, signs its agreement and records a deposit. */
export async function createUnion(t: TestApp, admin: string, name: string, depositFen: number): Promise<UnionCtx> {
  const orgs = await t.http.get('/api/v1/organizations?type=union').set(bearer(admin));
  const federation = orgs.body.items.find((o: { name: string }) => o.name === '青岛市总工会');
  const adminName = uniq('ua');
  const res = await t.http
    .post('/api/v1/unions')
    .set(bearer(admin))
    .send({ name, parentId: federation.id, regionCode: '370203', cityRegionCode: '370200', contactName: '刘主席', admin: { username: adminName, displayName: `${name}管理员`, password: FIXTURE_PASSWORD } });
  ok(res, 201, 'onboard union');
  const unionId = res.body.id as string;
  const day = await today(t.dataSource);
  const year = day.slice(0, 4);
  ok(
    await t.http
      .post(`/api/v1/unions/${unionId}/agreements`)
      .set(bearer(admin))
      .send({ number: uniq(`HG-${year}-`), signedOn: `${year}-01-02`, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: 1000, expectedAmountFen: depositFen, creditLimitFen: 0 }),
    201,
    'agreement',
  );
  ok(await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ amountFen: depositFen, bankReference: uniq('BOC-'), receivedOn: day }), 201, 'deposit');
  return { unionId, adminToken: await t.login(adminName, FIXTURE_PASSWORD) };
}

/** Imports `n` members (employee numbers `${prefix}00001`...). */
export async function importMembers(t: TestApp, union: UnionCtx, n: number, prefix: string): Promise<string[]> {
  const lines = ['employee_no,name,phone,group,join_date'];
  const nos: string[] = [];
  const base = 10_000_000 + Math.floor(Math.random() * 80_000_000);
  for (let i = 1; i <= n; i++) {
    const no = `${prefix}${String(i).padStart(5, '0')}`;
    nos.push(no);
    lines.push(`${no},职工${i},137${String(base + i).slice(-8)},一车间,2018-03-01`);
  }
  const res = await t.http.post(`/api/v1/unions/${union.unionId}/members/import`).set(bearer(union.adminToken)).set('Content-Type', 'text/csv').send(lines.join('\n'));
  ok(res, 200, 'roster import');
  return nos;
}

export interface CampaignSpec {
  name: string;
  pointsPerMemberFen: number;
  /** category ids or codes; omit for anything */
  allowedCategoryIds?: string[];
  /** window closes this many minutes from now (default 120) */
  closesInMinutes?: number;
}

/** Creates, approves and waits until the worker has distributed and opened the campaign. */
export async function openCampaign(t: TestApp, union: UnionCtx, spec: CampaignSpec): Promise<string> {
  const [{ opens, closes }] = await t.dataSource.query(`SELECT now() - interval '1 minute' AS opens, now() + make_interval(mins => $1) AS closes`, [spec.closesInMinutes ?? 120]);
  const res = await t.http
    .post(`/api/v1/unions/${union.unionId}/campaigns`)
    .set(bearer(union.adminToken))
    .send({
      name: spec.name,
      purpose: 'ordering tests',
      amountMode: 'flat',
      pointsPerMemberFen: spec.pointsPerMemberFen,
      ...(spec.allowedCategoryIds ? { allowedCategoryIds: spec.allowedCategoryIds } : {}),
      opensAt: new Date(opens).toISOString(),
      closesAt: new Date(closes).toISOString(),
    });
  ok(res, 201, 'create campaign');
  const id = res.body.id as string;
  ok(await t.http.post(`/api/v1/campaigns/${id}/approve`).set(bearer(union.adminToken)).send({}), 200, 'approve campaign');
  await eventually(
    async () => {
      const c = (await t.http.get(`/api/v1/campaigns/${id}`).set(bearer(union.adminToken))).body;
      return c.status === 'open' && c.distribution?.status === 'done';
    },
    90_000,
    `campaign ${spec.name} distributed and open`,
  );
  return id;
}

/** Activates members with the codes their union hands out; each gets an account and a token. */
export async function activateMembers(t: TestApp, union: UnionCtx, employeeNos: string[]): Promise<MemberCtx[]> {
  const csv = await t.http.get(`/api/v1/unions/${union.unionId}/activation-codes.csv?only=new`).set(bearer(union.adminToken));
  ok(csv, 200, 'activation codes');
  const codes = new Map((parse(csv.text, { columns: true, bom: true }) as Record<string, string>[]).map((r) => [r.employee_no, r]));
  const out: MemberCtx[] = [];
  // a few at a time: each activation hashes a password (argon2id) on a 2-core machine
  for (let i = 0; i < employeeNos.length; i += 8) {
    const batch = await Promise.all(
      employeeNos.slice(i, i + 8).map(async (no) => {
        const c = codes.get(no);
        if (!c) throw new Error(`no activation code for ${no}`);
        const username = `m-${no.toLowerCase()}`;
        const res = await t.http.post('/api/v1/members/activate').send({ phone: c.phone, employeeNo: no, activationCode: c.activation_code, username, password: FIXTURE_PASSWORD });
        ok(res, 200, `activate ${no}`);
        return { employeeNo: no, username, userId: res.body.user.id, memberId: res.body.memberId, token: res.body.accessToken } as MemberCtx;
      }),
    );
    out.push(...batch);
  }
  return out;
}

/** A supplier applies, a platform admin approves it; its staff user logs in. */
export async function createSupplier(t: TestApp, admin: string, companyName: string, categoryCodes: string[]): Promise<SupplierCtx> {
  const applied = await t.http
    .post('/api/v1/suppliers/applications')
    .send({ companyName, contactName: '王经理', contactPhone: '13905320000', regionCode: '370212', categoryCodes, introduction: '测试供应商' });
  ok(applied, 201, 'supplier application');
  const username = uniq('sup');
  const approved = await t.http.post(`/api/v1/suppliers/${applied.body.id}/approve`).set(bearer(admin)).send({ username, password: FIXTURE_PASSWORD, displayName: `${companyName} 店员` });
  ok(approved, 200, 'supplier approval');
  return { supplierId: applied.body.id, organizationId: approved.body.supplier.organizationId, username, token: await t.login(username, FIXTURE_PASSWORD) };
}

export interface SkuSpec {
  spec: string;
  priceFen: number;
  stock: number;
  perMemberLimit?: number | null;
}

/** Lists a product (draft → review → active) and returns its SKUs. */
export async function listProduct(t: TestApp, admin: string, supplier: SupplierCtx, name: string, category: CategoryCtx, skus: SkuSpec[]): Promise<SkuCtx[]> {
  const created = await t.http
    .post('/api/v1/catalog/products')
    .set(bearer(supplier.token))
    .send({ name, description: `${name}，产地直供。`, categoryId: category.id, skus: skus.map((s) => ({ spec: s.spec, priceFen: s.priceFen, stock: s.stock, perMemberLimit: s.perMemberLimit ?? null })) });
  ok(created, 201, `create product ${name}`);
  ok(await t.http.post(`/api/v1/catalog/products/${created.body.id}/submit`).set(bearer(supplier.token)).send({}), 200, 'submit product');
  ok(await t.http.post(`/api/v1/catalog/products/${created.body.id}/approve`).set(bearer(admin)).send({}), 200, 'approve product');
  const bySpec = new Map((created.body.skus as { id: string; spec: string; priceFen: number; stock: number; perMemberLimit: number | null }[]).map((s) => [s.spec, s]));
  // in the order given
  return skus.map((given) => bySpec.get(given.spec)!).map((s) => ({
    skuId: s.id,
    productId: created.body.id,
    productName: name,
    spec: s.spec,
    priceFen: s.priceFen,
    stock: s.stock,
    perMemberLimit: s.perMemberLimit,
    categoryId: category.id,
    supplierId: supplier.supplierId,
    supplierOrganizationId: supplier.organizationId,
  }));
}

// ---- raw SQL probes: the tests check the database itself, not our services' view of it ----

export async function stockOf(ds: DataSource, skuId: string): Promise<number> {
  const [r] = await ds.query(`SELECT stock FROM skus WHERE id = $1`, [skuId]);
  return r.stock;
}

/** Quantity of a SKU held by orders that still hold it (not cancelled, rejected or returned). */
export async function soldOf(ds: DataSource, skuId: string): Promise<number> {
  const [r] = await ds.query(
    `SELECT coalesce(sum(l.quantity), 0)::int AS n FROM order_lines l JOIN orders o ON o.id = l.order_id
      WHERE l.sku_id = $1 AND o.state NOT IN ('cancelled', 'rejected', 'returned')`,
    [skuId],
  );
  return r.n;
}

export async function orderRowCounts(ds: DataSource): Promise<Record<string, number>> {
  const [r] = await ds.query(
    `SELECT (SELECT count(*) FROM checkouts)::int AS checkouts, (SELECT count(*) FROM orders)::int AS orders,
            (SELECT count(*) FROM order_lines)::int AS lines, (SELECT count(*) FROM order_payments)::int AS payments,
            (SELECT count(*) FROM order_history)::int AS history, (SELECT count(*) FROM idempotency_requests)::int AS idempotency,
            (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT count(*) FROM stock_movements)::int AS movements`,
  );
  return r;
}

/** The grant account of a member in a campaign (points' table, read raw). */
export async function grantOf(ds: DataSource, campaignId: string, memberId: string): Promise<string> {
  const [r] = await ds.query(`SELECT grant_account_id::text AS id FROM campaign_members WHERE campaign_id = $1 AND member_id = $2`, [campaignId, memberId]);
  return r.id;
}

export async function poolOf(ds: DataSource, campaignId: string): Promise<string> {
  const [r] = await ds.query(`SELECT pool_account_id::text AS id FROM campaigns WHERE id = $1`, [campaignId]);
  return r.id;
}

export async function budgetOf(ds: DataSource, unionId: string): Promise<string> {
  const [r] = await ds.query(`SELECT budget_account_id::text AS id FROM unions WHERE organization_id = $1`, [unionId]);
  return r.id;
}
