import type { OrderAuditView } from '@huigong/ordering';
import { apportion } from './campaign-trace.service';

const order = (lines: [string, number][]) => ({ lines: lines.map(([categoryId, amountFen], i) => ({ lineNo: i + 1, categoryId, amountFen })) }) as unknown as OrderAuditView;

describe('apportion (a campaign payment over an order’s categories)', () => {
  it('is exact when the payment covers the whole order', () => {
    expect(apportion(10_000, order([['tea', 6_000], ['rice', 3_000], ['tea', 1_000]]))).toEqual(new Map([['tea', 7_000], ['rice', 3_000]]));
  });

  it('splits a partial payment by line amount, remainders to the largest fractions, summing to the payment exactly', () => {
    // 1,000 of 3,000: thirds of 1,000 / 1,000 / 1,000 → 333.33 each; one fen left goes to the first largest remainder
    const shares = apportion(1_000, order([['a', 1_000], ['b', 1_000], ['c', 1_000]]));
    expect([...shares.values()].reduce((s, v) => s + v, 0)).toBe(1_000);
    expect([...shares.values()].sort()).toEqual([333, 333, 334]);
    // 7 of 10 over 5 / 3 / 2 → 3.5 / 2.1 / 1.4 → 3 / 2 / 1 + the fen to the .5
    expect(apportion(7, order([['x', 5], ['y', 3], ['z', 2]]))).toEqual(new Map([['x', 4], ['y', 2], ['z', 1]]));
  });
});
