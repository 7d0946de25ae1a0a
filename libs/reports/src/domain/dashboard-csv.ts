import { CsvValue, toCsv } from '@huigong/common';
import { Dashboard, DashboardMeasures } from './dashboard';

/**
 * One CSV per dashboard, one row per figure group: the totals, each union, each top category and
 * each top supplier (`section` says which). Every row repeats the period so a file passed around
 * still says what it covers; a measure that does not apply to a section is left empty.
 */
export const DASHBOARD_CSV_HEADER = [
  'section',
  'period_from',
  'period_to',
  'id',
  'code',
  'name',
  'parent_id',
  'city_prefix',
  'turnover_fen',
  'local_turnover_fen',
  'local_share',
  'share_of_turnover',
  'orders',
  'released_orders',
  'members_covered',
  'points_credited_fen',
  'members_ordered',
  'reviews',
  'positive_reviews',
  'positive_rate',
] as const;

type Column = (typeof DASHBOARD_CSV_HEADER)[number];
type Row = Partial<Record<Column, CsvValue>>;

function measures(m: DashboardMeasures): Row {
  return {
    turnover_fen: m.turnoverFen,
    local_turnover_fen: m.localTurnoverFen,
    local_share: m.localShare,
    orders: m.orders,
    released_orders: m.releasedOrders,
    members_covered: m.membersCovered,
    points_credited_fen: m.pointsCreditedFen,
    members_ordered: m.membersOrdered,
    reviews: m.reviews,
    positive_reviews: m.positiveReviews,
    positive_rate: m.positiveRate,
  };
}

export function dashboardCsv(d: Dashboard): string {
  const period = { period_from: d.period.from, period_to: d.period.to };
  const rows: Row[] = [
    { section: 'total', ...period, id: d.scope.kind === 'union' ? d.scope.unionId : '', name: d.scope.kind === 'union' ? d.scope.name : 'platform', ...measures(d.totals) },
    ...d.unions.map((u) => ({ section: 'union', ...period, id: u.unionId, name: u.name, parent_id: u.parentId, city_prefix: u.cityPrefix, ...measures(u) })),
    ...d.topCategories.map((c) => ({
      section: 'category',
      ...period,
      id: c.categoryId,
      code: c.code,
      name: c.name,
      turnover_fen: c.turnoverFen,
      local_turnover_fen: c.localTurnoverFen,
      share_of_turnover: c.shareOfTurnover,
    })),
    ...d.topSuppliers.map((s) => ({
      section: 'supplier',
      ...period,
      id: s.supplierId,
      name: s.name,
      turnover_fen: s.turnoverFen,
      local_turnover_fen: s.localTurnoverFen,
      share_of_turnover: s.shareOfTurnover,
      orders: s.orders,
    })),
  ];
  return toCsv(
    DASHBOARD_CSV_HEADER,
    rows.map((r) => DASHBOARD_CSV_HEADER.map((h) => r[h] ?? null)),
  );
}
