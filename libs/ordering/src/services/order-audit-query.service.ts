import { toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isoOrNull as iso, orderHistoryFields, orderLineFields } from '../domain/order-rows';
import type { OrderLineView } from '../domain/order-views';

/** Which grant paid how much of an order, and where its refund went (if any). */
export interface OrderPaymentAuditView {
  orderId: string;
  grantAccountId: string;
  campaignId: string;
  amountFen: number;
  refundRoute: 'grant' | 'campaign_pool' | 'union_budget' | null;
  refundAccountId: string | null;
  refundedAt: string | null;
}

/** An order line as the audit sees it: the member's view without its row id and review. */
export type OrderLineAuditView = Omit<OrderLineView, 'id' | 'review'>;

export interface OrderHistoryAuditView {
  action: string;
  fromState: string | null;
  toState: string;
  actorKind: string;
  actorUserId: string | null;
  reason: string | null;
  at: string;
}

export interface OrderAuditView {
  id: string;
  checkoutId: string;
  unionId: string;
  memberId: string;
  supplierId: string;
  supplierOrganizationId: string;
  state: string;
  totalFen: number;
  itemCount: number;
  escrowAccountId: string;
  payableAccountId: string | null;
  carrier: string | null;
  trackingNo: string | null;
  placedAt: string;
  shippedAt: string | null;
  deliveredAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  rejectedAt: string | null;
  returnRequestedAt: string | null;
  returnedAt: string | null;
  lines: OrderLineAuditView[];
  history: OrderHistoryAuditView[];
  ledgerEntries: { entryId: string; kind: string; amountFen: number; at: string }[];
}


/** The ordering context's read-only answers for auditors (no scoping: the caller decides). */
@Injectable()
export class OrderAuditQueryService {
  constructor(private readonly dataSource: DataSource) {}

  /** Every payment drawn from a campaign's grants, by order. */
  async paymentsOfCampaign(campaignId: string, em: EntityManager = this.dataSource.manager): Promise<OrderPaymentAuditView[]> {
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT order_id, grant_account_id::text AS grant_account_id, campaign_id, amount_fen::text AS amount_fen, refund_route,
              refund_account_id::text AS refund_account_id, refunded_at
         FROM order_payments WHERE campaign_id = $1 ORDER BY order_id, grant_account_id`,
      [campaignId],
    );
    return rows.map((r) => ({
      orderId: r.order_id as string,
      grantAccountId: r.grant_account_id as string,
      campaignId: r.campaign_id as string,
      amountFen: toSafeNumber(r.amount_fen as string),
      refundRoute: (r.refund_route as OrderPaymentAuditView['refundRoute']) ?? null,
      refundAccountId: (r.refund_account_id as string | null) ?? null,
      refundedAt: iso(r.refunded_at),
    }));
  }

  /** Orders with their lines, history and ledger entries, by placing time. */
  async orders(orderIds: string[], em: EntityManager = this.dataSource.manager): Promise<OrderAuditView[]> {
    if (!orderIds.length) return [];
    // one after the other: the queries share the caller's connection (and its snapshot)
    const orders: Record<string, unknown>[] = await em.query(
      `SELECT id, checkout_id, union_id, member_id, supplier_id, supplier_organization_id, state, total_fen::text AS total_fen, item_count,
              escrow_account_id::text AS escrow_account_id, payable_account_id::text AS payable_account_id, carrier, tracking_no,
              placed_at, shipped_at, delivered_at, completed_at, cancelled_at, rejected_at, return_requested_at, returned_at
         FROM orders WHERE id = ANY ($1::uuid[]) ORDER BY placed_at, id`,
      [orderIds],
    );
    const lines: Record<string, unknown>[] = await em.query(
      `SELECT order_id, line_no, sku_id, product_id, product_name, spec, category_id, unit_price_fen::text AS unit_price_fen, quantity, amount_fen::text AS amount_fen
         FROM order_lines WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, line_no`,
      [orderIds],
    );
    const history: Record<string, unknown>[] = await em.query(
      `SELECT order_id, action, from_state, to_state, actor_kind, actor_user_id, reason, at
         FROM order_history WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, id`,
      [orderIds],
    );
    const entries: Record<string, unknown>[] = await em.query(
      `SELECT order_id, ledger_entry_id::text AS entry_id, kind, amount_fen::text AS amount_fen, at
         FROM order_ledger_entries WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, ledger_entry_id`,
      [orderIds],
    );
    const group = <T>(rows: Record<string, unknown>[], map: (r: Record<string, unknown>) => T) => {
      const m = new Map<string, T[]>();
      for (const r of rows) {
        const k = r.order_id as string;
        const list = m.get(k) ?? [];
        list.push(map(r));
        m.set(k, list);
      }
      return m;
    };
    const linesBy = group(lines, orderLineFields);
    const historyBy = group(history, orderHistoryFields);
    const entriesBy = group(entries, (r) => ({ entryId: r.entry_id as string, kind: r.kind as string, amountFen: toSafeNumber(r.amount_fen as string), at: iso(r.at)! }));
    return orders.map((o) => ({
      id: o.id as string,
      checkoutId: o.checkout_id as string,
      unionId: o.union_id as string,
      memberId: o.member_id as string,
      supplierId: o.supplier_id as string,
      supplierOrganizationId: o.supplier_organization_id as string,
      state: o.state as string,
      totalFen: toSafeNumber(o.total_fen as string),
      itemCount: o.item_count as number,
      escrowAccountId: o.escrow_account_id as string,
      payableAccountId: (o.payable_account_id as string | null) ?? null,
      carrier: (o.carrier as string | null) ?? null,
      trackingNo: (o.tracking_no as string | null) ?? null,
      placedAt: iso(o.placed_at)!,
      shippedAt: iso(o.shipped_at),
      deliveredAt: iso(o.delivered_at),
      completedAt: iso(o.completed_at),
      cancelledAt: iso(o.cancelled_at),
      rejectedAt: iso(o.rejected_at),
      returnRequestedAt: iso(o.return_requested_at),
      returnedAt: iso(o.returned_at),
      lines: linesBy.get(o.id as string) ?? [],
      history: historyBy.get(o.id as string) ?? [],
      ledgerEntries: entriesBy.get(o.id as string) ?? [],
    }));
  }
}
