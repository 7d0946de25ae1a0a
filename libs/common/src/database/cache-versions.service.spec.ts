import { DataSource } from 'typeorm';
import { CacheVersions } from './cache-versions.service';

describe('CacheVersions', () => {
  it('answers every caller with a read that started after its call, sharing reads between callers', async () => {
    const started: { resolve: (v: string) => void }[] = [];
    const pool = {
      query: () =>
        new Promise<{ rows: { name: string; version: string }[] }>((resolve) =>
          started.push({ resolve: (v) => resolve({ rows: [{ name: 'catalog', version: v }] }) }),
        ),
    };
    const versions = new CacheVersions({ driver: { master: pool } } as unknown as DataSource);
    const a = versions.current('catalog');
    await Promise.resolve();
    expect(started).toHaveLength(1);
    // b and c arrive while a's read is in flight: they share the next read, not a's
    const b = versions.current('catalog');
    const c = versions.current('identity');
    await Promise.resolve();
    expect(started).toHaveLength(1);
    started[0].resolve('v1');
    expect(await a).toBe('v1');
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(2);
    started[1].resolve('v2');
    expect([await b, await c]).toEqual(['v2', null]);
    // idle again: the next caller starts a read of its own
    const d = versions.current('catalog');
    await Promise.resolve();
    expect(started).toHaveLength(3);
    started[2].resolve('v3');
    expect(await d).toBe('v3');
  });
});
