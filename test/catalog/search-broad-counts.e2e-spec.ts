import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { MATCH_COUNT_CAP, TOTAL_CAP, WALK_ROWS } from '../../libs/catalog/src/services/product-search.service';
import { SearchDbPool } from '../../libs/catalog/src/services/search-db-pool.service';
import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';

/**
 * Broad keywords with the results cache on (libs/catalog README, "Broad keywords"): once a keyword is
 * known to match more than 1,000 products, its count is remembered for the catalog version and later
 * pages skip the sample and size the walk by it. Every page must still be, byte for byte, the page a
 * process with no cache at all computes — before and after a catalog change that brings the keyword
 * under 1,000 matches.
 */
describe('catalog: broad keywords with remembered counts (e2e)', () => {
  let t: TestApp;
  let fresh: NestExpressApplication;
  let freshHttp: ReturnType<typeof request>;
  let worker: string;
  const SORTS = ['sales', 'price_asc', 'price_desc', 'rating'] as const;

  /** listed products whose name or description holds 。 (the demo descriptions end with it) */
  const matches = async (): Promise<number> =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM products p JOIN suppliers s ON s.id = p.supplier_id
          WHERE p.status = 'active' AND s.status = 'approved' AND strpos(p.name || ' ' || p.description, '。') > 0`,
      )
    )[0].n;

  const page = async (http: ReturnType<typeof request>, query: Record<string, string | number>) =>
    (await http.get('/api/v1/catalog/products').query(query).set(bearer(worker)).expect(200)).text;

  beforeAll(async () => {
    const config = testConfig({}, { DEMO_PRODUCTS: '1100', CATALOG_SEARCH_CACHE_TTL_MS: '60000' });
    t = await startTestApp({ config });
    // the oracle: a second process on the same database computing every page afresh
    ({ app: fresh } = await createApiApp({ ...config, catalogSearchCacheTtlMs: 0 }));
    fresh.useLogger(false);
    await fresh.init();
    freshHttp = request(fresh.getHttpServer());
    worker = await t.login('worker');
  });
  afterAll(async () => {
    await fresh?.close();
    await t.close();
  });

  /** The statements the search pool ran, by kind, from a spy on SearchDbPool.query. */
  const kinds = (spy: jest.SpyInstance) => {
    const texts = spy.mock.calls.map((c) => c[1] as string);
    return {
      count: texts.filter((x) => x.includes(`LIMIT ${MATCH_COUNT_CAP})`)).length,
      sample: texts.filter((x) => x.includes('count(*) OVER ()') && x.includes(`LIMIT ${TOTAL_CAP + 1})`)).length,
      walk: texts.filter((x) => x.includes(`LIMIT ${WALK_ROWS})`)).length,
    };
  };

  it('counts a broad keyword once per catalog version, without holding the first page up; later pages and orders reuse the count', async () => {
    const pool = t.app.get(SearchDbPool);
    const original = pool.query.bind(pool);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // the broad count is held until released: the first page must not wait for it (a shallow page's
    // walk is decided by the worst-case density already)
    const spy = jest.spyOn(pool, 'query').mockImplementation(async (name, text, values) => {
      if (text.includes(`LIMIT ${MATCH_COUNT_CAP})`)) await gate;
      return original(name, text, values);
    });
    try {
      const first = { q: '。', sort: 'sales', limit: 20, offset: 0 };
      expect(await page(t.http, first)).toBe(await page(freshHttp, first));
      expect(kinds(spy)).toMatchObject({ sample: 1, count: 1 });
      release();
      for (const sort of SORTS) {
        for (const offset of [0, 20, 40]) {
          const query = { q: '。', sort, limit: 20, offset };
          expect(await page(t.http, query)).toBe(await page(freshHttp, query));
        }
      }
      // eleven more pages computed: not one sample or count more
      expect(kinds(spy)).toMatchObject({ sample: 1, count: 1 });
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('remembers where a walk fell short: a deeper page in that order is sorted without walking again', async () => {
    const n = await matches();
    const pool = t.app.get(SearchDbPool);
    const spy = jest.spyOn(pool, 'query');
    try {
      // the walk in ascending price reads every product and still ends 17 short of the page
      const short = { q: '。', sort: 'price_asc', limit: 20, offset: n - 3 };
      expect(await page(t.http, short)).toBe(await page(freshHttp, short));
      expect(kinds(spy).walk).toBe(1);
      for (const offset of [n - 1, n + 10]) {
        const deeper = { q: '。', sort: 'price_asc', limit: 20, offset };
        expect(await page(t.http, deeper)).toBe(await page(freshHttp, deeper));
      }
      expect(kinds(spy).walk).toBe(1);
      // another order has a memo of its own: its walk still runs
      const other = { q: '。', sort: 'price_desc', limit: 20, offset: n - 3 };
      expect(await page(t.http, other)).toBe(await page(freshHttp, other));
      expect(kinds(spy).walk).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('runs searches on sessions that force generic plans', async () => {
    const rows = await t.app.get(SearchDbPool).query('catalog_test_show_plan_cache_mode', 'SHOW plan_cache_mode', []);
    expect(rows).toEqual([{ plan_cache_mode: 'force_generic_plan' }]);
  });

  it('pages a keyword with more than 1,000 matches exactly as a process without cache, at every depth and in every order', async () => {
    const n = await matches();
    expect(n).toBeGreaterThan(1000);
    for (const sort of SORTS) {
      // the first page learns the count; the deeper ones (each a page of its own in the cache) use it
      for (const offset of [0, 20, 40, 100, 400, 990, n - 3, n + 10]) {
        const query = { q: '。', sort, limit: 20, offset };
        const cached = await page(t.http, query);
        expect(JSON.parse(cached)).toMatchObject({ total: 1000, totalCapped: true, offset });
        expect(cached).toBe(await page(freshHttp, query));
      }
    }
    // a narrower query built on the broad term is counted on its own
    const both = { q: '。 大米', limit: 50, offset: 0 };
    expect(await page(t.http, both)).toBe(await page(freshHttp, both));
  });

  it('forgets the count at a catalog change: a keyword brought under 1,000 matches gets its exact total at once', async () => {
    const before = await matches();
    // a content change, as a script would make it: the database replaces the catalog version at commit
    await t.dataSource.query(
      `UPDATE products SET description = replace(description, '。', '')
        WHERE id IN (SELECT id FROM products WHERE strpos(description, '。') > 0 AND strpos(name, '。') = 0 ORDER BY id LIMIT $1)`,
      [before - 900],
    );
    const after = await matches();
    expect(after).toBeLessThanOrEqual(1000);
    for (const sort of SORTS) {
      for (const offset of [0, 20, 40, 100]) {
        const query = { q: '。', sort, limit: 20, offset };
        const cached = await page(t.http, query);
        expect(JSON.parse(cached)).toMatchObject({ total: after, totalCapped: false });
        expect(cached).toBe(await page(freshHttp, query));
      }
    }
  });

  it('reports the search pool in /health/ready; once shut down, a search is 503 SEARCH_UNAVAILABLE and no pool is opened again', async () => {
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.checks['catalog-search']).toEqual({ ok: true });
    const pool = t.app.get(SearchDbPool);
    // what Nest does first at shutdown, before the HTTP server stops taking requests
    await pool.onModuleDestroy();
    const res = await t.http.get('/api/v1/catalog/products').query({ q: '大米', sort: 'rating', limit: 7 }).set(bearer(worker)).expect(503);
    expect(res.body.error.code).toBe('SEARCH_UNAVAILABLE');
    expect((pool as unknown as { pool?: unknown }).pool).toBeUndefined();
    const down = await t.http.get('/health/ready').expect(503);
    expect(down.body.down).toEqual(['catalog-search']);
  });
});
