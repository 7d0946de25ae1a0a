import { AuthUser, CurrentUser, ErrorBodyDto, pageOf, Role, Roles } from '@huigong/common';
import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrderDetailDto, OrderPageDto, PlatformOrderListQuery } from '../dto/order.dto';
import { PositiveRateDto } from '../dto/review.dto';
import { PlatformOrdersService } from '../services/platform-orders.service';
import { ReviewsService } from '../services/reviews.service';

@ApiTags('orders')
@Controller()
export class OrdersController {
  constructor(
    private readonly orders: PlatformOrdersService,
    private readonly reviews: ReviewsService,
  ) {}

  @Get('orders')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Every order, filtered by state, supplier, union, member user or union member' })
  @ApiOkResponse({ type: OrderPageDto })
  list(@Query() q: PlatformOrderListQuery): Promise<OrderPageDto> {
    return this.orders.list({ state: q.state, supplierOrganizationId: q.supplierOrganizationId, unionId: q.unionId, userId: q.userId, memberId: q.memberId, ...pageOf(q) });
  }

  @Get('orders/:id')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'Any order with its timeline, payments (and refund routes) and ledger entries' })
  @ApiOkResponse({ type: OrderDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND', type: ErrorBodyDto })
  detail(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDetailDto> {
    return this.orders.detail(user, id);
  }

  @Get('reviews/positive-rate')
  @Roles(Role.PlatformAdmin, Role.Auditor)
  @ApiOperation({ summary: 'The platform’s positive-review rate: reviews with 4–5 stars over all reviews' })
  @ApiOkResponse({ type: PositiveRateDto })
  positiveRate(): Promise<PositiveRateDto> {
    return this.reviews.positiveRate();
  }
}
