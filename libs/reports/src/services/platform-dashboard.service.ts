import { Injectable } from '@nestjs/common';
import { Dashboard } from '../domain/dashboard';
import { DEFAULT_TOP } from '../dto/dashboard.dto';
import { DashboardFiguresService } from './dashboard-figures.service';
import { ReportPeriodService } from './report-period.service';

/** The platform's dashboard: every union (platform admins and auditors; the roles are checked by the route). */
@Injectable()
export class PlatformDashboardService {
  constructor(
    private readonly periods: ReportPeriodService,
    private readonly figures: DashboardFiguresService,
  ) {}

  async dashboard(q: { from?: string; to?: string; top?: number }): Promise<Dashboard> {
    const period = await this.periods.resolve(q);
    return this.figures.build({ kind: 'platform' }, null, period, q.top ?? DEFAULT_TOP);
  }
}
