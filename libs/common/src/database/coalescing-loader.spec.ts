import { CoalescingLoader } from './coalescing-loader';

/** A loadMany whose calls the test answers by hand, recording each batch. */
function controlled() {
  const batches: string[][] = [];
  const pending: { resolve(m: Map<string, string>): void; reject(e: unknown): void }[] = [];
  const loadMany = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      batches.push(keys);
      pending.push({ resolve, reject });
    });
  const answer = (i: number) => pending[i].resolve(new Map(batches[i].filter((k) => !k.startsWith('missing')).map((k) => [k, `v:${k}`])));
  return { batches, pending, loadMany, answer };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescingLoader', () => {
  it('loads at once when idle, and gathers the keys asked for meanwhile into one next batch', async () => {
    const c = controlled();
    const loader = new CoalescingLoader(c.loadMany);
    const a = loader.load('a');
    expect(c.batches).toEqual([['a']]);
    const rest = ['b', 'c', 'b', 'missing-d'].map((k) => loader.load(k));
    expect(c.batches).toHaveLength(1); // nothing more starts while a batch is in flight
    c.answer(0);
    expect(await a).toBe('v:a');
    await tick();
    expect(c.batches).toEqual([['a'], ['b', 'c', 'missing-d']]); // b asked twice, loaded once
    c.answer(1);
    expect(await Promise.all(rest)).toEqual(['v:b', 'v:c', 'v:b', undefined]);
  });

  it('rejects only the failed batch, then goes on with the next', async () => {
    const c = controlled();
    const loader = new CoalescingLoader(c.loadMany);
    const a = loader.load('a');
    const b = loader.load('b');
    c.pending[0].reject(new Error('connection lost'));
    await expect(a).rejects.toThrow('connection lost');
    await tick();
    expect(c.batches).toEqual([['a'], ['b']]);
    c.answer(1);
    expect(await b).toBe('v:b');
  });

  it('treats a loadMany that throws synchronously as a failed batch', async () => {
    let calls = 0;
    const loader = new CoalescingLoader<string, string>((keys) => {
      calls++;
      if (calls === 1) throw new Error('bad input');
      return Promise.resolve(new Map(keys.map((k) => [k, k])));
    });
    await expect(loader.load('x')).rejects.toThrow('bad input');
    expect(await loader.load('y')).toBe('y');
  });

  it('splits a queue longer than maxBatch', async () => {
    const c = controlled();
    const loader = new CoalescingLoader(c.loadMany, 2);
    const first = loader.load('a');
    const later = ['b', 'c', 'd'].map((k) => loader.load(k));
    c.answer(0);
    await first;
    await tick();
    expect(c.batches[1]).toEqual(['b', 'c']);
    c.answer(1);
    await tick();
    await tick();
    expect(c.batches[2]).toEqual(['d']);
    c.answer(2);
    expect(await Promise.all(later)).toEqual(['v:b', 'v:c', 'v:d']);
  });

  it('rejects the batch when loadMany answers something that is not a Map, then goes on', async () => {
    let calls = 0;
    const loader = new CoalescingLoader<string, string>((keys) => {
      calls++;
      return Promise.resolve((calls === 1 ? null : new Map(keys.map((k) => [k, k]))) as Map<string, string>);
    });
    await expect(loader.load('x')).rejects.toThrow(TypeError);
    expect(await loader.load('y')).toBe('y');
  });
});
