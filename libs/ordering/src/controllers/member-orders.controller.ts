import { ApiIdempotencyKey, AuthUser, CurrentUser, ErrorBodyDto, OptionalIdempotencyKey, pageOf, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { OrderAction } from '../domain/order-state-machine';
import { OrderOptionalReasonDto, OrderDetailDto, OrderListQuery, OrderPageDto, OrderReasonDto } from '../dto/order.dto';
import { ReceiptDto } from '../dto/receipt.dto';
import { ReviewDto, ReviewInputDto } from '../dto/review.dto';
import { MemberOrdersService } from '../services/member-orders.service';
import { OrderTransitionService } from '../services/order-transition.service';
import { ReceiptService } from '../services/receipt.service';
import { ReviewsService } from '../services/reviews.service';

const TRANSITION_ERRORS = 'INVALID_TRANSITION (the order is not in a state this action applies to; details: state, allowedFrom)';
const KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED (the Idempotency-Key was used for another order, action or body)';
const OUT_OF_SCOPE = 'OUT_OF_SCOPE: another member’s order (recorded)';
const BAD_KEY = 'VALIDATION_FAILED: a malformed Idempotency-Key header';

@ApiTags('orders')
@Controller('me/orders')
export class MemberOrdersController {
  constructor(
    private readonly orders: MemberOrdersService,
    private readonly transitions: OrderTransitionService,
    private readonly receipts: ReceiptService,
    private readonly reviews: ReviewsService,
  ) {}

  @Get()
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Your orders, newest first' })
  @ApiOkResponse({ type: OrderPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: OrderListQuery): Promise<OrderPageDto> {
    return this.orders.list(user, { state: q.state, ...pageOf(q) });
  }

  @Get(':id')
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'One of your orders with its timeline, payments and ledger entries' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  detail(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDetailDto> {
    return this.orders.detail(user, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles(Role.Worker)
  @ApiIdempotencyKey({ required: false })
  @ApiOperation({ summary: 'Cancel an order the supplier has not accepted yet: points go back to the grants that paid, stock is restored' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: `${TRANSITION_ERRORS}; ${KEY_REUSED}`, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused), or a malformed Idempotency-Key header', type: ErrorBodyDto })
  async cancel(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: OrderOptionalReasonDto,
    @OptionalIdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrderDetailDto> {
    const { order, replayed } = await this.transitions.applyOnce({ kind: 'member', user }, id, OrderAction.Cancel, { reason: dto.reason }, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return order;
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @Roles(Role.Worker)
  @ApiIdempotencyKey({ required: false })
  @ApiOperation({ summary: 'Confirm receipt of a delivered order: it completes and the points go to the supplier' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: `${TRANSITION_ERRORS}; ${KEY_REUSED}`, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: BAD_KEY, type: ErrorBodyDto })
  async confirm(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @OptionalIdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrderDetailDto> {
    const { order, replayed } = await this.transitions.applyOnce({ kind: 'member', user }, id, OrderAction.Confirm, {}, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return order;
  }

  @Post(':id/return-request')
  @HttpCode(200)
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Ask to return a completed order (the supplier approves or declines)' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: `${TRANSITION_ERRORS}; ORDER_SETTLED (already on the supplier’s settlement statement; details: orderId, statementId)`, type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: OUT_OF_SCOPE, type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  @ApiUnprocessableEntityResponse({ description: 'MISSING_INPUT: a reason of only whitespace (details: action, missing)', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused)', type: ErrorBodyDto })
  requestReturn(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OrderReasonDto): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'member', user }, id, OrderAction.RequestReturn, { reason: dto.reason });
  }

  @Get(':id/receipt')
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Receipt: the order, its ledger entries’ hashes and, once sealed, their inclusion proofs' })
  @ApiOkResponse({ type: ReceiptDto })
  receipt(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ReceiptDto> {
    return this.receipts.receipt(user, id) as unknown as Promise<ReceiptDto>;
  }

  @Post(':id/lines/:lineId/review')
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Review a line of a completed order (1–5 stars, one review per line); updates the product’s rating' })
  @ApiCreatedResponse({ type: ReviewDto })
  @ApiConflictResponse({ description: 'ALREADY_REVIEWED; ORDER_NOT_COMPLETED', type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED for stars outside 1–5 or text over 1000 characters', type: ErrorBodyDto })
  review(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('lineId', ParseUUIDPipe) lineId: string,
    @Body() dto: ReviewInputDto,
  ): Promise<ReviewDto> {
    return this.reviews.review(user, id, lineId, dto);
  }
}
