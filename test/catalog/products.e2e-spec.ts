import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';
import { categoryId, createDraft, createListed, onboardSupplier, OnboardedSupplier, searchAll } from './catalog-fixtures';

describe('catalog: product lifecycle, forbidden categories and supplier scoping (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let worker: string;
  let auditor: string;
  let a: OnboardedSupplier;
  let b: OnboardedSupplier;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { DEMO_PRODUCTS: '200' }) });
    [admin, worker, auditor] = await Promise.all(['admin', 'worker', 'auditor'].map((u) => t.login(u)));
    a = await onboardSupplier(t, admin);
    b = await onboardSupplier(t, admin);
  });
  afterAll(() => t.close());

  it('moves through the declared lifecycle and records who, when and why', async () => {
    const p = await createDraft(t, a.token, { name: '生命周期测试绿茶' });
    // only the declared transitions: a draft cannot be approved or delisted
    const early = await t.http.post(`/api/v1/catalog/products/${p.id}/approve`).set(bearer(admin)).expect(409);
    expect(early.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: 'draft', allowedFrom: ['pending_review'] } });
    await t.http.post(`/api/v1/catalog/products/${p.id}/delist`).set(bearer(a.token)).send({}).expect(409);

    await t.http.post(`/api/v1/catalog/products/${p.id}/submit`).set(bearer(a.token)).expect(200);
    const noReason = await t.http.post(`/api/v1/catalog/products/${p.id}/reject`).set(bearer(admin)).send({ reason: '   ' }).expect(400);
    expect(noReason.body.error.code).toBe('REASON_REQUIRED');
    await t.http.post(`/api/v1/catalog/products/${p.id}/reject`).set(bearer(admin)).send({ reason: '图片不清晰' }).expect(200, { id: p.id, status: 'rejected' });
    const rejected = await t.http.get(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', statusReason: '图片不清晰', listed: false });

    // fix and resubmit; approve; the supplier delists; a platform admin's take-down needs a reason
    await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ imageUrls: ['https://img.example.com/clear.jpg'] }).expect(200);
    await t.http.post(`/api/v1/catalog/products/${p.id}/submit`).set(bearer(a.token)).expect(200);
    await t.http.post(`/api/v1/catalog/products/${p.id}/approve`).set(bearer(admin)).expect(200);
    await t.http.post(`/api/v1/catalog/products/${p.id}/delist`).set(bearer(a.token)).send({}).expect(200, { id: p.id, status: 'delisted' });
    await t.http.post(`/api/v1/catalog/products/${p.id}/submit`).set(bearer(a.token)).expect(200);
    await t.http.post(`/api/v1/catalog/products/${p.id}/approve`).set(bearer(admin)).expect(200);
    const takeDown = await t.http.post(`/api/v1/catalog/products/${p.id}/delist`).set(bearer(admin)).send({}).expect(400);
    expect(takeDown.body.error.code).toBe('REASON_REQUIRED');
    await t.http.post(`/api/v1/catalog/products/${p.id}/delist`).set(bearer(admin)).send({ reason: '涉嫌虚假宣传' }).expect(200);

    const history = await t.http.get(`/api/v1/catalog/products/${p.id}/history`).set(bearer(a.token)).expect(200);
    expect(history.body.map((h: { action: string; fromStatus: string | null; toStatus: string }) => [h.action, h.fromStatus, h.toStatus])).toEqual([
      ['create', null, 'draft'],
      ['submit', 'draft', 'pending_review'],
      ['reject', 'pending_review', 'rejected'],
      ['submit', 'rejected', 'pending_review'],
      ['approve', 'pending_review', 'active'],
      ['delist', 'active', 'delisted'],
      ['submit', 'delisted', 'pending_review'],
      ['approve', 'pending_review', 'active'],
      ['take_down', 'active', 'delisted'],
    ]);
    const [me] = await t.dataSource.query(`SELECT id FROM users WHERE username = 'admin'`);
    expect(history.body[8]).toMatchObject({ reason: '涉嫌虚假宣传', actorUserId: me.id, at: expect.any(String) });
    // the history is append-only
    await expect(t.dataSource.query(`UPDATE product_transitions SET reason = 'x' WHERE product_id = $1`, [p.id])).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM product_transitions WHERE product_id = $1`, [p.id])).rejects.toThrow(/append-only/);
  });

  it('sends a listed product back to review when its content changes, but not for price changes', async () => {
    const p = await createListed(t, a.token, admin, { name: '改价测试茶', skus: [{ skuCode: 'EDIT-1', spec: '100g', priceFen: 1000, stock: 3 }] });
    const priced = await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ skus: [{ skuCode: 'EDIT-1', priceFen: 1200 }] }).expect(200);
    expect(priced.body).toMatchObject({ status: 'active', revised: false, minPriceFen: 1200 });
    // a new SKU with its initial stock, priced below the others: the cached price range follows
    const added = await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ skus: [{ skuCode: 'EDIT-2', spec: '50g', priceFen: 600, stock: 7 }] }).expect(200);
    expect(added.body).toMatchObject({ minPriceFen: 600, maxPriceFen: 1200 });
    const stockEdit = await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ skus: [{ skuCode: 'EDIT-1', stock: 99 }] }).expect(400);
    expect(stockEdit.body.error.code).toBe('STOCK_NOT_EDITABLE');

    const renamed = await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ name: '改名测试茶' }).expect(200);
    expect(renamed.body).toMatchObject({ status: 'pending_review', revised: true, name: '改名测试茶' });
    expect(await searchAll(t, worker, { q: '改名测试茶' })).toEqual([]);
    const frozen = await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ name: '再改' }).expect(409);
    expect(frozen.body.error.code).toBe('PRODUCT_UNDER_REVIEW');
    await t.http.post(`/api/v1/catalog/products/${p.id}/approve`).set(bearer(admin)).expect(200);
    expect((await searchAll(t, worker, { q: '改名测试茶' })).map((i) => i.id)).toEqual([p.id]);
  });

  it('refuses products in a forbidden category at the API and in the database', async () => {
    const cash = await categoryId(t, 'cash-equivalents');
    const [sub] = await t.dataSource.query(`SELECT id FROM categories WHERE parent_id = $1 LIMIT 1`, [cash]);
    for (const id of [cash, sub.id]) {
      const res = await t.http
        .post('/api/v1/catalog/products')
        .set(bearer(a.token))
        .send({ name: '超市购物卡 面值500元', categoryId: id, skus: [{ spec: '面值500元', priceFen: 50000 }] })
        .expect(422);
      expect(res.body.error.code).toBe('CATEGORY_FORBIDDEN');
    }
    // moving a draft there is refused too
    const p = await createDraft(t, a.token, { name: '想改类目的茶' });
    const moved = await t.http.patch(`/api/v1/catalog/products/${p.id}`).set(bearer(a.token)).send({ categoryId: cash }).expect(422);
    expect(moved.body.error.code).toBe('CATEGORY_FORBIDDEN');
    // and whatever code writes the row, the database refuses it
    await expect(t.dataSource.query(`UPDATE products SET category_id = $2 WHERE id = $1`, [p.id, cash])).rejects.toThrow(/forbidden/);
    // a new subcategory under a forbidden category inherits the ban
    const created = await t.http.post('/api/v1/catalog/categories').set(bearer(admin)).send({ code: 'gift-cards', name: '礼品卡', parentId: cash }).expect(201);
    expect(created.body.forbidden).toBe(true);
    const tree = await t.http.get('/api/v1/catalog/categories').set(bearer(worker)).expect(200);
    const cashNode = tree.body.find((c: { code: string }) => c.code === 'cash-equivalents');
    expect(cashNode.forbidden).toBe(true);
    expect(cashNode.children.map((c: { code: string }) => c.code)).toContain('gift-cards');
  });

  it('lets a supplier touch only its own products and SKUs', async () => {
    const mine = await createListed(t, b.token, admin, { name: '归属测试海参', categoryCode: 'seafood', skus: [{ skuCode: 'OWN-1', spec: '500g', priceFen: 19900, stock: 4 }] });
    const draft = await createDraft(t, b.token, { name: '归属测试草稿' });
    const sku = mine.skus[0].id;
    const attempts = [
      t.http.patch(`/api/v1/catalog/products/${mine.id}`).set(bearer(a.token)).send({ name: '抢过来' }),
      t.http.post(`/api/v1/catalog/products/${draft.id}/submit`).set(bearer(a.token)),
      t.http.post(`/api/v1/catalog/products/${mine.id}/delist`).set(bearer(a.token)).send({}),
      t.http.post(`/api/v1/catalog/skus/${sku}/stock-adjustments`).set(bearer(a.token)).send({ delta: -4, reason: '清空' }),
      t.http.get(`/api/v1/catalog/skus/${sku}/movements`).set(bearer(a.token)),
      t.http.get(`/api/v1/catalog/manage/products?supplierId=${b.supplierId}`).set(bearer(a.token)),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('OUT_OF_SCOPE');
    }
    // another supplier's draft does not even exist for A
    await t.http.get(`/api/v1/catalog/products/${draft.id}`).set(bearer(a.token)).expect(404);
    const [logged] = await t.dataSource.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused' AND user_id = (SELECT id FROM users WHERE username = $1)`, [a.username]);
    expect(logged.n).toBeGreaterThanOrEqual(attempts.length);
    // nothing changed
    const after = await t.http.get(`/api/v1/catalog/products/${mine.id}`).set(bearer(b.token)).expect(200);
    expect(after.body).toMatchObject({ name: '归属测试海参', status: 'active', skus: [expect.objectContaining({ stock: 4 })] });
    // A's management list holds only A's products; B's holds B's draft
    const listA = await t.http.get('/api/v1/catalog/manage/products?limit=200').set(bearer(a.token)).expect(200);
    expect(listA.body.items.every((i: { supplierId: string }) => i.supplierId === a.supplierId)).toBe(true);
    const listB = await t.http.get('/api/v1/catalog/manage/products?status=draft').set(bearer(b.token)).expect(200);
    expect(listB.body.items.map((i: { id: string }) => i.id)).toEqual([draft.id]);
    // platform admins and auditors see any supplier's
    const audit = await t.http.get(`/api/v1/catalog/manage/products?supplierId=${b.supplierId}`).set(bearer(auditor)).expect(200);
    expect(audit.body.total).toBe(2);
    // workers manage nothing, and suppliers do not moderate
    await t.http.get('/api/v1/catalog/manage/products').set(bearer(worker)).expect(403);
    await t.http.post(`/api/v1/catalog/products/${draft.id}/approve`).set(bearer(b.token)).expect(403);
    await t.http.post('/api/v1/catalog/products').set(bearer(admin)).send({ name: 'x', categoryId: await categoryId(t, 'tea'), skus: [{ spec: 'x', priceFen: 1 }] }).expect(403);
  });

  it('validates products and refuses reused SKU codes', async () => {
    const bad = await t.http
      .post('/api/v1/catalog/products')
      .set(bearer(a.token))
      .send({ name: '', categoryId: 'tea', imageUrls: ['javascript:alert(1)'], skus: [{ spec: '', priceFen: 9.9, stock: -1, perMemberLimit: 0 }] })
      .expect(400);
    const fields = bad.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['categoryId', 'imageUrls', 'name', 'skus[0].perMemberLimit', 'skus[0].priceFen', 'skus[0].spec', 'skus[0].stock'].sort());
    const noSkus = await t.http.post('/api/v1/catalog/products').set(bearer(a.token)).send({ name: '无规格', categoryId: await categoryId(t, 'tea'), skus: [] }).expect(400);
    expect(noSkus.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['skus']);
    await createDraft(t, a.token, { name: '编码测试一', skus: [{ skuCode: 'SAME-CODE', spec: '1', priceFen: 100 }] });
    const taken = await t.http
      .post('/api/v1/catalog/products')
      .set(bearer(a.token))
      .send({ name: '编码测试二', categoryId: await categoryId(t, 'tea'), skus: [{ skuCode: 'SAME-CODE', spec: '1', priceFen: 100 }] })
      .expect(409);
    expect(taken.body.error).toMatchObject({ code: 'SKU_CODE_TAKEN', details: { skuCodes: ['SAME-CODE'] } });
    // codes are per supplier: B may use the same code
    await createDraft(t, b.token, { name: '编码测试三', skus: [{ skuCode: 'SAME-CODE', spec: '1', priceFen: 100 }] });
  });
});
