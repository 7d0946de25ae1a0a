import { AppError, AuthUser } from '@huigong/common';
import { AccessScopeService, OrganizationsService, OrganizationType } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { Dashboard } from '../domain/dashboard';
import { DEFAULT_TOP } from '../dto/dashboard.dto';
import { DashboardFiguresService } from './dashboard-figures.service';
import { ReportPeriodService } from './report-period.service';

/**
 * A union's dashboard: the union and every union below it. A union admin reaches their own union
 * and those below (any other → 403 OUT_OF_SCOPE, recorded); platform admins and auditors any union.
 */
@Injectable()
export class UnionDashboardService {
  constructor(
    private readonly scope: AccessScopeService,
    private readonly orgs: OrganizationsService,
    private readonly periods: ReportPeriodService,
    private readonly figures: DashboardFiguresService,
  ) {}

  async dashboard(user: AuthUser, unionId: string, q: { from?: string; to?: string; top?: number }): Promise<Dashboard> {
    // scope first, outside the read-only snapshot: the refusal's security event must be written
    await this.scope.assertOrganization(user, unionId, 'Union');
    const org = await this.orgs.findById(unionId);
    if (!org || org.type !== OrganizationType.Union) throw new AppError('UNION_NOT_FOUND', `Union ${unionId} does not exist`, 404, { unionId });
    const period = await this.periods.resolve(q);
    return this.figures.build({ kind: 'union', unionId, name: org.name }, unionId, period, q.top ?? DEFAULT_TOP);
  }
}
