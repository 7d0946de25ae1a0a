import { DataSource } from 'typeorm';
import { CacheVersions } from './cache-versions.service';

describe('CacheVersions', () => {
  let started: { resolve: (v: string) => void }[];
  let versions: CacheVersions;
  const settle = () => new Promise((r) => setImmediate(r));

  beforeEach(() => {
    started = [];
    const pool = {
      query: () =>
        new Promise<{ rows: { name: string; version: string }[] }>((resolve) =>
          started.push({ resolve: (v) => resolve({ rows: [{ name: 'catalog', version: v }] }) }),
        ),
    };
    versions = new CacheVersions({ driver: { master: pool } } as unknown as DataSource);
  });

  it('answers every caller with a read that started after its call, sharing reads between callers', async () => {
    const a = versions.current('catalog');
    await settle();
    expect(started).toHaveLength(1);
    // b and c arrive while a's read is in flight: they share the next read, not a's
    const b = versions.current('catalog');
    const c = versions.current('identity');
    await settle();
    expect(started).toHaveLength(1);
    started[0].resolve('v1');
    expect(await a).toBe('v1');
    await settle();
    expect(started).toHaveLength(2);
    started[1].resolve('v2');
    expect([await b, await c]).toEqual(['v2', null]);
    // idle again: a new caller cannot use the last read (it started before the call)
    const d = versions.current('catalog');
    await settle();
    expect(started).toHaveLength(3);
    started[2].resolve('v3');
    expect(await d).toBe('v3');
  });

  it('lets a request reuse any read that started after it arrived', async () => {
    const arrived = versions.epoch();
    const first = versions.current('identity', arrived);
    const second = versions.current('catalog', arrived); // joins the read in flight: it started after arrival
    await settle();
    expect(started).toHaveLength(1);
    started[0].resolve('v1');
    expect([await first, await second]).toEqual([null, 'v1']);
    expect(await versions.current('catalog', arrived)).toBe('v1'); // the finished read still qualifies
    expect(started).toHaveLength(1);
    const later = versions.current('catalog'); // a request arriving now needs a new read
    await settle();
    expect(started).toHaveLength(2);
    started[1].resolve('v2');
    expect(await later).toBe('v2');
  });
});
