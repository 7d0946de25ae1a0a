import { ApiProperty } from '@nestjs/swagger';
import { OrderState } from '../domain/order-state-machine';
import { OrderLineDto, OrderPaymentDto } from './order.dto';

export class ReceiptBlockDto {
  @ApiProperty() height: number;
  @ApiProperty() hash: string;
}

export class ReceiptEntryDto {
  @ApiProperty({ enum: ['payment', 'completion', 'refund', 'return_refund'] }) kind: string;
  @ApiProperty() ledgerEntryId: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the canonical entry (libs/ledger/SEALING.md)' }) hash: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() sealed: boolean;
  @ApiProperty({ type: ReceiptBlockDto, nullable: true }) block: ReceiptBlockDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'EntryProof v1 (entry, entryHash, leafIndex, block, blockHash, auditPath, chain, head) once sealed; verify offline with tools/verify-proof.ts',
  })
  proof: Record<string, unknown> | null;
}

export class ReceiptOrderDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) checkoutId: string;
  @ApiProperty({ enum: OrderState }) state: OrderState;
  @ApiProperty() totalFen: number;
  @ApiProperty() placedAt: string;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty({ type: [OrderLineDto] }) lines: OrderLineDto[];
  @ApiProperty({ type: [OrderPaymentDto] }) payments: OrderPaymentDto[];
}

export class ReceiptDto {
  @ApiProperty({ type: ReceiptOrderDto }) order: ReceiptOrderDto;
  @ApiProperty({ type: ReceiptEntryDto, description: 'the payment entry (grants → escrow)' }) payment: ReceiptEntryDto;
  @ApiProperty({ type: [ReceiptEntryDto] }) entries: ReceiptEntryDto[];
}
