import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { MAX_PERIOD_DAYS, PERIOD_BOUND } from '../domain/report-period';

export const DEFAULT_TOP = 10;
export const MAX_TOP = 50;

const BOUND_HELP = 'a date (YYYY-MM-DD, midnight China time) or an ISO 8601 timestamp with its offset';

export class DashboardQuery {
  @ApiPropertyOptional({ example: '2026-11-01', description: `start of the period, inclusive: ${BOUND_HELP}; default 30 days before \`to\`` })
  @IsOptional()
  @IsString()
  @Matches(PERIOD_BOUND, { message: `from must be ${BOUND_HELP}` })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-01', description: `end of the period, exclusive: ${BOUND_HELP}; default now (database clock). At most ${MAX_PERIOD_DAYS} days after \`from\`` })
  @IsOptional()
  @IsString()
  @Matches(PERIOD_BOUND, { message: `to must be ${BOUND_HELP}` })
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TOP, default: DEFAULT_TOP, description: 'how many top categories and top suppliers' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_TOP)
  top?: number;
}

export class ReportPeriodDto {
  @ApiProperty({ description: 'inclusive' }) from: string;
  @ApiProperty({ description: 'exclusive' }) to: string;
}

const RATE = { nullable: true, type: Number } as const;

export class DashboardMeasuresDto {
  @ApiProperty({
    description:
      'Turnover (fen): points spent on orders placed in the period, net of refunds — orders since cancelled, rejected or returned (always refunded whole) are left out, so a past period’s figure can still fall',
  })
  turnoverFen: number;
  @ApiProperty({ description: 'the part of turnoverFen spent on local goods (青岛造): products of certified origin in the union’s city' }) localTurnoverFen: number;
  @ApiProperty({ ...RATE, description: 'localTurnoverFen / turnoverFen (0..1, 4 decimals); null without turnover' }) localShare: number | null;
  @ApiProperty({ description: 'orders placed in the period, not cancelled, rejected or returned' }) orders: number;
  @ApiProperty({ description: 'orders placed in the period and since cancelled, rejected or returned' }) releasedOrders: number;
  @ApiProperty({ description: 'members covered: distinct members credited with points in the period' }) membersCovered: number;
  @ApiProperty({ description: 'points (fen) credited to members in the period' }) pointsCreditedFen: number;
  @ApiProperty({ description: 'distinct members with at least one counted order' }) membersOrdered: number;
  @ApiProperty({ description: 'reviews written in the period' }) reviews: number;
  @ApiProperty({ description: 'reviews with 4 or 5 stars' }) positiveReviews: number;
  @ApiProperty({ ...RATE, description: 'positive-review rate: positiveReviews / reviews (0..1, 4 decimals); null without reviews' }) positiveRate: number | null;
}

export class UnionBreakdownRowDto extends DashboardMeasuresDto {
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parentId: string | null;
  @ApiProperty({ example: '3702', description: 'the city whose goods count as local for this union (its region code, else its parent’s, else Qingdao)' }) cityPrefix: string;
}

export class TopCategoryDto {
  @ApiProperty({ format: 'uuid', description: 'the top-level category (subcategories roll up into it)' }) categoryId: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty() turnoverFen: number;
  @ApiProperty() localTurnoverFen: number;
  @ApiProperty({ ...RATE, description: 'turnoverFen / the dashboard’s turnover' }) shareOfTurnover: number | null;
}

export class TopSupplierDto {
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'counted orders' }) orders: number;
  @ApiProperty() turnoverFen: number;
  @ApiProperty() localTurnoverFen: number;
  @ApiProperty({ ...RATE, description: 'turnoverFen / the dashboard’s turnover' }) shareOfTurnover: number | null;
}

export class DashboardScopeDto {
  @ApiProperty({ enum: ['platform', 'union'] }) kind: 'platform' | 'union';
  @ApiPropertyOptional({ format: 'uuid' }) unionId?: string;
  @ApiPropertyOptional() name?: string;
}

export class DashboardDto {
  @ApiProperty({ type: DashboardScopeDto }) scope: DashboardScopeDto;
  @ApiProperty({ type: ReportPeriodDto }) period: ReportPeriodDto;
  @ApiProperty({ type: DashboardMeasuresDto, description: 'the whole scope (platform: every union; union: it and the unions below it)' }) totals: DashboardMeasuresDto;
  @ApiProperty({ type: [UnionBreakdownRowDto], description: 'each union of the scope with its own members’ figures (not its sub-unions’); they add up to the totals' })
  unions: UnionBreakdownRowDto[];
  @ApiProperty({ type: [TopCategoryDto], description: 'by turnover, descending' }) topCategories: TopCategoryDto[];
  @ApiProperty({ type: [TopSupplierDto], description: 'by turnover, descending' }) topSuppliers: TopSupplierDto[];
}
