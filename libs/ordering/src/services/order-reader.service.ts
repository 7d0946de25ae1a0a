import { Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { actionsFrom, OrderActorKind, OrderState } from '../domain/order-state-machine';
import { isoOrNull as iso, orderHistoryFields, orderLineFields } from '../domain/order-rows';
import { OrderDetailView, OrderHistoryView, OrderLedgerEntryView, OrderLineView, OrderPaymentView, OrderSummaryView } from '../domain/order-views';

/** The order row as the services use it (the transition service locks and reads this). */
export interface OrderRow {
  id: string;
  checkout_id: string;
  union_id: string;
  member_id: string;
  user_id: string;
  supplier_id: string;
  supplier_organization_id: string;
  state: OrderState;
  total_fen: string;
  item_count: number;
  escrow_account_id: string;
  payable_account_id: string | null;
  address: OrderDetailView['address'];
  carrier: string | null;
  tracking_no: string | null;
  note: string | null;
  placed_at: Date;
  accepted_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  rejected_at: Date | null;
  return_requested_at: Date | null;
  returned_at: Date | null;
  return_declined_at: Date | null;
  updated_at: Date;
  /** set once, when a settlement run puts the order on its supplier's statement */
  settlement_statement_id: string | null;
  title?: string;
}

export interface OrderFilter {
  userId?: string;
  memberId?: string;
  supplierOrganizationId?: string;
  unionId?: string;
  states?: OrderState[];
  limit: number;
  offset: number;
}

/** One order's lines, payments, history and entries as JSON arrays of raw rows (mapped field by field below). */
interface AggregateRow {
  id: string;
  lines: Record<string, unknown>[];
  payments: Record<string, unknown>[];
  history: Record<string, unknown>[];
  entries: Record<string, unknown>[];
}


export function toSummary(r: OrderRow): OrderSummaryView {
  return {
    id: r.id,
    checkoutId: r.checkout_id,
    state: r.state,
    unionId: r.union_id,
    memberId: r.member_id,
    userId: r.user_id,
    supplierId: r.supplier_id,
    supplierOrganizationId: r.supplier_organization_id,
    totalFen: toSafeNumber(r.total_fen),
    itemCount: r.item_count,
    placedAt: iso(r.placed_at)!,
    updatedAt: iso(r.updated_at)!,
    title: r.title ?? '',
  };
}

/** Reads orders for every audience; callers decide who may see which (OrderAccessService). */
@Injectable()
export class OrderReader {
  constructor(private readonly dataSource: DataSource) {}

  async find(id: string, em: EntityManager = this.dataSource.manager, lock = false): Promise<OrderRow | null> {
    const [row] = await em.query(`SELECT * FROM orders WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return row ?? null;
  }

  async list(f: OrderFilter, em: EntityManager = this.dataSource.manager): Promise<Page<OrderSummaryView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.userId) add('o.user_id = ?', f.userId);
    if (f.memberId) add('o.member_id = ?', f.memberId);
    if (f.supplierOrganizationId) add('o.supplier_organization_id = ?', f.supplierOrganizationId);
    if (f.unionId) add('o.union_id = ?', f.unionId);
    if (f.states?.length) add('o.state = ANY(?::text[])', f.states);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM orders o ${cond}`, params);
    const rows: OrderRow[] = await em.query(
      `SELECT o.*, (SELECT product_name FROM order_lines l WHERE l.order_id = o.id ORDER BY line_no LIMIT 1) AS title
         FROM orders o ${cond}
        ORDER BY o.placed_at DESC, o.id DESC
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset],
    );
    return { items: rows.map(toSummary), total, limit: f.limit, offset: f.offset };
  }

  async detail(order: OrderRow, viewer: OrderActorKind | 'platform', em: EntityManager = this.dataSource.manager): Promise<OrderDetailView> {
    return (await this.details([order], viewer, em))[0];
  }

  /** Orders by id (unknown ids are absent), in no particular order. */
  async findMany(ids: string[], em: EntityManager = this.dataSource.manager): Promise<OrderRow[]> {
    if (!ids.length) return [];
    return em.query(`SELECT * FROM orders WHERE id = ANY ($1::uuid[])`, [ids]);
  }

  /** Details of many orders in one round trip (and never two queries at once on a transaction's connection), in the given order. */
  async details(orders: OrderRow[], viewer: OrderActorKind | 'platform', em: EntityManager = this.dataSource.manager): Promise<OrderDetailView[]> {
    if (!orders.length) return [];
    const rows: AggregateRow[] = await em.query(
      `SELECT o.id,
         (SELECT coalesce(json_agg(x ORDER BY x.line_no), '[]') FROM (
            SELECT l.*, r.stars, r.text AS review_text, r.created_at AS reviewed_at
              FROM order_lines l LEFT JOIN order_reviews r ON r.order_line_id = l.id WHERE l.order_id = o.id) x) AS lines,
         (SELECT coalesce(json_agg(p ORDER BY p.grant_account_id), '[]') FROM order_payments p WHERE p.order_id = o.id) AS payments,
         (SELECT coalesce(json_agg(h ORDER BY h.id), '[]') FROM order_history h WHERE h.order_id = o.id) AS history,
         (SELECT coalesce(json_agg(e ORDER BY e.at, e.ledger_entry_id), '[]') FROM order_ledger_entries e WHERE e.order_id = o.id) AS entries
       FROM unnest($1::uuid[]) AS o(id)`,
      [orders.map((o) => o.id)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return orders.map((order) => this.toDetail(order, byId.get(order.id)!, viewer));
  }

  private toDetail(
    order: OrderRow,
    { lines, payments, history, entries }: AggregateRow,
    viewer: OrderActorKind | 'platform',
  ): OrderDetailView {
    const lineViews: OrderLineView[] = lines.map((l: Record<string, unknown>) => ({
      id: l.id as string,
      ...orderLineFields(l),
      review: l.stars ? { stars: Number(l.stars), text: l.review_text as string, createdAt: iso(l.reviewed_at as Date)! } : null,
    }));
    const paymentViews: OrderPaymentView[] = payments.map((p: Record<string, unknown>) => ({
      grantAccountId: String(p.grant_account_id),
      campaignId: p.campaign_id as string,
      amountFen: toSafeNumber(p.amount_fen as string),
      refund: p.refund_route ? { accountId: String(p.refund_account_id), route: p.refund_route as 'grant', at: iso(p.refunded_at as Date)! } : null,
    }));
    const timeline: OrderHistoryView[] = history.map((h: Record<string, unknown>) => ({
      ...orderHistoryFields(h),
      details: h.details as Record<string, unknown>,
    }));
    const ledgerEntries: OrderLedgerEntryView[] = entries.map((e: Record<string, unknown>) => ({
      kind: e.kind as OrderLedgerEntryView['kind'],
      ledgerEntryId: String(e.ledger_entry_id),
      amountFen: toSafeNumber(e.amount_fen as string),
      at: iso(e.at as Date)!,
    }));
    return {
      ...toSummary({ ...order, title: lineViews[0]?.productName ?? '' }),
      escrowAccountId: String(order.escrow_account_id),
      payableAccountId: order.payable_account_id === null ? null : String(order.payable_account_id),
      address: order.address,
      note: order.note,
      shipment: order.carrier && order.tracking_no ? { carrier: order.carrier, trackingNo: order.tracking_no } : null,
      times: {
        placedAt: iso(order.placed_at)!,
        acceptedAt: iso(order.accepted_at),
        shippedAt: iso(order.shipped_at),
        deliveredAt: iso(order.delivered_at),
        completedAt: iso(order.completed_at),
        cancelledAt: iso(order.cancelled_at),
        rejectedAt: iso(order.rejected_at),
        returnRequestedAt: iso(order.return_requested_at),
        returnedAt: iso(order.returned_at),
        returnDeclinedAt: iso(order.return_declined_at),
      },
      lines: lineViews,
      payments: paymentViews,
      timeline,
      ledgerEntries,
      availableActions: viewer === 'platform' ? [] : actionsFrom(order.state, viewer).filter((a) => a !== 'auto_confirm'),
    };
  }
}
