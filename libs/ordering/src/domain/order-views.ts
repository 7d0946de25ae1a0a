import { OrderAction, OrderActorKind, OrderState } from './order-state-machine';

/** What the API returns about orders. Plain data: the DTO classes in dto/ document it for Swagger. */
export interface OrderAddress {
  recipient: string;
  phone: string;
  regionCode: string | null;
  detail: string;
}

export interface OrderLineView {
  id: string;
  lineNo: number;
  skuId: string;
  productId: string;
  productName: string;
  spec: string;
  categoryId: string;
  unitPriceFen: number;
  quantity: number;
  amountFen: number;
  /** the member's review of this line, if any */
  review: { stars: number; text: string; createdAt: string } | null;
}

export interface OrderPaymentView {
  grantAccountId: string;
  campaignId: string;
  amountFen: number;
  /** where the refund went, once refunded: the grant itself, or its campaign pool / union budget after the window closed */
  refund: { accountId: string; route: 'grant' | 'campaign_pool' | 'union_budget'; at: string } | null;
}

export interface OrderHistoryView {
  action: string;
  fromState: OrderState | null;
  toState: OrderState;
  actorKind: OrderActorKind | 'platform';
  actorUserId: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  at: string;
}

export interface OrderLedgerEntryView {
  kind: 'payment' | 'completion' | 'refund' | 'return_refund';
  ledgerEntryId: string;
  amountFen: number;
  at: string;
}

export interface OrderSummaryView {
  id: string;
  checkoutId: string;
  state: OrderState;
  unionId: string;
  memberId: string;
  userId: string;
  supplierId: string;
  supplierOrganizationId: string;
  totalFen: number;
  itemCount: number;
  placedAt: string;
  updatedAt: string;
  /** first line's product name, for lists */
  title: string;
}

export interface OrderDetailView extends OrderSummaryView {
  escrowAccountId: string;
  payableAccountId: string | null;
  address: OrderAddress;
  note: string | null;
  shipment: { carrier: string; trackingNo: string } | null;
  times: { placedAt: string } & Record<'acceptedAt' | 'shippedAt' | 'deliveredAt' | 'completedAt' | 'cancelledAt' | 'rejectedAt' | 'returnRequestedAt' | 'returnedAt' | 'returnDeclinedAt', string | null>;
  lines: OrderLineView[];
  payments: OrderPaymentView[];
  timeline: OrderHistoryView[];
  ledgerEntries: OrderLedgerEntryView[];
  /** what the caller may do next */
  availableActions: OrderAction[];
}
