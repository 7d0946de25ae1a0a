import { ApiProperty } from '@nestjs/swagger';

export class CampaignTraceCampaignDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() status: string;
  @ApiProperty() unionId: string;
  @ApiProperty() unionName: string;
  @ApiProperty() opensAt: string;
  @ApiProperty() closesAt: string;
  @ApiProperty({ nullable: true, type: String }) poolAccountId: string | null;
  @ApiProperty() budgetAccountId: string;
}

export class SupplierShareDto {
  @ApiProperty() supplierId: string;
  @ApiProperty({ nullable: true, type: String }) supplierName: string | null;
  @ApiProperty({ description: 'fen of this campaign kept by the supplier’s orders (refunded orders excluded)' }) amountFen: number;
  @ApiProperty({ type: [String] }) orderIds: string[];
}

export class CategoryShareDto {
  @ApiProperty() categoryId: string;
  @ApiProperty({ nullable: true, type: String }) code: string | null;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ description: 'fen; apportioned over lines by amount where an order was paid from several campaigns' }) amountFen: number;
}

export class CampaignTraceOrderDto {
  @ApiProperty() orderId: string;
  @ApiProperty() supplierId: string;
  @ApiProperty() state: string;
  @ApiProperty({ description: 'fen this campaign’s grant paid' }) paidFen: number;
  @ApiProperty({ description: 'fen of that refunded' }) refundedFen: number;
  @ApiProperty({ nullable: true, enum: ['grant', 'campaign_pool', 'union_budget'] }) refundRoute: string | null;
}

export class CampaignMemberTraceDto {
  @ApiProperty() memberId: string;
  @ApiProperty() employeeNo: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'distribution state: draft, pending, credited, withdrawn' }) state: string;
  @ApiProperty({ nullable: true, type: String }) grantAccountId: string | null;
  @ApiProperty({ description: 'credited from the pool to the grant (ledger)' }) creditedFen: number;
  @ApiProperty({ description: 'paid from the grant into orders (ledger)' }) spentFen: number;
  @ApiProperty({ description: 'refunded back into the grant (window still open)' }) refundedToGrantFen: number;
  @ApiProperty({ description: 'refunded to the campaign pool (window closed, not yet settled)' }) refundedToPoolFen: number;
  @ApiProperty({ description: 'refunded to the union budget (campaign closed)' }) refundedToBudgetFen: number;
  @ApiProperty({ description: 'expired back to the pool at window close' }) expiredFen: number;
  @ApiProperty({ description: 'returned when the member left (to the pool or the union budget)' }) leftFen: number;
  @ApiProperty({ description: 'still held in the grant (ledger balance)' }) heldFen: number;
  @ApiProperty({ description: 'kept by orders: paid and not refunded' }) netSpentFen: number;
  @ApiProperty({ type: [SupplierShareDto] }) bySupplier: SupplierShareDto[];
  @ApiProperty({ type: [CategoryShareDto] }) byCategory: CategoryShareDto[];
  @ApiProperty({ type: [CampaignTraceOrderDto] }) orders: CampaignTraceOrderDto[];
  @ApiProperty({ description: 'credited = netSpent + refundedToPool + refundedToBudget + expired + left + held, and the ledger agrees with the order payments' }) balanced: boolean;
}

export class PoolFlowDto {
  @ApiProperty({ description: 'union budget → pool (reserve and top-ups)' }) reservedFen: number;
  @ApiProperty({ description: 'pool → grants' }) creditedToMembersFen: number;
  @ApiProperty({ description: 'grants → pool at window close' }) expiredIntoPoolFen: number;
  @ApiProperty({ description: 'grants → pool when members left' }) leftIntoPoolFen: number;
  @ApiProperty({ description: 'order refunds → pool' }) refundedIntoPoolFen: number;
  @ApiProperty({ description: 'pool → union budget when the campaign was cancelled' }) cancelledToBudgetFen: number;
  @ApiProperty({ description: 'pool → union budget at settlement (close)' }) settledToBudgetFen: number;
  @ApiProperty({ description: 'the pool’s ledger balance now' }) balanceFen: number;
}

export class DestinationsDto {
  @ApiProperty({ description: 'kept by orders (paid, not refunded)' }) spentOnOrdersFen: number;
  @ApiProperty({ description: 'still held in members’ grants' }) heldInGrantsFen: number;
  @ApiProperty({ description: 'still in the campaign pool' }) inPoolFen: number;
  @ApiProperty({ description: 'returned to the union budget: cancellation, settlement at close, members leaving, refunds after close' }) returnedToBudgetFen: number;
}

export class TraceCheckDto {
  @ApiProperty({ description: 'every check below holds' }) ok: boolean;
  @ApiProperty() reservedFen: number;
  @ApiProperty({ description: 'spentOnOrders + heldInGrants + inPool + returnedToBudget' }) destinationsFen: number;
  @ApiProperty({ description: 'reserved − destinations (0 when it adds up)' }) differenceFen: number;
  @ApiProperty({ description: 'reserved + expired + left + refunded into the pool = credited + cancelled + settled + pool balance' }) poolBalanced: boolean;
  @ApiProperty({ description: 'members whose parts do not add up to what they were credited' }) unbalancedMembers: number;
  @ApiProperty({ description: 'transfers on the pool or the grants that fit no known flow' }) unexplainedTransfers: number;
  @ApiProperty({ type: [String], description: 'what failed, in words' }) problems: string[];
}

export class UnexplainedTransferDto {
  @ApiProperty() transferId: string;
  @ApiProperty() entryId: string;
  @ApiProperty() kind: string;
  @ApiProperty() debitAccountId: string;
  @ApiProperty() creditAccountId: string;
  @ApiProperty() amount: number;
}

export class CampaignTraceDto {
  @ApiProperty({ type: CampaignTraceCampaignDto }) campaign: CampaignTraceCampaignDto;
  @ApiProperty({ description: 'fen reserved from the union budget for the campaign' }) reservedFen: number;
  @ApiProperty({ type: PoolFlowDto }) pool: PoolFlowDto;
  @ApiProperty({ type: DestinationsDto }) destinations: DestinationsDto;
  @ApiProperty({ description: 'gross fen paid into orders' }) spentFen: number;
  @ApiProperty({ description: 'fen refunded from orders (to grants, pool or budget)' }) refundedFen: number;
  @ApiProperty({ type: [SupplierShareDto] }) bySupplier: SupplierShareDto[];
  @ApiProperty({ type: [CategoryShareDto] }) byCategory: CategoryShareDto[];
  @ApiProperty({ type: [CampaignMemberTraceDto] }) members: CampaignMemberTraceDto[];
  @ApiProperty({ type: [UnexplainedTransferDto] }) unexplained: UnexplainedTransferDto[];
  @ApiProperty({ type: TraceCheckDto }) check: TraceCheckDto;
  @ApiProperty({ description: 'when the trace was computed (one consistent snapshot)' }) asOf: string;
}
