import { PageMetaDto, PageQueryDto } from '@huigong/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { OrderAction, OrderState } from '../domain/order-state-machine';
import { OrderAddressDto } from './address.dto';
import { OrderGrantPaymentDto, PlacedOrderLineDto } from './checkout.dto';

export class OrderListQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: OrderState }) @IsOptional() @IsEnum(OrderState) state?: OrderState;
}

export class PlatformOrderListQuery extends OrderListQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() supplierOrganizationId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() unionId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'a union member (roster id): the orders placed under that membership' }) @IsOptional() @IsUUID() memberId?: string;
}

export class PickListQuery {
  @ApiPropertyOptional({ enum: OrderState, default: OrderState.Accepted }) @IsOptional() @IsEnum(OrderState) state?: OrderState;
}

export class OrderReasonDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: '库存不足，无法发货' }) @IsString() @Length(1, 500) reason: string;
}

export class OrderOptionalReasonDto {
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class ShipDto {
  @ApiProperty({ example: '顺丰速运', maxLength: 64 }) @IsString() @Length(1, 64) carrier: string;
  @ApiProperty({ example: 'SF1234567890', maxLength: 64 }) @IsString() @Length(1, 64) trackingNo: string;
}

export class OrderSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) checkoutId: string;
  @ApiProperty({ enum: OrderState }) state: OrderState;
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty({ format: 'uuid' }) supplierOrganizationId: string;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() itemCount: number;
  @ApiProperty() placedAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ description: 'the first line’s product name' }) title: string;
}

export class OrderPageDto extends PageMetaDto {
  @ApiProperty({ type: [OrderSummaryDto] }) items: OrderSummaryDto[];
}

export class OrderLineReviewDto {
  @ApiProperty({ minimum: 1, maximum: 5 }) stars: number;
  @ApiProperty() text: string;
  @ApiProperty() createdAt: string;
}

export class OrderLineDto extends PlacedOrderLineDto {
  @ApiProperty({ type: OrderLineReviewDto, nullable: true }) review: OrderLineReviewDto | null;
}

export class PaymentRefundDto {
  @ApiProperty() accountId: string;
  @ApiProperty({ enum: ['grant', 'campaign_pool', 'union_budget'] }) route: string;
  @ApiProperty() at: string;
}

export class OrderPaymentDto extends OrderGrantPaymentDto {
  @ApiProperty({ type: PaymentRefundDto, nullable: true, description: 'where the refund went: the grant, or its pool / union budget once the window closed' }) refund: PaymentRefundDto | null;
}

export class OrderHistoryDto {
  @ApiProperty({ example: 'accept' }) action: string;
  @ApiProperty({ enum: OrderState, nullable: true }) fromState: OrderState | null;
  @ApiProperty({ enum: OrderState }) toState: OrderState;
  @ApiProperty({ enum: ['member', 'supplier', 'system', 'platform'] }) actorKind: string;
  @ApiProperty({ nullable: true, type: String }) actorUserId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the reason given (reject, return request, decline); for auto_confirm the system’s, e.g. "Not confirmed within 7 days of delivery"' }) reason: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'what the step did, by action: carrier and trackingNo (ship), refund routes (refunds), payableAccountId (completion); for auto_confirm also trigger (job: the order’s own timer; sweep: the periodic backstop that completes an order whose timer was lost) and dueAt',
  })
  details: Record<string, unknown>;
  @ApiProperty() at: string;
}

export class OrderLedgerEntryDto {
  @ApiProperty({ enum: ['payment', 'completion', 'refund', 'return_refund'] }) kind: string;
  @ApiProperty() ledgerEntryId: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() at: string;
}

export class ShipmentDto {
  @ApiProperty() carrier: string;
  @ApiProperty() trackingNo: string;
}

export class OrderTimesDto {
  @ApiProperty() placedAt: string;
  @ApiProperty({ nullable: true, type: String }) acceptedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) shippedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) cancelledAt: string | null;
  @ApiProperty({ nullable: true, type: String }) rejectedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) returnRequestedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) returnedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) returnDeclinedAt: string | null;
}

export class OrderDetailDto extends OrderSummaryDto {
  @ApiProperty() escrowAccountId: string;
  @ApiProperty({ nullable: true, type: String }) payableAccountId: string | null;
  @ApiProperty({ type: OrderAddressDto }) address: OrderAddressDto;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty({ type: ShipmentDto, nullable: true }) shipment: ShipmentDto | null;
  @ApiProperty({ type: OrderTimesDto }) times: OrderTimesDto;
  @ApiProperty({ type: [OrderLineDto] }) lines: OrderLineDto[];
  @ApiProperty({ type: [OrderPaymentDto] }) payments: OrderPaymentDto[];
  @ApiProperty({ type: [OrderHistoryDto], description: 'every transition: who, when, why' }) timeline: OrderHistoryDto[];
  @ApiProperty({ type: [OrderLedgerEntryDto] }) ledgerEntries: OrderLedgerEntryDto[];
  @ApiProperty({ enum: OrderAction, isArray: true, description: 'what the caller may do next' }) availableActions: OrderAction[];
}
