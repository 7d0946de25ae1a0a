import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
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
});
