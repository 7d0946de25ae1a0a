import { bearer, startTestApp, TestApp } from './support/test-app';

/**
 * UUIDs may arrive in any letter case (ParseUUIDPipe and @IsUUID accept upper case) and PostgreSQL
 * answers in lower case. The validation pipe hands every UUID path parameter, and every id field of
 * a query or body, to the controllers in lower case; each case below went wrong before it did.
 */
describe('UUIDs in upper case are the same ids (e2e)', () => {
  let t: TestApp;
  let admin: { token: string; id: string };
  let supplier: { token: string; organizationId: string };
  let worker: string;

  const login = async (username: string) => (await t.http.post('/api/v1/auth/login').send({ username, password: 'huigong-demo' }).expect(200)).body;
  const up = (id: string) => id.toUpperCase();

  beforeAll(async () => {
    t = await startTestApp();
    const a = await login('admin');
    admin = { token: a.accessToken, id: a.user.id };
    const s = await login('supplier');
    supplier = { token: s.accessToken, organizationId: s.user.organizationId };
    worker = (await login('worker')).accessToken;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a path id in upper case: an admin still cannot disable themselves', async () => {
    const res = await t.http.post(`/api/v1/users/${up(admin.id)}/disable`).set(bearer(admin.token)).send({}).expect(422);
    expect(res.body.error.code).toBe('CANNOT_DISABLE_SELF');
    await login('admin');
  });

  it('a product changed through its upper-case URL keeps its own SKU codes; its stock adjusted likewise answers the stored SKU id', async () => {
    const mine = (await t.http.get('/api/v1/catalog/manage/products').set(bearer(supplier.token)).expect(200)).body.items;
    const product = (await t.http.get(`/api/v1/catalog/products/${mine[0].id}`).set(bearer(supplier.token)).expect(200)).body;
    const sku = product.skus[0];
    const changed = await t.http
      .patch(`/api/v1/catalog/products/${up(product.id)}`)
      .set(bearer(supplier.token))
      .send({ skus: [{ skuCode: sku.skuCode, priceFen: sku.priceFen + 1 }] });
    expect({ status: changed.status, code: changed.body.error?.code }).toEqual({ status: 200, code: undefined });
    expect(changed.body.id).toBe(product.id);
    const adjusted = await t.http.post(`/api/v1/catalog/skus/${up(sku.id)}/stock-adjustments`).set(bearer(supplier.token)).send({ delta: 1, reason: '大写编号' }).expect(201);
    expect(adjusted.body.skuId).toBe(sku.id);
  });

  it('ids in a body or a query in upper case: a category that exists, a supplier filtering by its own id', async () => {
    const mine = (await t.http.get('/api/v1/catalog/manage/products').set(bearer(supplier.token)).expect(200)).body.items;
    const categoryId: string = mine[0].categoryId;
    const created = await t.http
      .post('/api/v1/catalog/products')
      .set(bearer(supplier.token))
      .send({ name: '大写类目测试', categoryId: up(categoryId), skus: [{ spec: '1kg', priceFen: 1000 }] });
    expect({ status: created.status, code: created.body.error?.code }).toEqual({ status: 201, code: undefined });
    expect(created.body.categoryId).toBe(categoryId);
    const found = await t.http.get(`/api/v1/catalog/products?categoryId=${up(categoryId)}`).set(bearer(worker));
    expect({ status: found.status, code: found.body.error?.code }).toEqual({ status: 200, code: undefined });
    const own = await t.http.get(`/api/v1/catalog/manage/products?supplierId=${up(mine[0].supplierId)}`).set(bearer(supplier.token));
    expect({ status: own.status, code: own.body.error?.code }).toEqual({ status: 200, code: undefined });
    expect(own.body.items.length).toBeGreaterThan(0);
  });
});
