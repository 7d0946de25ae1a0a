import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles } from '@huigong/common';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrderAction } from '../domain/order-state-machine';
import { OrderOptionalReasonDto, OrderDetailDto, OrderListQuery, OrderPageDto, OrderReasonDto } from '../dto/order.dto';
import { ReceiptDto } from '../dto/receipt.dto';
import { ReviewDto, ReviewInputDto } from '../dto/review.dto';
import { MemberOrdersService } from '../services/member-orders.service';
import { OrderTransitionService } from '../services/order-transition.service';
import { ReceiptService } from '../services/receipt.service';
import { ReviewsService } from '../services/reviews.service';

const TRANSITION_ERRORS = 'INVALID_TRANSITION (the order is not in a state this action applies to; details: state, allowedFrom); OUT_OF_SCOPE (403) for another member’s order';

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
  @ApiOperation({ summary: 'Cancel an order the supplier has not accepted yet: points go back to the grants that paid, stock is restored' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: every bad field (unknown fields are refused)', type: ErrorBodyDto })
  cancel(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OrderOptionalReasonDto): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'member', user }, id, OrderAction.Cancel, { reason: dto.reason });
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Confirm receipt of a delivered order: it completes and the points go to the supplier' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
  confirm(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDetailDto> {
    return this.transitions.apply({ kind: 'member', user }, id, OrderAction.Confirm);
  }

  @Post(':id/return-request')
  @HttpCode(200)
  @Roles(Role.Worker)
  @ApiOperation({ summary: 'Ask to return a completed order (the supplier approves or declines)' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiConflictResponse({ description: TRANSITION_ERRORS, type: ErrorBodyDto })
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
