import { AuthUser, CurrentUser, ErrorBodyDto, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IdempotencyKeyHeader } from '../shared/http.decorators';
import { AdjustmentDto, AdjustmentListDto, DecideAdjustmentDto, ListAdjustmentsQuery, RequestAdjustmentDto } from './budget.dto';
import { BudgetAdjustmentsService } from './budget-adjustments.service';

@ApiTags('unions')
@Controller()
export class AdjustmentsController {
  constructor(private readonly adjustments: BudgetAdjustmentsService) {}

  @Post('unions/:unionId/adjustments')
  @Roles(Role.PlatformAdmin)
  @ApiOperation({ summary: 'Request a manual budget adjustment (correction or withdrawal); it posts only after a second platform admin approves' })
  @ApiCreatedResponse({ type: AdjustmentDto })
  request(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Body() dto: RequestAdjustmentDto): Promise<AdjustmentDto> {
    return this.adjustments.request(user, unionId, dto);
  }

  @Get('unions/:unionId/adjustments')
  @Roles(Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)
  @ApiOperation({ summary: 'The union’s adjustments' })
  @ApiOkResponse({ type: AdjustmentListDto })
  async listForUnion(@CurrentUser() user: AuthUser, @Param('unionId', ParseUUIDPipe) unionId: string, @Query() q: ListAdjustmentsQuery): Promise<AdjustmentListDto> {
    return { items: await this.adjustments.list(user, { unionId, status: q.status }) };
  }

  @Get('adjustments')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Adjustments of every union (e.g. ?status=pending: waiting for a second admin)' })
  @ApiOkResponse({ type: AdjustmentListDto })
  async list(@CurrentUser() user: AuthUser, @Query() q: ListAdjustmentsQuery): Promise<AdjustmentListDto> {
    return { items: await this.adjustments.list(user, { status: q.status }) };
  }

  @Post('adjustments/:id/approve')
  @Roles(Role.PlatformAdmin)
  @HttpCode(200)
  @IdempotencyKeyHeader()
  @ApiOperation({ summary: 'Approve and post an adjustment (a different platform admin than the requester)' })
  @ApiOkResponse({ type: AdjustmentDto })
  @ApiForbiddenResponse({ description: 'SECOND_APPROVER_REQUIRED: the requester cannot approve', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'ADJUSTMENT_ALREADY_DECIDED (a retry without the Idempotency-Key of the first request), IDEMPOTENCY_KEY_REUSED', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'INSUFFICIENT_BUDGET: a withdrawal larger than the balance', type: ErrorBodyDto })
  approve(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: DecideAdjustmentDto, @Headers('idempotency-key') key?: string): Promise<AdjustmentDto> {
    return this.adjustments.approve(user, id, dto.note, key);
  }

  @Post('adjustments/:id/reject')
  @Roles(Role.PlatformAdmin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject an adjustment (a different platform admin than the requester); nothing posts' })
  @ApiOkResponse({ type: AdjustmentDto })
  @ApiForbiddenResponse({ description: 'SECOND_APPROVER_REQUIRED', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'ADJUSTMENT_ALREADY_DECIDED', type: ErrorBodyDto })
  reject(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: DecideAdjustmentDto): Promise<AdjustmentDto> {
    return this.adjustments.reject(user, id, dto.note);
  }
}
