import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Dashboard } from '../domain/dashboard';
import { dashboardCsv } from '../domain/dashboard-csv';
import { DashboardDto, DashboardQuery } from '../dto/dashboard.dto';
import { PlatformDashboardService } from '../services/platform-dashboard.service';
import { UnionDashboardService } from '../services/union-dashboard.service';

const MEASURES =
  'Turnover: points (fen) of orders placed in the period net of refunds (orders cancelled, rejected or returned are left out). ' +
  'Members covered: members credited with points in the period. Positive-review rate: reviews with 4–5 stars / all reviews written in the period. ' +
  'Local share: turnover on goods of certified origin in the union’s city (青岛造) / turnover. Period [from, to), default the last 30 days by the database clock.';
const CSV =
  'The same figures as CSV (UTF-8 with BOM, CRLF): one row for the totals, one per union, per top category and per top supplier (column `section`); every row carries the period.';

function sendCsv(res: Response, name: string, d: Dashboard): string {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}-${d.period.from.slice(0, 10)}-${d.period.to.slice(0, 10)}.csv"`);
  return dashboardCsv(d);
}

@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly platform: PlatformDashboardService,
    private readonly unions: UnionDashboardService,
  ) {}

  @Get('platform/dashboard')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'The platform dashboard: the Qingdao measures for every union, with totals, top categories and suppliers', description: MEASURES })
  @ApiOkResponse({ type: DashboardDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (bad, reversed or over-long period)', type: ErrorBodyDto })
  platformDashboard(@Query() q: DashboardQuery): Promise<DashboardDto> {
    return this.platform.dashboard(q);
  }

  @Get('platform/dashboard.csv')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The platform dashboard as CSV', description: CSV })
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  async platformCsv(@Query() q: DashboardQuery, @Res({ passthrough: true }) res: Response): Promise<string> {
    return sendCsv(res, 'platform-dashboard', await this.platform.dashboard(q));
  }

  @Get('unions/:unionId/dashboard')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiOperation({ summary: 'A union’s dashboard: the union and the unions below it, each broken down', description: MEASURES })
  @ApiOkResponse({ type: DashboardDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'OUT_OF_SCOPE: a union admin asked for a union that is neither theirs nor below it', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'UNION_NOT_FOUND', type: ErrorBodyDto })
  unionDashboard(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: DashboardQuery): Promise<DashboardDto> {
    return this.unions.dashboard(user, unionId, q);
  }

  @Get('unions/:unionId/dashboard.csv')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'A union’s dashboard as CSV', description: CSV })
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: 'OUT_OF_SCOPE', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'UNION_NOT_FOUND', type: ErrorBodyDto })
  async unionCsv(
    @CurrentUser() user: AuthUser,
    @Param('unionId', ParseUUIDPipe) unionId: string,
    @Query() q: DashboardQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return sendCsv(res, 'union-dashboard', await this.unions.dashboard(user, unionId, q));
  }
}
