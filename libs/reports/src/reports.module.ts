import { CatalogModule } from '@huigong/catalog';
import { IdentityModule } from '@huigong/identity';
import { OrderingModule } from '@huigong/ordering';
import { PointsModule } from '@huigong/points';
import { Module } from '@nestjs/common';
import { ReportsController } from './controllers/reports.controller';
import { DashboardFiguresService } from './services/dashboard-figures.service';
import { PlatformDashboardService } from './services/platform-dashboard.service';
import { ReportPeriodService } from './services/report-period.service';
import { UnionDashboardService } from './services/union-dashboard.service';

/**
 * Reports: the platform and union dashboards (the measures the Qingdao platform reports). Owns no
 * tables; it reads the other contexts through their reporting query services.
 */
@Module({
  imports: [IdentityModule, PointsModule, CatalogModule, OrderingModule],
  controllers: [ReportsController],
  providers: [DashboardFiguresService, PlatformDashboardService, ReportPeriodService, UnionDashboardService],
  exports: [PlatformDashboardService, UnionDashboardService],
})
export class ReportsModule {}
