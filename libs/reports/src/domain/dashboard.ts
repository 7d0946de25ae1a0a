/**
 * The dashboard as data, and how it is assembled from the figures the owning contexts return. Pure
 * functions: the services fetch, this file adds up, classifies and ranks.
 */

export interface ReportPeriod {
  /** inclusive, ISO 8601 */
  from: string;
  /** exclusive, ISO 8601 */
  to: string;
}

export interface DashboardMeasures {
  /** points (fen) of orders placed in the period, excluding those cancelled, rejected or returned */
  turnoverFen: number;
  /** the part of turnoverFen spent on local (青岛造) goods */
  localTurnoverFen: number;
  /** localTurnoverFen / turnoverFen (0..1, 4 decimals); null without turnover */
  localShare: number | null;
  /** orders placed in the period and not cancelled, rejected or returned */
  orders: number;
  /** orders placed in the period and since cancelled, rejected or returned */
  releasedOrders: number;
  /** members credited with points in the period */
  membersCovered: number;
  pointsCreditedFen: number;
  /** members with at least one counted order */
  membersOrdered: number;
  /** reviews written in the period */
  reviews: number;
  /** of which 4 or 5 stars */
  positiveReviews: number;
  /** positiveReviews / reviews (0..1, 4 decimals); null without reviews */
  positiveRate: number | null;
}

export interface UnionNode {
  id: string;
  name: string;
  parentId: string | null;
  regionCode: string | null;
}

export interface UnionBreakdownRow extends DashboardMeasures {
  unionId: string;
  name: string;
  parentId: string | null;
  /** the city whose goods count as local for this union (first 4 digits of a GB/T 2260 code) */
  cityPrefix: string;
}

export interface TopCategoryRow {
  categoryId: string;
  code: string;
  name: string;
  turnoverFen: number;
  localTurnoverFen: number;
  /** turnoverFen / the dashboard's turnover */
  shareOfTurnover: number | null;
}

export interface TopSupplierRow {
  supplierId: string;
  name: string;
  orders: number;
  turnoverFen: number;
  localTurnoverFen: number;
  shareOfTurnover: number | null;
}

export interface Dashboard {
  scope: { kind: 'platform' } | { kind: 'union'; unionId: string; name: string };
  period: ReportPeriod;
  totals: DashboardMeasures;
  unions: UnionBreakdownRow[];
  topCategories: TopCategoryRow[];
  topSuppliers: TopSupplierRow[];
}

/** What the owning contexts answered, for one set of unions and one period. */
export interface DashboardFigures {
  unions: UnionNode[];
  orders: { unionId: string; orders: number; releasedOrders: number; membersOrdered: number; turnoverFen: number }[];
  supplierOrders: { unionId: string; supplierId: string; orders: number; turnoverFen: number }[];
  spending: { unionId: string; supplierId: string; categoryId: string; productId: string; amountFen: number }[];
  credits: { unionId: string; membersCovered: number; creditedFen: number }[];
  reviews: { unionId: string; reviews: number; positive: number }[];
  productOrigins: Map<string, { originRegionCode: string; originCertified: boolean }>;
  topLevelCategories: Map<string, { id: string; code: string; name: string }>;
  suppliers: Map<string, { id: string; companyName: string }>;
}

/** A fraction rounded half up to 4 decimals, in integers (fen sums can pass 2^53 / 10^4). */
export function ratio(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  const p = BigInt(part) * 20000n + BigInt(whole);
  return Number(p / (2n * BigInt(whole))) / 10000;
}

/**
 * A union's city: its own region code's province+city digits, else its nearest ancestor's, else the
 * platform's (Qingdao).
 */
export function cityPrefixes(unions: UnionNode[], fallback: string): Map<string, string> {
  const byId = new Map(unions.map((u) => [u.id, u]));
  const out = new Map<string, string>();
  const resolve = (u: UnionNode | undefined): string => {
    if (!u) return fallback;
    const known = out.get(u.id);
    if (known) return known;
    const own = u.regionCode && /^\d{6}$/.test(u.regionCode) ? u.regionCode.slice(0, 4) : null;
    const prefix = own ?? resolve(u.parentId ? byId.get(u.parentId) : undefined);
    out.set(u.id, prefix);
    return prefix;
  };
  for (const u of unions) resolve(u);
  return out;
}

/** 青岛造 for a union: the product's origin is certified and lies in the union's city. */
export function isLocal(origin: { originRegionCode: string; originCertified: boolean } | undefined, cityPrefix: string): boolean {
  return !!origin && origin.originCertified && origin.originRegionCode.startsWith(cityPrefix);
}

function emptyMeasures(): DashboardMeasures {
  return {
    turnoverFen: 0,
    localTurnoverFen: 0,
    localShare: null,
    orders: 0,
    releasedOrders: 0,
    membersCovered: 0,
    pointsCreditedFen: 0,
    membersOrdered: 0,
    reviews: 0,
    positiveReviews: 0,
    positiveRate: null,
  };
}

function withRates(m: DashboardMeasures): DashboardMeasures {
  return { ...m, localShare: ratio(m.localTurnoverFen, m.turnoverFen), positiveRate: ratio(m.positiveReviews, m.reviews) };
}

const byTurnover = <T extends { turnoverFen: number; name: string }>(a: T, b: T) => b.turnoverFen - a.turnoverFen || a.name.localeCompare(b.name, 'zh');

export function assembleDashboard(
  scope: Dashboard['scope'],
  period: ReportPeriod,
  f: DashboardFigures,
  opts: { top: number; fallbackCityPrefix: string },
): Dashboard {
  const cities = cityPrefixes(f.unions, opts.fallbackCityPrefix);
  const rows = new Map<string, DashboardMeasures>(f.unions.map((u) => [u.id, emptyMeasures()]));
  // figures of unions outside the list (none, by construction of the filters) are ignored, not misfiled
  const rowOf = (unionId: string) => rows.get(unionId);

  for (const o of f.orders) {
    const r = rowOf(o.unionId);
    if (!r) continue;
    r.orders += o.orders;
    r.releasedOrders += o.releasedOrders;
    r.membersOrdered += o.membersOrdered;
    r.turnoverFen += o.turnoverFen;
  }
  for (const c of f.credits) {
    const r = rowOf(c.unionId);
    if (!r) continue;
    r.membersCovered += c.membersCovered;
    r.pointsCreditedFen += c.creditedFen;
  }
  for (const v of f.reviews) {
    const r = rowOf(v.unionId);
    if (!r) continue;
    r.reviews += v.reviews;
    r.positiveReviews += v.positive;
  }

  const categories = new Map<string, TopCategoryRow>();
  const suppliers = new Map<string, TopSupplierRow>();
  const supplierRow = (id: string): TopSupplierRow => {
    let s = suppliers.get(id);
    if (!s) {
      s = { supplierId: id, name: f.suppliers.get(id)?.companyName ?? id, orders: 0, turnoverFen: 0, localTurnoverFen: 0, shareOfTurnover: null };
      suppliers.set(id, s);
    }
    return s;
  };
  for (const line of f.spending) {
    const r = rowOf(line.unionId);
    if (!r) continue;
    const local = isLocal(f.productOrigins.get(line.productId), cities.get(line.unionId)!);
    const localFen = local ? line.amountFen : 0;
    r.localTurnoverFen += localFen;
    const root = f.topLevelCategories.get(line.categoryId) ?? { id: line.categoryId, code: '', name: line.categoryId };
    let c = categories.get(root.id);
    if (!c) {
      c = { categoryId: root.id, code: root.code, name: root.name, turnoverFen: 0, localTurnoverFen: 0, shareOfTurnover: null };
      categories.set(root.id, c);
    }
    c.turnoverFen += line.amountFen;
    c.localTurnoverFen += localFen;
    const s = supplierRow(line.supplierId);
    s.turnoverFen += line.amountFen;
    s.localTurnoverFen += localFen;
  }
  for (const so of f.supplierOrders) if (rows.has(so.unionId)) supplierRow(so.supplierId).orders += so.orders;

  const totals = emptyMeasures();
  for (const r of rows.values()) {
    for (const k of Object.keys(totals) as (keyof DashboardMeasures)[]) {
      if (k !== 'localShare' && k !== 'positiveRate') (totals[k] as number) += r[k] as number;
    }
  }
  const rank = <T extends { turnoverFen: number; name: string; shareOfTurnover: number | null }>(list: Iterable<T>) =>
    [...list]
      .sort(byTurnover)
      .slice(0, opts.top)
      .map((x) => ({ ...x, shareOfTurnover: ratio(x.turnoverFen, totals.turnoverFen) }));

  return {
    scope,
    period,
    totals: withRates(totals),
    unions: f.unions.map((u) => ({ unionId: u.id, name: u.name, parentId: u.parentId, cityPrefix: cities.get(u.id)!, ...withRates(rows.get(u.id)!) })),
    topCategories: rank(categories.values()),
    topSuppliers: rank(suppliers.values()),
  };
}
