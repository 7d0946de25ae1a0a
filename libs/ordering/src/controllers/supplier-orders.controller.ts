import { ApiIdempotencyKey, AuthUser, CurrentUser, ErrorBodyDto, OptionalIdempotencyKey, pageOf, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { OrderAction } from '../domain/order-state-machine';
import { OrderDetailDto, OrderListQuery, OrderPageDto, PickListQuery, OrderReasonDto, ShipDto } from '../dto/order.dto';
import { OrderTransitionService } from '../services/order-transition.service';
import { SupplierOrdersService } from '../services/supplier-orders.service';

const TRANSITION_ERRORS = 'INVALID_TRANSITION (details: state, allowedFrom)';
const KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED (the Idempotency-Key was used for another order, action or body)';
const OUT_OF_SCOPE = 'OUT_OF_SCOPE: another supplier’s order (recorded)';
const MISSING_REASON = 'MISSING_INPUT: a reason of only whitespace (details: action, missing)';

@ApiTags('supplier orders')
@Controller('supplier/orders')
export class SupplierOrdersController {
  constructor(
    private readonly orders: SupplierOrdersService,
    private readonly transitions: OrderTransitionService,
  ) {}

  @Get()
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Your supplier’s order inbox, filtered by state' })
  @ApiOkResponse({ type: OrderPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: OrderListQuery): Promise<OrderPageDto> {
    return this.orders.list(user, { state: q.state, ...pageOf(q) });
  }

  // before ':id' so that the path is not taken for an order id
  @Get('pick-list.csv')
  @Roles(Role.SupplierStaff)
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'Orders to pick and pack as CSV (default state: accepted), one row per line, oldest first',
    description: 'UTF-8 with BOM, CRLF. Cells starting with = + - @ are prefixed with \' so spreadsheets never run them. At most 5,000 orders; headers X-Order-Count and X-Row-Count.',
  })
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  async pickList(@CurrentUser() user: AuthUser, @Query() q: PickListQuery, @Res({ passthrough: true }) res: Response): Promise<string> {
    const list = await this.orders.pickList(user, q.state);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="pick-list-${q.state ?? 'accepted'}.csv"`);
    res.setHeader('X-Order-Count', String(list.orders));
    res.setHeader('X-Row-Count', String(list.rows));
    return list.csv;
  }

  @Get(':id')
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'One of your supplier’s orders with its timeline' })
  @ApiOkResponse({ type: OrderDetailDto })
  detail(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDetailDto> {
    return this.orders.detail(user, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Accept a placed order' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  accept(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'supplier', user }, id, OrderAction.Accept);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiIdempotencyKey({ required: false })
  @ApiOperation({ summary: 'Reject a placed or accepted order, with a reason: the points go back, stock is restored' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: `${TRANSITION_ERRORS}; ${KEY_REUSED}`, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: MISSING_REASON, type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused), or a malformed Idempotency-Key header', type: ErrorBodyDto })
  async reject(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: OrderReasonDto,
    @OptionalIdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrderDetailDto> {
    const { order, replayed } = await this.transitions.applyOnce({ kind: 'supplier', user }, id, OrderAction.Reject, { reason: dto.reason }, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return order;
  }

  @Post(':id/ship')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Ship an accepted order, with carrier and tracking number' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'MISSING_INPUT: a carrier or tracking number of only whitespace (details: action, missing)', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused)', type: ErrorBodyDto })
  ship(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ShipDto): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'supplier', user }, id, OrderAction.Ship, { carrier: dto.carrier, trackingNo: dto.trackingNo });
  }

  @Post(':id/deliver')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Mark a shipped order delivered; it completes automatically after AUTO_CONFIRM_DAYS unless the member confirms first' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  deliver(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'supplier', user }, id, OrderAction.Deliver);
  }

  @Post(':id/approve-return')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiIdempotencyKey({ required: false })
  @ApiOperation({ summary: 'Approve a return: your payable refunds the points (to the grants, or their pool / union budget once the window closed); stock is restored' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: `${TRANSITION_ERRORS}; ${KEY_REUSED}`, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: a malformed Idempotency-Key header', type: ErrorBodyDto })
  async approveReturn(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @OptionalIdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrderDetailDto> {
    const { order, replayed } = await this.transitions.applyOnce({ kind: 'supplier', user }, id, OrderAction.ApproveReturn, {}, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return order;
  }

  @Post(':id/decline-return')
  @HttpCode(200)
  @Roles(Role.SupplierStaff)
  @ApiOperation({ summary: 'Decline a return, with a reason' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: MISSING_REASON, type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused)', type: ErrorBodyDto })
  declineReturn(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OrderReasonDto): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'supplier', user }, id, OrderAction.DeclineReturn, { reason: dto.reason });
  }
}
