import { SealDto, TransferDto } from '@huigong/ledger';
import { ApiProperty } from '@nestjs/swagger';

// Swagger documentation of trace-views.ts (the services return those plain shapes).

export class TraceEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'order_payment' }) kind: string;
  @ApiProperty() idempotencyKey: string;
  @ApiProperty() reference: string;
  @ApiProperty({ nullable: true, type: String }) actor: string | null;
  @ApiProperty({ nullable: true, type: Object }) metadata: Record<string, unknown> | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'SHA-256 of the canonical encoding (libs/ledger/SEALING.md)' }) hash: string;
  @ApiProperty({ type: [TransferDto] }) transfers: TransferDto[];
  @ApiProperty({ type: SealDto, nullable: true, description: 'block height and hash; null until sealed' }) seal: SealDto | null;
}

export class TraceOrderEntryDto {
  @ApiProperty({ enum: ['payment', 'completion', 'refund', 'return_refund'] }) kind: 'payment' | 'completion' | 'refund' | 'return_refund';
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() at: string;
  @ApiProperty({ type: TraceEntryDto, nullable: true }) entry: TraceEntryDto | null;
}

export class TraceGrantDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ description: 'fen credited' }) amountFen: number;
  @ApiProperty({ nullable: true, type: String }) creditedAt: string | null;
  @ApiProperty({ type: [TraceEntryDto], description: 'campaign pool → grant' }) creditEntries: TraceEntryDto[];
}

export class TraceRefundRouteDto {
  @ApiProperty() accountId: string;
  @ApiProperty({ enum: ['grant', 'campaign_pool', 'union_budget'] }) route: string;
  @ApiProperty() at: string;
}

export class TracePaymentDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ description: 'fen this grant paid' }) amountFen: number;
  @ApiProperty({ type: TraceRefundRouteDto, nullable: true }) refund: TraceRefundRouteDto | null;
  @ApiProperty({ type: TraceGrantDto, nullable: true }) grant: TraceGrantDto | null;
}

export class TraceCampaignDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() name: string;
  @ApiProperty() status: string;
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty({ nullable: true, type: String }) poolAccountId: string | null;
  @ApiProperty() opensAt: string;
  @ApiProperty() closesAt: string;
  @ApiProperty({ type: [TraceEntryDto], description: 'union budget → campaign pool (reservation and top-ups)' }) fundingEntries: TraceEntryDto[];
}

export class TraceDepositDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() bankReference: string;
  @ApiProperty() receivedOn: string;
  @ApiProperty({ type: TraceEntryDto, nullable: true, description: 'union funding → union budget' }) entry: TraceEntryDto | null;
}

export class TraceUnionDto {
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty() name: string;
  @ApiProperty() budgetAccountId: string;
  @ApiProperty({ type: [TraceDepositDto] }) deposits: TraceDepositDto[];
}

export class TraceOrderDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) checkoutId: string;
  @ApiProperty() state: string;
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty({ format: 'uuid' }) supplierOrganizationId: string;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() escrowAccountId: string;
  @ApiProperty({ nullable: true, type: String }) payableAccountId: string | null;
  @ApiProperty({ type: Object, description: 'placedAt, acceptedAt, ..., completedAt, returnedAt' }) times: Record<string, string | null>;
}

export class TraceBackwardDto {
  @ApiProperty({ type: TraceOrderEntryDto, nullable: true, description: 'grants → order escrow' }) checkout: TraceOrderEntryDto | null;
  @ApiProperty({ type: [TracePaymentDto] }) payments: TracePaymentDto[];
  @ApiProperty({ type: [TraceCampaignDto] }) campaigns: TraceCampaignDto[];
  @ApiProperty({ type: TraceUnionDto, nullable: true }) union: TraceUnionDto | null;
}

export class TraceStatementDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() number: string;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty() periodStart: string;
  @ApiProperty() periodEnd: string;
  @ApiProperty() lineCount: number;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() issuedAt: string;
  @ApiProperty({ enum: ['issued', 'paid'] }) status: string;
}

export class TraceStatementLineDto {
  @ApiProperty() lineNo: number;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() completedAt: string;
  @ApiProperty() completionEntryId: string;
}

export class TracePayoutDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty() bankReference: string;
  @ApiProperty() paidOn: string;
  @ApiProperty() ledgerEntryId: string;
  @ApiProperty({ type: TraceEntryDto, nullable: true, description: 'supplier payable → supplier paid out' }) entry: TraceEntryDto | null;
}

export class TraceSettlementDto {
  @ApiProperty({ type: TraceStatementDto }) statement: TraceStatementDto;
  @ApiProperty({ type: TraceStatementLineDto }) line: TraceStatementLineDto;
  @ApiProperty({ type: TracePayoutDto, nullable: true }) payout: TracePayoutDto | null;
}

export class TraceForwardDto {
  @ApiProperty({ type: TraceOrderEntryDto, nullable: true, description: 'order escrow → supplier payable' }) completion: TraceOrderEntryDto | null;
  @ApiProperty({ type: [TraceOrderEntryDto] }) refunds: TraceOrderEntryDto[];
  @ApiProperty({ type: TraceSettlementDto, nullable: true }) settlement: TraceSettlementDto | null;
}

export class OrderTraceDto {
  @ApiProperty({ type: TraceOrderDto }) order: TraceOrderDto;
  @ApiProperty({ type: TraceBackwardDto }) backward: TraceBackwardDto;
  @ApiProperty({ type: TraceForwardDto }) forward: TraceForwardDto;
  @ApiProperty({ type: [TraceEntryDto], description: 'every entry of the trace once, oldest first' }) entries: TraceEntryDto[];
  @ApiProperty() allSealed: boolean;
}

export class MemberIdentityDto {
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId: string | null;
  @ApiProperty() name: string;
  @ApiProperty() employeeNo: string;
  @ApiProperty() status: string;
}

export class MemberTraceGrantDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() campaignName: string;
  @ApiProperty() campaignStatus: string;
  @ApiProperty({ format: 'uuid' }) unionId: string;
  @ApiProperty({ description: 'fen credited' }) amountFen: number;
  @ApiProperty({ nullable: true, type: String }) creditedAt: string | null;
  @ApiProperty() opensAt: string;
  @ApiProperty({ description: 'unspent points expire at the window’s close' }) closesAt: string;
  @ApiProperty({ description: 'fen left now' }) balanceFen: number;
  @ApiProperty({ type: [TraceEntryDto] }) creditEntries: TraceEntryDto[];
}

export class MemberTracePaymentDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
}

export class MemberTraceOrderDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() state: string;
  @ApiProperty({ format: 'uuid' }) supplierId: string;
  @ApiProperty({ description: 'fen' }) totalFen: number;
  @ApiProperty() placedAt: string;
  @ApiProperty({ type: [MemberTracePaymentDto] }) payments: MemberTracePaymentDto[];
  @ApiProperty({ type: [TraceOrderEntryDto] }) entries: TraceOrderEntryDto[];
}

export class MemberTraceRouteDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty() accountId: string;
  @ApiProperty({ enum: ['grant', 'campaign_pool', 'union_budget'] }) route: string;
  @ApiProperty({ description: 'fen' }) amountFen: number;
}

export class MemberTraceRefundDto extends TraceOrderEntryDto {
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ type: [MemberTraceRouteDto] }) routes: MemberTraceRouteDto[];
}

export class MemberTraceExpiryDto {
  @ApiProperty() grantAccountId: string;
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ enum: ['expiry', 'leave'] }) kind: 'expiry' | 'leave';
  @ApiProperty({ description: 'fen' }) amountFen: number;
  @ApiProperty({ type: TraceEntryDto, nullable: true }) entry: TraceEntryDto | null;
}

export class MemberTraceTotalsDto {
  @ApiProperty() grantedFen: number;
  @ApiProperty() spentFen: number;
  @ApiProperty() refundedFen: number;
  @ApiProperty() expiredFen: number;
  @ApiProperty() balanceFen: number;
}

export class MemberTraceDto {
  @ApiProperty({ type: MemberIdentityDto }) member: MemberIdentityDto;
  @ApiProperty({ type: [MemberTraceGrantDto] }) grants: MemberTraceGrantDto[];
  @ApiProperty({ type: [MemberTraceOrderDto], description: 'newest first, at most 1,000 (see `truncated`)' }) orders: MemberTraceOrderDto[];
  @ApiProperty({ description: 'how many orders the member has in all' }) orderCount: number;
  @ApiProperty({
    description:
      'true when `orders` stops at 1,000 (newest first) and the member has more: `refunds` and `totals.spentFen`/`refundedFen` then cover only the listed orders (grants, balances and expiries are always complete); read the rest with GET /api/v1/orders?memberId=… and the order traces',
  })
  truncated: boolean;
  @ApiProperty({ type: [MemberTraceRefundDto] }) refunds: MemberTraceRefundDto[];
  @ApiProperty({ type: [MemberTraceExpiryDto] }) expiries: MemberTraceExpiryDto[];
  @ApiProperty({ type: MemberTraceTotalsDto }) totals: MemberTraceTotalsDto;
  @ApiProperty({ type: [TraceEntryDto] }) entries: TraceEntryDto[];
  @ApiProperty() allSealed: boolean;
}
