import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  const at = (s: number) => s * 1000;

  it('answers a remembered token until the second it expires, then forgets it', () => {
    const cache = new VerifiedTokens<{ sub: string; exp: number }>();
    cache.remember('t', { sub: 'u', exp: 100 }, at(50));
    expect(cache.get('t', at(99.999))).toEqual({ sub: 'u', exp: 100 });
    expect(cache.get('t', at(100))).toBeUndefined();
    expect(cache.get('t', at(50))).toBeUndefined(); // gone, not merely hidden
  });

  it('never remembers an expired token, one without expiry, or one with a not-before time', () => {
    const cache = new VerifiedTokens<{ exp?: number; nbf?: number }>();
    cache.remember('old', { exp: 10 }, at(10));
    cache.remember('forever', {}, at(10));
    cache.remember('later', { exp: 100, nbf: 20 }, at(10));
    expect(cache.get('old', at(5))).toBeUndefined();
    expect(cache.get('forever', at(10))).toBeUndefined();
    expect(cache.get('later', at(30))).toBeUndefined();
  });

  it('matches the exact text only, and stays within its bound', () => {
    const cache = new VerifiedTokens<{ exp: number }>(2);
    cache.remember('a', { exp: 100 }, at(1));
    expect(cache.get('a ', at(1))).toBeUndefined();
    cache.remember('b', { exp: 100 }, at(1));
    cache.remember('c', { exp: 100 }, at(1));
    expect([cache.get('a', at(1)), cache.get('b', at(1)), cache.get('c', at(1))].filter(Boolean)).toHaveLength(1);
  });
});
