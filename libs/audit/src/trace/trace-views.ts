import type { EntryWithSeal } from '@huigong/ledger';
import type { OrderSettlementView } from '@huigong/settlement';

/** A ledger entry as a trace shows it: its transfers, its SHA-256 hash and (once sealed) its block. */
export type TraceEntry = Omit<EntryWithSeal, 'replayed'>;

export interface TraceGrant {
  grantAccountId: string;
  memberId: string;
  campaignId: string;
  /** fen the campaign credited to the grant */
  amountFen: number;
  creditedAt: string | null;
  /** the campaign.grant entry: campaign pool → grant */
  creditEntries: TraceEntry[];
}

export interface TraceCampaign {
  campaignId: string;
  name: string;
  status: string;
  unionId: string;
  poolAccountId: string | null;
  opensAt: string;
  closesAt: string;
  /** the reservation at approval and every top-up: union budget → campaign pool */
  fundingEntries: TraceEntry[];
}

export interface TraceDeposit {
  id: string;
  amountFen: number;
  bankReference: string;
  receivedOn: string;
  /** union funding → union budget */
  entry: TraceEntry | null;
}

export interface TraceUnion {
  unionId: string;
  name: string;
  budgetAccountId: string;
  deposits: TraceDeposit[];
}

export interface TraceOrderEntry {
  kind: 'payment' | 'completion' | 'refund' | 'return_refund';
  amountFen: number;
  at: string;
  entry: TraceEntry | null;
}

export interface OrderTraceView {
  order: {
    id: string;
    checkoutId: string;
    state: string;
    unionId: string;
    memberId: string;
    userId: string;
    supplierId: string;
    supplierOrganizationId: string;
    totalFen: number;
    escrowAccountId: string;
    payableAccountId: string | null;
    times: Record<string, string | null>;
  };
  backward: {
    /** checkout → order escrow: one transfer per grant that paid */
    checkout: TraceOrderEntry | null;
    payments: { grantAccountId: string; campaignId: string; amountFen: number; refund: { accountId: string; route: string; at: string } | null; grant: TraceGrant | null }[];
    campaigns: TraceCampaign[];
    union: TraceUnion | null;
  };
  forward: {
    /** order escrow → supplier payable */
    completion: TraceOrderEntry | null;
    refunds: TraceOrderEntry[];
    settlement: (Omit<OrderSettlementView, 'payout'> & { payout: (NonNullable<OrderSettlementView['payout']> & { entry: TraceEntry | null }) | null }) | null;
  };
  /** every entry above, once each, oldest first */
  entries: TraceEntry[];
  /** true when every entry of the trace is sealed into a block */
  allSealed: boolean;
}

export interface MemberTraceGrant {
  grantAccountId: string;
  campaignId: string;
  campaignName: string;
  campaignStatus: string;
  unionId: string;
  amountFen: number;
  creditedAt: string | null;
  opensAt: string;
  /** when unspent points expire (the window's close) */
  closesAt: string;
  balanceFen: number;
  creditEntries: TraceEntry[];
}

export interface MemberTraceOrder {
  id: string;
  state: string;
  supplierId: string;
  totalFen: number;
  placedAt: string;
  payments: { grantAccountId: string; campaignId: string; amountFen: number }[];
  entries: TraceOrderEntry[];
}

export interface MemberTraceRefund extends TraceOrderEntry {
  orderId: string;
  routes: { grantAccountId: string; accountId: string; route: string; amountFen: number }[];
}

export interface MemberTraceExpiry {
  grantAccountId: string;
  campaignId: string;
  kind: 'expiry' | 'leave';
  amountFen: number;
  entry: TraceEntry | null;
}

export interface MemberTraceView {
  member: { memberId: string; unionId: string; userId: string | null; name: string; employeeNo: string; status: string };
  grants: MemberTraceGrant[];
  orders: MemberTraceOrder[];
  /** how many orders the member has in all */
  orderCount: number;
  /** true when `orders` stops at MEMBER_TRACE_MAX_ORDERS (newest first) and holds fewer than `orderCount` */
  truncated: boolean;
  refunds: MemberTraceRefund[];
  expiries: MemberTraceExpiry[];
  totals: { grantedFen: number; spentFen: number; refundedFen: number; expiredFen: number; balanceFen: number };
  entries: TraceEntry[];
  allSealed: boolean;
}
