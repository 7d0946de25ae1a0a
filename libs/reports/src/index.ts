// The public face of the reports context.
export { ReportsModule } from './reports.module';
export { PlatformDashboardService } from './services/platform-dashboard.service';
export { UnionDashboardService } from './services/union-dashboard.service';
export { assembleDashboard, cityPrefixes, isLocal, ratio } from './domain/dashboard';
export type { Dashboard, DashboardFigures, DashboardMeasures, ReportPeriod, TopCategoryRow, TopSupplierRow, UnionBreakdownRow } from './domain/dashboard';
export { DASHBOARD_CSV_HEADER, dashboardCsv } from './domain/dashboard-csv';
export { DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS, resolvePeriod } from './domain/report-period';
