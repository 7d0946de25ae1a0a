import { AppError } from '@huigong/common';
import { assembleDashboard, cityPrefixes, DashboardFigures, isLocal, ratio } from './dashboard';
import { dashboardCsv } from './dashboard-csv';
import { resolvePeriod } from './report-period';

describe('ratio', () => {
  it('rounds half up to 4 decimals, null without a whole', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(1, 8)).toBe(0.125);
    expect(ratio(1, 20000)).toBe(0.0001); // exactly half a ten-thousandth rounds up
    expect(ratio(0, 5)).toBe(0);
    expect(ratio(5, 5)).toBe(1);
    expect(ratio(0, 0)).toBeNull();
  });

  it('stays exact for fen sums far beyond 2^53 / 10^4', () => {
    // 1.5e15 / 3e15: Number arithmetic on part * 10000 would already lose digits
    expect(ratio(1_500_000_000_000_001, 3_000_000_000_000_000)).toBe(0.5);
  });
});

describe('cityPrefixes / isLocal', () => {
  const unions = [
    { id: 'fed', name: '市总工会', parentId: null, regionCode: '370200' },
    { id: 'a', name: 'A', parentId: 'fed', regionCode: null },
    { id: 'a1', name: 'A1', parentId: 'a', regionCode: '' },
    { id: 'y', name: '烟台', parentId: 'fed', regionCode: '370602' },
    { id: 'lone', name: '无地区', parentId: null, regionCode: null },
  ];

  it('takes the union’s own city, else the nearest ancestor’s, else the fallback', () => {
    const m = cityPrefixes(unions, '3702');
    expect(Object.fromEntries(m)).toEqual({ fed: '3702', a: '3702', a1: '3702', y: '3706', lone: '3702' });
    expect(cityPrefixes(unions.slice(4), '9999').get('lone')).toBe('9999');
  });

  it('local means certified origin inside the city', () => {
    expect(isLocal({ originRegionCode: '370212', originCertified: true }, '3702')).toBe(true);
    expect(isLocal({ originRegionCode: '370212', originCertified: false }, '3702')).toBe(false);
    expect(isLocal({ originRegionCode: '370602', originCertified: true }, '3702')).toBe(false);
    expect(isLocal(undefined, '3702')).toBe(false);
  });
});

describe('resolvePeriod', () => {
  const now = new Date('2026-11-26T10:00:00.000Z');

  it('defaults to the 30 days before now', () => {
    expect(resolvePeriod({}, now)).toEqual({ from: '2026-10-27T10:00:00.000Z', to: '2026-11-26T10:00:00.000Z' });
    expect(resolvePeriod({ to: '2026-11-01T00:00:00Z' }, now)).toEqual({ from: '2026-10-02T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' });
  });

  it('reads a date as midnight in China and keeps a timestamp’s offset', () => {
    expect(resolvePeriod({ from: '2026-11-01', to: '2026-11-02T08:00:00+08:00' }, now)).toEqual({ from: '2026-10-31T16:00:00.000Z', to: '2026-11-02T00:00:00.000Z' });
  });

  const fieldsOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      return ((e as AppError).details as { fields: { field: string }[] }).fields.map((f) => f.field);
    }
    throw new Error('expected a refusal');
  };

  it('refuses empty, reversed, over-long and impossible periods', () => {
    expect(fieldsOf(() => resolvePeriod({ from: '2026-11-01', to: '2026-11-01' }, now))).toEqual(['from']);
    expect(fieldsOf(() => resolvePeriod({ from: '2026-11-02', to: '2026-11-01' }, now))).toEqual(['from']);
    expect(fieldsOf(() => resolvePeriod({ from: '2025-01-01', to: '2026-01-03' }, now))).toEqual(['to']);
    expect(resolvePeriod({ from: '2025-01-01', to: '2026-01-01' }, now).from).toBe('2024-12-31T16:00:00.000Z'); // 365 days is fine
    expect(fieldsOf(() => resolvePeriod({ from: '2026-02-30T00:00:00Z', to: '2026-13-01' }, now)).sort()).toEqual(['from', 'to']);
  });
});

describe('assembleDashboard', () => {
  const figures: DashboardFigures = {
    unions: [
      { id: 'u', name: '甲工会', parentId: null, regionCode: '370203' },
      { id: 'v', name: '乙分会', parentId: 'u', regionCode: null },
      { id: 'w', name: '烟台工会', parentId: null, regionCode: '370602' },
    ],
    orders: [
      { unionId: 'u', orders: 2, releasedOrders: 1, membersOrdered: 2, turnoverFen: 3_000 },
      { unionId: 'w', orders: 1, releasedOrders: 0, membersOrdered: 1, turnoverFen: 1_000 },
    ],
    supplierOrders: [
      { unionId: 'u', supplierId: 's1', orders: 1, turnoverFen: 1_000 },
      { unionId: 'u', supplierId: 's2', orders: 1, turnoverFen: 2_000 },
      { unionId: 'w', supplierId: 's1', orders: 1, turnoverFen: 1_000 },
    ],
    spending: [
      { unionId: 'u', supplierId: 's1', categoryId: 'tea-green', productId: 'p1', amountFen: 1_000 },
      { unionId: 'u', supplierId: 's2', categoryId: 'fish', productId: 'p2', amountFen: 2_000 },
      // the same Qingdao product is not local for the Yantai union
      { unionId: 'w', supplierId: 's1', categoryId: 'tea-green', productId: 'p1', amountFen: 1_000 },
    ],
    credits: [
      { unionId: 'u', membersCovered: 3, creditedFen: 30_000 },
      { unionId: 'v', membersCovered: 1, creditedFen: 5_000 },
    ],
    reviews: [{ unionId: 'u', reviews: 3, positive: 2 }],
    productOrigins: new Map([
      ['p1', { originRegionCode: '370212', originCertified: true }],
      ['p2', { originRegionCode: '370212', originCertified: false }],
    ]),
    topLevelCategories: new Map([
      ['tea-green', { id: 'tea', code: 'tea', name: '茶叶' }],
      ['fish', { id: 'seafood', code: 'seafood', name: '海鲜' }],
    ]),
    suppliers: new Map([
      ['s1', { id: 's1', companyName: '=崂山茶社' }],
      ['s2', { id: 's2', companyName: '海产公司' }],
    ]),
  };
  const d = assembleDashboard({ kind: 'platform' }, { from: 'F', to: 'T' }, figures, { top: 10, fallbackCityPrefix: '3702' });

  it('adds the unions up, classifies local spending by each union’s city and ranks by turnover', () => {
    expect(d.totals).toEqual({
      turnoverFen: 4_000,
      localTurnoverFen: 1_000,
      localShare: 0.25,
      orders: 3,
      releasedOrders: 1,
      membersCovered: 4,
      pointsCreditedFen: 35_000,
      membersOrdered: 3,
      reviews: 3,
      positiveReviews: 2,
      positiveRate: 0.6667,
    });
    expect(d.unions.map((u) => [u.unionId, u.cityPrefix, u.localTurnoverFen, u.localShare])).toEqual([
      ['u', '3702', 1_000, 0.3333],
      ['v', '3702', 0, null],
      ['w', '3706', 0, 0],
    ]);
    expect(d.topCategories.map((c) => [c.code, c.turnoverFen, c.localTurnoverFen, c.shareOfTurnover])).toEqual([
      // a tie is broken by name (pinyin order: 茶叶 cha before 海鲜 hai)
      ['tea', 2_000, 1_000, 0.5],
      ['seafood', 2_000, 0, 0.5],
    ]);
    expect(d.topSuppliers.map((s) => [s.supplierId, s.orders, s.turnoverFen, s.localTurnoverFen])).toEqual([
      ['s1', 2, 2_000, 1_000],
      ['s2', 1, 2_000, 0],
    ]);
  });

  it('cuts the top lists', () => {
    const one = assembleDashboard({ kind: 'platform' }, { from: 'F', to: 'T' }, figures, { top: 1, fallbackCityPrefix: '3702' });
    expect(one.topCategories).toHaveLength(1);
    expect(one.topSuppliers).toHaveLength(1);
  });

  it('writes the same figures as CSV, names neutralised', () => {
    const lines = dashboardCsv(d).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0].split(',').slice(0, 8)).toEqual(['section', 'period_from', 'period_to', 'id', 'code', 'name', 'parent_id', 'city_prefix']);
    expect(lines[1]).toBe('total,F,T,,,platform,,,4000,1000,0.25,,3,1,4,35000,3,3,2,0.6667');
    expect(lines).toContain("supplier,F,T,s1,,'=崂山茶社,,,2000,1000,,0.5,2,,,,,,,");
    expect(lines).toHaveLength(1 + 1 + 3 + 2 + 2 + 1); // header, total, unions, categories, suppliers, final CRLF
  });
});
