import { AppConfig, CacheVersions } from '@huigong/common';
import { SearchResultsCache } from './search-results-cache.service';

describe('SearchResultsCache', () => {
  let version: string | null;
  let now: number;
  const versions = { current: async () => version } as unknown as CacheVersions;
  const cache = (ttl: number) => new SearchResultsCache(versions, { catalogSearchCacheTtlMs: ttl } as AppConfig);
  let calls: number;
  const compute = (value: string) => async () => {
    calls++;
    return value;
  };

  beforeEach(() => {
    version = 'v1';
    now = 1_000_000;
    calls = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('serves a page again within the TTL and computes it anew after', async () => {
    const c = cache(5000);
    expect(await c.get('k', compute('a'))).toBe('a');
    now += 4999;
    expect(await c.get('k', compute('b'))).toBe('a');
    now += 1;
    expect(await c.get('k', compute('c'))).toBe('c');
    expect(calls).toBe(2);
  });

  it('never serves a page computed under another catalog version', async () => {
    const c = cache(5000);
    await c.get('k', compute('a'));
    version = 'v2';
    expect(await c.get('k', compute('b'))).toBe('b');
  });

  it('shares one computation between concurrent identical misses, and keeps no failure', async () => {
    const c = cache(5000);
    const [x, y] = await Promise.all([c.get('k', compute('a')), c.get('k', compute('b'))]);
    expect([x, y, calls]).toEqual(['a', 'a', 1]);
    const failing = cache(5000);
    await expect(failing.get('k', () => Promise.reject(new Error('NOT_FOUND')))).rejects.toThrow('NOT_FOUND');
    expect(await failing.get('k', compute('d'))).toBe('d');
  });

  it('computes every time when the TTL is 0 or the version is unknown', async () => {
    const off = cache(0);
    await off.get('k', compute('a'));
    expect(await off.get('k', compute('b'))).toBe('b');
    version = null;
    const c = cache(5000);
    await c.get('k', compute('a'));
    expect(await c.get('k', compute('b'))).toBe('b');
  });

  it('drops expired pages as it goes and keeps the items held under a bound', async () => {
    const c = cache(5000);
    const page = (n: number) => async () => ({ items: Array.from({ length: n }, (_, i) => i) });
    await c.get('old', page(1));
    now += 5000;
    await c.get('new', page(1));
    const held = (c as unknown as { entries: Map<string, unknown> }).entries;
    expect([...held.keys()]).toEqual(['new']); // the expired page went when the new one came
    for (let i = 0; i < 300; i++) await c.get(`big${i}`, page(200)); // 60,000 items asked for
    const weight = (c as unknown as { weight: number }).weight;
    expect(weight).toBeLessThanOrEqual(50_000);
    expect(held.size).toBeLessThan(300);
    expect(held.has('big299')).toBe(true); // the newest kept, the oldest dropped
    expect(held.has('big0')).toBe(false);
  });

  it('weighs a page kept as its body by the count of items it holds', async () => {
    const c = cache(5000);
    // as ProductSearchService keeps a page: the encoded body and how many items it holds
    const page = (n: number) => async () => ({ body: Buffer.from('{}'), items: n });
    for (let i = 0; i < 300; i++) await c.get(`body${i}`, page(200));
    const held = (c as unknown as { entries: Map<string, unknown> }).entries;
    expect((c as unknown as { weight: number }).weight).toBeLessThanOrEqual(50_000);
    expect(held.size).toBeLessThan(300);
    expect(held.has('body299')).toBe(true);
  });
});
