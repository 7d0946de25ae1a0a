import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsInt, IsOptional, IsString, IsUUID, MaxLength, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { OrderState } from '../domain/order-state-machine';
import { AddressInputDto, OrderAddressDto } from './address.dto';

export class CheckoutLineDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() skuId: string;
  @ApiProperty({ minimum: 1, maximum: 99 }) @IsInt() @Min(1) @Max(99) quantity: number;
}

export class CheckoutDto {
  @ApiProperty({ type: [CheckoutLineDto], minItems: 1, maxItems: 50, description: 'the same SKU twice is one line' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CheckoutLineDto)
  lines: CheckoutLineDto[];

  @ApiPropertyOptional({ format: 'uuid', description: 'a saved address (GET /me/addresses); give this or `address`' })
  @ValidateIf((o: CheckoutDto) => o.address === undefined)
  @IsUUID()
  addressId?: string;

  @ApiPropertyOptional({ type: AddressInputDto, description: 'a new address, kept among your saved addresses; give this or `addressId`' })
  @ValidateIf((o: CheckoutDto) => o.addressId === undefined)
  @IsDefined()
  @ValidateNested()
  @Type(() => AddressInputDto)
  address?: AddressInputDto;

  @ApiPropertyOptional({ maxLength: 500, description: 'a note for the suppliers' }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class PlacedOrderLineDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() lineNo: number;
  @ApiProperty({ format: 'uuid' }) skuId: string;
  @ApiProperty({ format: 'uuid' }) productId: string;
  @ApiProperty({ description: 'snapshot at checkout' }) productName: string;
  @ApiProperty({ description: 'snapshot at checkout' }) spec: string;
  @ApiProperty({ format: 'uuid' }) categoryId: string;
  @ApiProperty({ description: 'fen, snapshot at checkout' }) unitPriceFen: number;
  @ApiProperty() quantity: number;
  @ApiProperty({ description: 'fen' }) amountFen: number;
}

export class OrderGrantPaymentDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
}

export class PlacedOrderDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: OrderState }) state: OrderState;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty({ format: 'uuid' }) supplierOrganizationId: string;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() itemCount: number;
  @ApiProperty({ description: 'the ledger account holding this order’s points until completion or refund' }) escrowAccountId: string;
  @ApiProperty({ type: [PlacedOrderLineDto] }) lines: PlacedOrderLineDto[];
  @ApiProperty({ type: [OrderGrantPaymentDto] }) payments: OrderGrantPaymentDto[];
}

export class CheckoutGrantPaymentDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() campaignName: string;
  @ApiProperty() closesAt: string;
  @ApiProperty({ description: 'fen taken from this grant' }) amountFen: number;
}

export class CheckoutLedgerEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'order_payment' }) kind: string;
  @ApiProperty({ example: 'checkout:<uuid>' }) reference: string;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the canonical entry (null if the ledger hashes only at sealing)' }) hash: string | null;
  @ApiProperty() createdAt: string;
}

export class CheckoutResultDto {
  @ApiProperty({ format: 'uuid' }) checkoutId: string;
  @ApiProperty() placedAt: string;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty({ type: OrderAddressDto }) address: OrderAddressDto;
  @ApiProperty({ type: [PlacedOrderDto], description: 'one order per supplier' }) orders: PlacedOrderDto[];
  @ApiProperty({ type: [CheckoutGrantPaymentDto], description: 'points taken from each grant, earliest-closing first' }) payments: CheckoutGrantPaymentDto[];
  @ApiProperty({ type: CheckoutLedgerEntryDto, description: 'the one ledger entry: grants → order escrow' }) ledgerEntry: CheckoutLedgerEntryDto;
  @ApiProperty({ description: 'true when this is the stored result of an earlier request with the same Idempotency-Key' }) replayed: boolean;
}
