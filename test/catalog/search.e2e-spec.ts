import { CatalogService } from '@huigong/catalog';
import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';
import { categoryId, createListed, searchAll } from './catalog-fixtures';

const DEMO_PRODUCTS = 1100;

interface Listed {
  id: string;
  name: string;
  description: string;
  category_path: string[];
  supplier_id: string;
  origin_region_code: string;
  origin_certified: boolean;
  prices: number[];
  stocks: number[];
}

describe('catalog: browsing and Chinese search (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let worker: string;
  let supplier: string;
  let listed: Listed[];

  /** Every listed product straight from the tables: the oracle the API is compared with. */
  async function readListed(): Promise<Listed[]> {
    return t.dataSource.query(
      `SELECT p.id, p.name, p.description, c.path AS category_path, p.supplier_id, p.origin_region_code, p.origin_certified,
              array_agg(k.price_fen::int ORDER BY k.id) AS prices, array_agg(k.stock ORDER BY k.id) AS stocks
         FROM products p JOIN suppliers s ON s.id = p.supplier_id JOIN categories c ON c.id = p.category_id JOIN skus k ON k.product_id = p.id
        WHERE p.status = 'active' AND s.status = 'approved' GROUP BY p.id, c.path`,
    );
  }

  const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();

  beforeAll(async () => {
    // This file checks the search itself against the tables, writing sales, ratings and stock straight
    // to them between searches: those drift within the search cache's TTL by design, so the cache is
    // off here. search-cache.e2e-spec.ts tests the cache.
    t = await startTestApp({ config: testConfig({}, { DEMO_PRODUCTS: String(DEMO_PRODUCTS), CATALOG_SEARCH_CACHE_TTL_MS: '0' }) });
    [admin, worker, supplier] = await Promise.all(['admin', 'worker', 'supplier'].map((u) => t.login(u)));
    // products whose names put the query in awkward places: at the start, the end, across a space, in Latin letters
    await createListed(t, supplier, admin, { name: '大米', categoryCode: 'grain-oil', skus: [{ spec: '5kg', priceFen: 4990, stock: 3 }] });
    await createListed(t, supplier, admin, { name: '东北长粒香 大米', categoryCode: 'grain-oil', skus: [{ spec: '10kg', priceFen: 8990, stock: 0 }] });
    await createListed(t, supplier, admin, { name: 'USB充电线 Type-C', categoryCode: 'digital-accessories', skus: [{ spec: '1m', priceFen: 1990, stock: 50 }] });
    await createListed(t, supplier, admin, { name: '崂山海参礼盒', categoryCode: 'seafood', description: '崂山近海，野生刺参。', skus: [{ spec: '500g', priceFen: 59900, stock: 5 }] });
    listed = await readListed();
  });
  afterAll(() => t.close());

  it('seeded the demo catalog: 30 categories and the forbidden one, ~200 suppliers, the products, stock through movements', async () => {
    const [cats] = await t.dataSource.query(`SELECT count(*) FILTER (WHERE NOT forbidden)::int AS allowed, count(*) FILTER (WHERE forbidden)::int AS forbidden FROM categories WHERE parent_id IS NULL`);
    expect(cats).toEqual({ allowed: 30, forbidden: 1 });
    const [sup] = await t.dataSource.query(`SELECT count(*)::int AS n FROM suppliers WHERE status = 'approved'`);
    expect(sup.n).toBe(200);
    const [demo] = await t.dataSource.query(
      `SELECT s.company_name FROM suppliers s JOIN users u ON u.organization_id = s.organization_id WHERE u.username = 'supplier'`,
    );
    expect(demo.company_name).toBe('崂山农品合作社');
    const [prod] = await t.dataSource.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'active')::int AS active, count(*) FILTER (WHERE origin_certified AND origin_region_code LIKE '3702%')::int AS local FROM products`);
    expect(prod.n).toBe(DEMO_PRODUCTS + 4);
    expect(prod.active).toBe(prod.n);
    expect(prod.local).toBeGreaterThan(0);
    const [drift] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM skus k WHERE k.stock <> coalesce((SELECT sum(delta) FROM stock_movements m WHERE m.sku_id = k.id), 0)`,
    );
    expect(drift.n).toBe(0);
  });

  it.each(['大米', '崂山', '海参', '苹果', '茶', '崂山绿茶', '礼盒', 'usb', 'USB', '长粒香 大米'])('finds exactly the products whose name or description contains "%s"', async (q) => {
    const terms = q.toLowerCase().split(' ');
    const expected = listed.filter((p) => terms.every((term) => `${p.name} ${p.description}`.toLowerCase().includes(term)));
    const got = await searchAll(t, worker, { q });
    expect(ids(got)).toEqual(ids(expected));
    if (['大米', '崂山', '茶'].includes(q)) expect(expected.length).toBeGreaterThan(2);
  });

  it('answers a query with no match with an empty page, and treats LIKE wildcards literally', async () => {
    const none = await t.http.get('/api/v1/catalog/products').query({ q: '不存在的商品名' }).set(bearer(worker)).expect(200);
    expect(none.body).toMatchObject({ items: [], total: 0, totalCapped: false });
    expect(await searchAll(t, worker, { q: '%' })).toEqual([]);
    expect(await searchAll(t, worker, { q: '_' })).toEqual([]);
  });

  it('uses the gram index for two-character Chinese queries', async () => {
    // as autovacuum leaves it: statistics gathered, GIN pending list merged (a table this small is otherwise read whole)
    await t.dataSource.query('VACUUM ANALYZE products');
    const plan: { 'QUERY PLAN': string }[] = await t.dataSource.transaction(async (em) => {
      await em.query('SET LOCAL enable_seqscan = off');
      return em.query(`EXPLAIN SELECT id FROM products p WHERE p.status = 'active' AND p.supplier_listed AND catalog_product_grams(p.name, p.description) @> catalog_query_grams($1::text)`, ['大米']);
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Bitmap Index Scan on products_listed_search/);
    expect(text).toContain('{大米}');
  });

  it('lists a category page with everything below it', async () => {
    const grain = await categoryId(t, 'grain-oil');
    const expected = listed.filter((p) => p.category_path.includes(grain));
    const got = await searchAll(t, worker, { categoryId: grain });
    expect(ids(got)).toEqual(ids(expected));
    expect(expected.some((p) => p.category_path.length > 1)).toBe(true);
    await t.http.get('/api/v1/catalog/products').query({ categoryId: '00000000-0000-4000-8000-000000000000' }).set(bearer(worker)).expect(404);
  });

  it('filters by price range, stock, supplier and certified local origin, combined', async () => {
    const min = 2000;
    const max = 5000;
    const inRange = (p: Listed) => p.prices.some((price, i) => price >= min && price <= max && p.stocks[i] > 0);
    expect(ids(await searchAll(t, worker, { minPrice: min, maxPrice: max, inStock: true }))).toEqual(ids(listed.filter(inRange)));
    expect(ids(await searchAll(t, worker, { inStock: true }))).toEqual(ids(listed.filter((p) => p.stocks.some((s) => s > 0))));
    expect(ids(await searchAll(t, worker, { inStock: false }))).toEqual(ids(listed));

    const [own] = await t.dataSource.query(`SELECT s.id FROM suppliers s JOIN users u ON u.organization_id = s.organization_id WHERE u.username = 'supplier'`);
    expect(ids(await searchAll(t, worker, { supplierId: own.id }))).toEqual(ids(listed.filter((p) => p.supplier_id === own.id)));

    // the worker's union is in Qingdao (370202): local = certified origin in 3702xx
    const local = listed.filter((p) => p.origin_certified && p.origin_region_code.startsWith('3702'));
    expect(local.length).toBeGreaterThan(0);
    const gotLocal = await searchAll(t, worker, { localOnly: true });
    expect(ids(gotLocal)).toEqual(ids(local));
    expect(ids(await searchAll(t, worker, { localOnly: true, q: '茶' }))).toEqual(ids(local.filter((p) => `${p.name} ${p.description}`.includes('茶'))));

    const bad = await t.http.get('/api/v1/catalog/products').query({ minPrice: 'cheap', inStock: 'maybe', sort: 'random', limit: 1000 }).set(bearer(worker)).expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['inStock', 'limit', 'minPrice', 'sort']);
  });

  it('sorts by price, sales and rating, and pages without gaps or repeats', async () => {
    const byPrice = (await t.http.get('/api/v1/catalog/products').query({ q: '茶', sort: 'price_asc', limit: 200 }).set(bearer(worker)).expect(200)).body.items;
    const prices = byPrice.map((i: { minPriceFen: number }) => i.minPriceFen);
    expect(prices).toEqual([...prices].sort((x, y) => x - y));
    const desc = (await t.http.get('/api/v1/catalog/products').query({ q: '茶', sort: 'price_desc', limit: 200 }).set(bearer(worker)).expect(200)).body.items;
    expect(desc.map((i: { minPriceFen: number }) => i.minPriceFen)).toEqual([...prices].sort((x, y) => y - x));

    // ordering fills in sales and ratings through CatalogService; the listing follows
    const catalog = t.app.get(CatalogService);
    const rice = (await searchAll(t, worker, { q: '大米' })).slice(0, 3) as { id: string }[];
    const skuOf = async (productId: string) => (await t.dataSource.query(`SELECT id FROM skus WHERE product_id = $1 LIMIT 1`, [productId]))[0].id;
    await t.dataSource.transaction(async (em) => {
      await catalog.recordSales(em, [{ skuId: await skuOf(rice[2].id), quantity: 7 }, { skuId: await skuOf(rice[1].id), quantity: 3 }]);
      await catalog.recordSales(em, [{ skuId: await skuOf(rice[2].id), quantity: 1 }]);
      await catalog.recordRating(em, rice[0].id, 5);
      await catalog.recordRating(em, rice[0].id, 4);
      await catalog.recordRating(em, rice[1].id, 3);
    });
    const bySales = (await t.http.get('/api/v1/catalog/products').query({ q: '大米', sort: 'sales' }).set(bearer(worker)).expect(200)).body.items;
    expect(bySales.slice(0, 2).map((i: { id: string; salesCount: number }) => [i.id, i.salesCount])).toEqual([
      [rice[2].id, 8],
      [rice[1].id, 3],
    ]);
    const byRating = (await t.http.get('/api/v1/catalog/products').query({ q: '大米', sort: 'rating' }).set(bearer(worker)).expect(200)).body.items;
    expect(byRating.slice(0, 2).map((i: { id: string; ratingAverage: number; ratingCount: number }) => [i.id, i.ratingAverage, i.ratingCount])).toEqual([
      [rice[0].id, 4.5, 2],
      [rice[1].id, 3, 1],
    ]);

    // pages of 7 over the tea results: disjoint, complete, in one order
    const all = await searchAll(t, worker, { q: '茶' });
    const paged: { id: string }[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      const page = await t.http.get('/api/v1/catalog/products').query({ q: '茶', limit: 7, offset }).set(bearer(worker)).expect(200);
      expect(page.body.total).toBe(all.length);
      paged.push(...page.body.items);
    }
    expect(paged.map((p) => p.id)).toEqual(all.map((p) => p.id));
  });

  it('caps the count of very broad listings', async () => {
    const res = await t.http.get('/api/v1/catalog/products').query({ limit: 5 }).set(bearer(worker)).expect(200);
    expect(listed.length).toBeGreaterThan(1000);
    expect(res.body).toMatchObject({ total: 1000, totalCapped: true, limit: 5, offset: 0 });
    expect(res.body.items).toHaveLength(5);
  });

  it('counts a keyword that matches more than 1,000 products up to 1,000, and pages it in order without gaps or repeats', async () => {
    // every demo description ends with 。: the broad-keyword path (capped count, walking the sort order)
    const expected = listed.filter((p) => `${p.name} ${p.description}`.includes('。'));
    expect(expected.length).toBeGreaterThan(1000);
    for (const sort of ['sales', 'price_asc', 'price_desc', 'rating'] as const) {
      const first = await t.http.get('/api/v1/catalog/products').query({ q: '。', sort, limit: 20 }).set(bearer(worker)).expect(200);
      expect(first.body).toMatchObject({ total: 1000, totalCapped: true, limit: 20, offset: 0 });
      expect(first.body.items).toHaveLength(20);
      // the same order as the listing of everything (the sort index), restricted to the matches
      const everything = await searchAll(t, worker, { sort });
      const inOrder = everything.filter((p) => expected.some((e) => e.id === p.id)).map((p) => p.id);
      expect(first.body.items.map((i: { id: string }) => i.id)).toEqual(inOrder.slice(0, 20));
      const all = await searchAll(t, worker, { q: '。', sort });
      expect(all.map((p) => p.id)).toEqual(inOrder);
      // past the 1,000th match the page is still exact (the walk falls short and the matches are sorted)
      const deep = await t.http.get('/api/v1/catalog/products').query({ q: '。', sort, limit: 7, offset: expected.length - 3 }).set(bearer(worker)).expect(200);
      expect(deep.body.items.map((i: { id: string }) => i.id)).toEqual(inOrder.slice(-3));
      expect(deep.body).toMatchObject({ total: 1000, totalCapped: true });
    }
    const none = await t.http.get('/api/v1/catalog/products').query({ q: '。', offset: 5000 }).set(bearer(worker)).expect(200);
    expect(none.body).toMatchObject({ items: [], total: 1000, totalCapped: true });
    // a broad term with a narrow one: few matches, counted exactly
    const rice = listed.filter((p) => `${p.name} ${p.description}`.includes('。') && `${p.name} ${p.description}`.includes('大米'));
    const both = await t.http.get('/api/v1/catalog/products').query({ q: '。 大米', limit: 200 }).set(bearer(worker)).expect(200);
    expect(both.body).toMatchObject({ total: rice.length, totalCapped: false });
    expect(ids(both.body.items)).toEqual(ids(rice));
  });

  it('serves the category tree to every signed-in role, and nothing to strangers', async () => {
    const tree = await t.http.get('/api/v1/catalog/categories').set(bearer(worker)).expect(200);
    expect(tree.body.filter((c: { forbidden: boolean }) => !c.forbidden)).toHaveLength(30);
    const grain = tree.body.find((c: { code: string }) => c.code === 'grain-oil');
    expect(grain).toMatchObject({ name: '粮油米面', forbidden: false });
    expect(grain.children.map((c: { code: string }) => c.code)).toContain('rice');
    await t.http.get('/api/v1/catalog/categories').expect(401);
    await t.http.get('/api/v1/catalog/products').expect(401);
  });
});
