import { createApiApp } from '../../apps/api/src/create-api-app';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';
import { createListed, onboardSupplier, OnboardedSupplier } from './catalog-fixtures';

/**
 * The search-results cache (libs/catalog README, "Search results cache"): a catalog change is seen by
 * the next search in every API process at once; stock drifts within the TTL only. The TTL here is
 * the longest allowed (60 s) so that anything served fresh below was invalidated, not expired.
 */
describe('catalog: search results cache (e2e)', () => {
  let t: TestApp;
  let other: NestExpressApplication;
  let otherHttp: ReturnType<typeof request>;
  let admin: string;
  let worker: string;
  let s: OnboardedSupplier;

  const find = async (http: ReturnType<typeof request>, q: string) => {
    const res = await http.get('/api/v1/catalog/products').query({ q }).set(bearer(worker)).expect(200);
    return res.body.items as { id: string; name: string; minPriceFen: number; stock: number; supplierName: string }[];
  };

  beforeAll(async () => {
    const config = testConfig({}, { DEMO_PRODUCTS: '50', CATALOG_SEARCH_CACHE_TTL_MS: '60000' });
    t = await startTestApp({ config });
    // a second API process on the same database: its own memory, its own cache
    ({ app: other } = await createApiApp(config));
    other.useLogger(false);
    await other.init();
    otherHttp = request(other.getHttpServer());
    [admin, worker] = await Promise.all(['admin', 'worker'].map((u) => t.login(u)));
    s = await onboardSupplier(t, admin, { companyName: '缓存测试茶业有限公司' });
  });
  afterAll(async () => {
    await other?.close();
    await t.close();
  });

  it('serves a repeated search from memory: a stock change alone is not seen within the TTL', async () => {
    const p = await createListed(t, s.token, admin, { name: '缓存甲绿茶', skus: [{ skuCode: 'CACHE-A', spec: '250g', priceFen: 3000, stock: 10 }] });
    expect((await find(t.http, '缓存甲')).map((i) => [i.id, i.stock])).toEqual([[p.id, 10]]);
    // stock is what the TTL bounds: a direct change is not a catalog change
    await t.dataSource.query(`UPDATE skus SET stock = 4 WHERE product_id = $1`, [p.id]);
    expect((await find(t.http, '缓存甲')).map((i) => i.stock)).toEqual([10]);
    // a query the cache has not seen yet reads the tables
    const res = await t.http.get('/api/v1/catalog/products').query({ q: '缓存甲', inStock: true }).set(bearer(worker)).expect(200);
    expect(res.body.items.map((i: { stock: number }) => i.stock)).toEqual([4]);
  });

  it('knows a category created in another process at its next search (the category tree follows the version)', async () => {
    const [parent] = await t.dataSource.query(`SELECT id FROM categories WHERE parent_id IS NULL AND NOT forbidden ORDER BY position LIMIT 1`);
    // the other process loads its category tree
    await otherHttp.get('/api/v1/catalog/products').query({ categoryId: parent.id }).set(bearer(worker)).expect(200);
    const created = await t.http.post('/api/v1/catalog/categories').set(bearer(admin)).send({ code: 'cache-new-cat', name: '缓存新类目', parentId: parent.id }).expect(201);
    const res = await otherHttp.get('/api/v1/catalog/products').query({ categoryId: created.body.id }).set(bearer(worker)).expect(200);
    expect(res.body.items).toEqual([]);
  });

  it('shows a price change at once, in this process and in another', async () => {
    const p = await createListed(t, s.token, admin, { name: '缓存乙绿茶', skus: [{ skuCode: 'CACHE-B', spec: '250g', priceFen: 5000, stock: 10 }] });
    expect((await find(t.http, '缓存乙')).map((i) => i.minPriceFen)).toEqual([5000]);
    expect((await find(otherHttp, '缓存乙')).map((i) => i.minPriceFen)).toEqual([5000]);
    await t.http
      .patch(`/api/v1/catalog/products/${p.id}`)
      .set(bearer(s.token))
      .send({ skus: [{ skuCode: 'CACHE-B', priceFen: 4200 }] })
      .expect(200);
    expect((await find(t.http, '缓存乙')).map((i) => i.minPriceFen)).toEqual([4200]);
    expect((await find(otherHttp, '缓存乙')).map((i) => i.minPriceFen)).toEqual([4200]);
  });

  it('drops a delisted product and a suspended supplier’s products from the next search', async () => {
    const p = await createListed(t, s.token, admin, { name: '缓存丙绿茶' });
    const q = await createListed(t, s.token, admin, { name: '缓存丙红茶' });
    expect((await find(otherHttp, '缓存丙')).map((i) => i.id).sort()).toEqual([p.id, q.id].sort());
    await t.http.post(`/api/v1/catalog/products/${p.id}/delist`).set(bearer(s.token)).send({}).expect(200);
    expect((await find(otherHttp, '缓存丙')).map((i) => i.id)).toEqual([q.id]);
    await t.http.post(`/api/v1/suppliers/${s.supplierId}/suspend`).set(bearer(admin)).send({ reason: '资质过期' }).expect(200);
    expect(await find(otherHttp, '缓存丙')).toEqual([]);
    await t.http.post(`/api/v1/suppliers/${s.supplierId}/reinstate`).set(bearer(admin)).send({}).expect(200);
    expect((await find(otherHttp, '缓存丙')).map((i) => i.id)).toEqual([q.id]);
  });

  it('sees a change written by any client of the database (an import, a script), not only through the API', async () => {
    const p = await createListed(t, s.token, admin, { name: '缓存丁绿茶', skus: [{ skuCode: 'CACHE-D', spec: '250g', priceFen: 2000, stock: 10 }] });
    expect((await find(t.http, '缓存丁')).map((i) => [i.name, i.minPriceFen])).toEqual([['缓存丁绿茶', 2000]]);
    await t.dataSource.transaction(async (em) => {
      await em.query(`UPDATE products SET name = '缓存丁乌龙茶' WHERE id = $1`, [p.id]);
      await em.query(`UPDATE skus SET price_fen = 1800 WHERE product_id = $1`, [p.id]);
    });
    // (min_price_fen is the writer's job; the SKU price change alone must invalidate)
    expect((await find(t.http, '缓存丁')).map((i) => i.name)).toEqual(['缓存丁乌龙茶']);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM cache_version_changes`);
    expect(n).toBe(0); // each changing transaction's mark is gone at its commit
  });

  it('keeps the order path clear of the version: stock and sales updates do not change it', async () => {
    const [before] = await t.dataSource.query(`SELECT version FROM cache_versions WHERE name = 'catalog'`);
    await t.dataSource.query(`UPDATE skus SET stock = stock + 1`);
    await t.dataSource.query(`UPDATE products SET sales_count = sales_count + 1`);
    const [after] = await t.dataSource.query(`SELECT version FROM cache_versions WHERE name = 'catalog'`);
    expect(after.version).toBe(before.version);
    await t.dataSource.query(`UPDATE categories SET name = name`);
    const [renamed] = await t.dataSource.query(`SELECT version FROM cache_versions WHERE name = 'catalog'`);
    expect(renamed.version).not.toBe(before.version);
  });

  it('answers a cached page with the body of the page computed alone', async () => {
    // a third process on the same database with the cache off computes every page for itself
    const { app: direct } = await createApiApp({ ...t.config, catalogSearchCacheTtlMs: 0 });
    direct.useLogger(false);
    await direct.init();
    try {
      const page = async (http: ReturnType<typeof request>, query: Record<string, unknown>) =>
        (await http.get('/api/v1/catalog/products').query(query).set(bearer(worker)).expect(200).expect('Content-Type', /^application\/json; charset=utf-8/)).text;
      await t.dataSource.query(`UPDATE categories SET name = name`); // a new catalog version: nothing cached before this test is used
      for (const sort of ['sales', 'price_asc', 'price_desc', 'rating']) {
        for (const [offset, limit] of [
          [0, 20],
          [20, 20],
          [45, 10],
          [95, 10],
        ]) {
          const computed = await page(request(direct.getHttpServer()), { sort, offset, limit });
          expect(JSON.parse(computed).items.length).toBe(Math.max(0, Math.min(limit, JSON.parse(computed).total - offset)));
          // the template writes exactly what JSON.stringify (res.json) wrote for the page object
          expect(computed).toBe(JSON.stringify(JSON.parse(computed)));
          expect(Object.keys(JSON.parse(computed))).toEqual(['items', 'total', 'totalCapped', 'limit', 'offset']);
          expect(await page(t.http, { sort, offset, limit })).toBe(computed); // the miss
          expect(await page(t.http, { sort, offset, limit })).toBe(computed); // the hit
        }
      }
    } finally {
      await direct.close();
    }
  });
});
