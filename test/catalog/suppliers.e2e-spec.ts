import { CatalogQueryService } from '@huigong/catalog';
import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';
import { categoryId, createDraft, createListed, onboardSupplier, searchAll } from './catalog-fixtures';

describe('catalog: suppliers from application to listed products (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let worker: string;
  let auditor: string;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { DEMO_PRODUCTS: '300' }) });
    [admin, worker, auditor] = await Promise.all(['admin', 'worker', 'auditor'].map((u) => t.login(u)));
  });
  afterAll(() => t.close());

  it('apply → approve → staff lists a product → moderation → visible in search', async () => {
    const applied = await t.http
      .post('/api/v1/suppliers/applications')
      .send({
        companyName: '青岛北宅樱桃专业合作社',
        contactName: '李红',
        contactPhone: '13905321111',
        contactEmail: 'li@example.com',
        regionCode: '370212',
        categoryCodes: ['fruit', 'tea'],
        introduction: '崂山北宅的樱桃和茶。',
        certification: '绿色食品 LB-18-2305370001A',
      })
      .expect(201);
    expect(applied.body).toMatchObject({ status: 'pending' });

    const pending = await t.http.get('/api/v1/suppliers?status=pending').set(bearer(admin)).expect(200);
    expect(pending.body.items.map((s: { id: string }) => s.id)).toContain(applied.body.id);

    // the approval creates the organization and a staff user with a generated password, shown once
    const approved = await t.http.post(`/api/v1/suppliers/${applied.body.id}/approve`).set(bearer(admin)).send({ username: 'beizhai.cherry' }).expect(200);
    expect(approved.body.supplier).toMatchObject({ status: 'approved', certifiedRegionCode: '370212' });
    expect(approved.body.initialPassword).toEqual(expect.any(String));
    const [org] = await t.dataSource.query(`SELECT type, name, region_code FROM organizations WHERE id = $1`, [approved.body.supplier.organizationId]);
    expect(org).toEqual({ type: 'supplier', name: '青岛北宅樱桃专业合作社', region_code: '370212' });
    const staff = await t.login('beizhai.cherry', approved.body.initialPassword);
    const me = await t.http.get('/api/v1/me').set(bearer(staff)).expect(200);
    expect(me.body.roles).toEqual(['supplier_staff']);

    const product = await createDraft(t, staff, {
      name: '北宅大樱桃 礼盒装',
      categoryCode: 'fruit',
      description: '崂山北宅五月头茬樱桃。',
      skus: [{ skuCode: 'BZ-YT-1', spec: '1.5kg/盒', priceFen: 9900, stock: 20, perMemberLimit: 2 }],
    });
    // a draft is nobody else's business
    await t.http.get(`/api/v1/catalog/products/${product.id}`).set(bearer(worker)).expect(404);
    expect((await searchAll(t, worker, { q: '北宅大樱桃' })).length).toBe(0);

    await t.http.post(`/api/v1/catalog/products/${product.id}/submit`).set(bearer(staff)).expect(200, { id: product.id, status: 'pending_review' });
    const queue = await t.http.get('/api/v1/catalog/moderation/queue').set(bearer(admin)).expect(200);
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(product.id);
    await t.http.post(`/api/v1/catalog/products/${product.id}/approve`).set(bearer(admin)).expect(200, { id: product.id, status: 'active' });

    const found = await t.http.get('/api/v1/catalog/products').query({ q: '樱桃' }).set(bearer(worker)).expect(200);
    const item = found.body.items.find((i: { id: string }) => i.id === product.id);
    expect(item).toMatchObject({ name: '北宅大樱桃 礼盒装', supplierName: '青岛北宅樱桃专业合作社', minPriceFen: 9900, stock: 20, inStock: true, local: true, salesCount: 0, ratingAverage: 0, ratingCount: 0 });
    const detail = await t.http.get(`/api/v1/catalog/products/${product.id}`).set(bearer(worker)).expect(200);
    expect(detail.body.skus).toEqual([expect.objectContaining({ skuCode: 'BZ-YT-1', priceFen: 9900, stock: 20, perMemberLimit: 2 })]);
    expect(detail.body.categoryPath.map((c: { code: string }) => c.code)).toEqual(['fruit']);

    const history = await t.http.get(`/api/v1/catalog/products/${product.id}/history`).set(bearer(worker)).expect(200);
    expect(history.body.map((h: { action: string }) => h.action)).toEqual(['create', 'submit', 'approve']);
    const supplierView = await t.http.get(`/api/v1/suppliers/${applied.body.id}`).set(bearer(staff)).expect(200);
    expect(supplierView.body.history.map((h: { action: string; toStatus: string }) => [h.action, h.toStatus])).toEqual([
      ['apply', 'pending'],
      ['approve', 'approved'],
    ]);
  });

  it('rejects an application with a reason, and refuses deciding twice', async () => {
    const applied = await t.http
      .post('/api/v1/suppliers/applications')
      .send({ companyName: '不合格商贸有限公司', contactName: '王五', contactPhone: '13900000000', regionCode: '370203', categoryCodes: ['snacks'] })
      .expect(201);
    const noReason = await t.http.post(`/api/v1/suppliers/${applied.body.id}/reject`).set(bearer(admin)).send({}).expect(400);
    expect(noReason.body.error.code).toBe('VALIDATION_FAILED');
    const rejected = await t.http.post(`/api/v1/suppliers/${applied.body.id}/reject`).set(bearer(admin)).send({ reason: '资质不全' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', statusReason: '资质不全', organizationId: null });
    const again = await t.http.post(`/api/v1/suppliers/${applied.body.id}/approve`).set(bearer(admin)).send({}).expect(409);
    expect(again.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: 'rejected' } });
    // a rejected company may apply again; an open application may not be duplicated
    await t.http
      .post('/api/v1/suppliers/applications')
      .send({ companyName: '不合格商贸有限公司', contactName: '王五', contactPhone: '13900000000', regionCode: '370203', categoryCodes: ['snacks'] })
      .expect(201);
    const dup = await t.http
      .post('/api/v1/suppliers/applications')
      .send({ companyName: '不合格商贸有限公司', contactName: '王五', contactPhone: '13900000000', regionCode: '370203', categoryCodes: ['snacks'] })
      .expect(409);
    expect(dup.body.error.code).toBe('SUPPLIER_ALREADY_APPLIED');
  });

  it('refuses applications to sell forbidden or unknown categories and lists every bad field', async () => {
    const forbidden = await t.http
      .post('/api/v1/suppliers/applications')
      .send({ companyName: '卡券商贸有限公司', contactName: '赵六', contactPhone: '13900000001', regionCode: '370203', categoryCodes: ['cash-equivalents'] })
      .expect(422);
    expect(forbidden.body.error).toMatchObject({ code: 'CATEGORY_FORBIDDEN', details: { forbidden: ['cash-equivalents'] } });
    const unknown = await t.http
      .post('/api/v1/suppliers/applications')
      .send({ companyName: '未知商贸有限公司', contactName: '赵六', contactPhone: '13900000001', regionCode: '370203', categoryCodes: ['spaceships'] })
      .expect(422);
    expect(unknown.body.error.code).toBe('UNKNOWN_CATEGORY');
    const bad = await t.http.post('/api/v1/suppliers/applications').send({ companyName: 'x', contactPhone: 'call me', regionCode: '37', categoryCodes: [], extra: 1 }).expect(400);
    const fields = bad.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['categoryCodes', 'companyName', 'contactName', 'contactPhone', 'extra', 'regionCode']);
  });

  it('lets only platform admins decide, auditors read, and supplier staff see only their own supplier', async () => {
    const a = await onboardSupplier(t, admin);
    const b = await onboardSupplier(t, admin);
    await t.http.get('/api/v1/suppliers').set(bearer(worker)).expect(403);
    await t.http.get('/api/v1/suppliers').set(bearer(a.token)).expect(403);
    const audited = await t.http.get('/api/v1/suppliers').set(bearer(auditor)).expect(200);
    expect(audited.body.total).toBeGreaterThan(2);
    const ro = await t.http.post(`/api/v1/suppliers/${a.supplierId}/suspend`).set(bearer(auditor)).send({ reason: 'x' }).expect(403);
    expect(ro.body.error.code).toBe('AUDITOR_READ_ONLY');
    await t.http.post(`/api/v1/suppliers/${a.supplierId}/suspend`).set(bearer(a.token)).send({ reason: 'x' }).expect(403);
    await t.http.get(`/api/v1/suppliers/${a.supplierId}`).set(bearer(a.token)).expect(200);
    const other = await t.http.get(`/api/v1/suppliers/${b.supplierId}`).set(bearer(a.token)).expect(403);
    expect(other.body.error.code).toBe('OUT_OF_SCOPE');
  });

  it('suspending a supplier hides its products from browsing and buying; reinstating shows them again', async () => {
    const s = await onboardSupplier(t, admin);
    const p = await createListed(t, s.token, admin, { name: '停牌测试海参', categoryCode: 'seafood', skus: [{ spec: '500g', priceFen: 29900, stock: 5 }] });
    expect((await searchAll(t, worker, { q: '停牌测试海参' })).map((i) => i.id)).toEqual([p.id]);

    const query = t.app.get(CatalogQueryService);
    const skuId = p.skus[0].id;
    expect((await query.purchasableSkus(t.dataSource.manager, [skuId])).has(skuId)).toBe(true);

    await t.http.post(`/api/v1/suppliers/${s.supplierId}/suspend`).set(bearer(admin)).send({ reason: '食品安全抽检不合格' }).expect(200);
    expect(await searchAll(t, worker, { q: '停牌测试海参' })).toEqual([]);
    expect((await query.purchasableSkus(t.dataSource.manager, [skuId])).has(skuId)).toBe(false);
    await t.http.get(`/api/v1/catalog/products/${p.id}`).set(bearer(worker)).expect(404);
    // the product keeps its own status; only the supplier's standing hides it
    const own = await t.http.get(`/api/v1/catalog/products/${p.id}`).set(bearer(s.token)).expect(200);
    expect(own.body).toMatchObject({ status: 'active', listed: false });
    // a suspended supplier cannot list more
    const create = await t.http
      .post('/api/v1/catalog/products')
      .set(bearer(s.token))
      .send({ name: '新品', categoryId: await categoryId(t, 'tea'), skus: [{ spec: '1', priceFen: 100 }] })
      .expect(403);
    expect(create.body.error.code).toBe('SUPPLIER_NOT_ACTIVE');

    await t.http.post(`/api/v1/suppliers/${s.supplierId}/reinstate`).set(bearer(admin)).send({}).expect(200);
    expect((await searchAll(t, worker, { q: '停牌测试海参' })).map((i) => i.id)).toEqual([p.id]);
  });

  it('derives "local" from the certified origin, never from a typed flag', async () => {
    // a Qingdao supplier without certification: its Qingdao goods are not certified local
    const s = await onboardSupplier(t, admin, { regionCode: '370281' });
    const p = await createListed(t, s.token, admin, { name: '胶州大白菜认证测试', categoryCode: 'vegetables', originRegionCode: '370281' });
    const before = await t.http.get(`/api/v1/catalog/products/${p.id}`).set(bearer(worker)).expect(200);
    expect(before.body).toMatchObject({ originCertified: false, local: false });
    expect((await searchAll(t, worker, { q: '胶州大白菜认证测试', localOnly: true })).length).toBe(0);

    // the platform verifies a certificate covering the whole city: the product becomes local at once
    await t.http.put(`/api/v1/suppliers/${s.supplierId}/certification`).set(bearer(admin)).send({ certification: '农产品地理标志 AGI00001', certifiedRegionCode: '370200' }).expect(200);
    const after = await t.http.get(`/api/v1/catalog/products/${p.id}`).set(bearer(worker)).expect(200);
    expect(after.body).toMatchObject({ originCertified: true, local: true });
    expect((await searchAll(t, worker, { q: '胶州大白菜认证测试', localOnly: true })).map((i) => i.id)).toEqual([p.id]);

    // certified, but the origin lies outside the certificate's region: not local
    const far = await createListed(t, s.token, admin, { name: '五常大米认证测试', categoryCode: 'grain-oil', originRegionCode: '230184' });
    const farView = await t.http.get(`/api/v1/catalog/products/${far.id}`).set(bearer(worker)).expect(200);
    expect(farView.body).toMatchObject({ originCertified: false, local: false });

    // the flag cannot be written past the trigger
    await t.dataSource.query(`UPDATE products SET origin_certified = true WHERE id = $1`, [far.id]);
    const [row] = await t.dataSource.query(`SELECT origin_certified FROM products WHERE id = $1`, [far.id]);
    expect(row.origin_certified).toBe(false);
  });
});
