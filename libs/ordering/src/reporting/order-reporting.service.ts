import { toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RELEASED_STATES } from '../domain/order-state-machine';

/** Which orders a report covers: placed in [from, to), by the members of these unions (null: every union). */
export interface OrderReportFilter {
  unionIds: string[] | null;
  /** ISO timestamps; the period is half-open */
  from: string;
  to: string;
}

export interface UnionOrderFigures {
  unionId: string;
  /** orders placed in the period that were not cancelled, rejected or returned (to this day) */
  orders: number;
  /** orders placed in the period that were later cancelled, rejected or returned */
  releasedOrders: number;
  /** members with at least one counted order */
  membersOrdered: number;
  /** points (fen) of the counted orders */
  turnoverFen: number;
}

export interface SupplierOrderFigures {
  unionId: string;
  supplierId: string;
  orders: number;
  turnoverFen: number;
}

/** Counted spending (as above) by union, supplier, category and product, from the line snapshots. */
export interface SpendingRow {
  unionId: string;
  supplierId: string;
  /** the category the line was bought in (snapshot at checkout) */
  categoryId: string;
  productId: string;
  amountFen: number;
}

export interface UnionReviewFigures {
  unionId: string;
  reviews: number;
  /** 4 or 5 stars */
  positive: number;
}

const RELEASED = RELEASED_STATES as string[];

/**
 * Aggregates over orders for the reports context. An order counts towards turnover when it was
 * placed in the period and has not been cancelled, rejected or returned: orders are refunded
 * whole, so "net of refunds" is exactly that. Reads only; runs in the caller's snapshot when given one.
 */
@Injectable()
export class OrderReportingService {
  constructor(private readonly dataSource: DataSource) {}

  async byUnion(f: OrderReportFilter, em: EntityManager = this.dataSource.manager): Promise<UnionOrderFigures[]> {
    const rows: { union_id: string; orders: number; released: number; members: number; turnover: string | null }[] = await em.query(
      `SELECT union_id,
              count(*) FILTER (WHERE state <> ALL($4::text[]))::int AS orders,
              count(*) FILTER (WHERE state = ANY($4::text[]))::int AS released,
              count(DISTINCT member_id) FILTER (WHERE state <> ALL($4::text[]))::int AS members,
              sum(total_fen) FILTER (WHERE state <> ALL($4::text[]))::text AS turnover
         FROM orders
        WHERE placed_at >= $1 AND placed_at < $2 AND ($3::uuid[] IS NULL OR union_id = ANY($3::uuid[]))
        GROUP BY union_id`,
      [f.from, f.to, f.unionIds, RELEASED],
    );
    return rows.map((r) => ({ unionId: r.union_id, orders: r.orders, releasedOrders: r.released, membersOrdered: r.members, turnoverFen: toSafeNumber(r.turnover) }));
  }

  async bySupplier(f: OrderReportFilter, em: EntityManager = this.dataSource.manager): Promise<SupplierOrderFigures[]> {
    const rows: { union_id: string; supplier_id: string; orders: number; turnover: string }[] = await em.query(
      `SELECT union_id, supplier_id, count(*)::int AS orders, sum(total_fen)::text AS turnover
         FROM orders
        WHERE placed_at >= $1 AND placed_at < $2 AND ($3::uuid[] IS NULL OR union_id = ANY($3::uuid[])) AND state <> ALL($4::text[])
        GROUP BY union_id, supplier_id`,
      [f.from, f.to, f.unionIds, RELEASED],
    );
    return rows.map((r) => ({ unionId: r.union_id, supplierId: r.supplier_id, orders: r.orders, turnoverFen: toSafeNumber(r.turnover) }));
  }

  async spending(f: OrderReportFilter, em: EntityManager = this.dataSource.manager): Promise<SpendingRow[]> {
    const rows: { union_id: string; supplier_id: string; category_id: string; product_id: string; amount: string }[] = await em.query(
      `SELECT o.union_id, o.supplier_id, l.category_id, l.product_id, sum(l.amount_fen)::text AS amount
         FROM orders o JOIN order_lines l ON l.order_id = o.id
        WHERE o.placed_at >= $1 AND o.placed_at < $2 AND ($3::uuid[] IS NULL OR o.union_id = ANY($3::uuid[])) AND o.state <> ALL($4::text[])
        GROUP BY o.union_id, o.supplier_id, l.category_id, l.product_id`,
      [f.from, f.to, f.unionIds, RELEASED],
    );
    return rows.map((r) => ({ unionId: r.union_id, supplierId: r.supplier_id, categoryId: r.category_id, productId: r.product_id, amountFen: toSafeNumber(r.amount) }));
  }

  /** Reviews written in the period by the unions' members (whatever became of the order later). */
  async reviewsByUnion(f: OrderReportFilter, em: EntityManager = this.dataSource.manager): Promise<UnionReviewFigures[]> {
    const rows: { union_id: string; reviews: number; positive: number }[] = await em.query(
      `SELECT union_id, count(*)::int AS reviews, count(*) FILTER (WHERE stars >= 4)::int AS positive
         FROM order_reviews
        WHERE created_at >= $1 AND created_at < $2 AND ($3::uuid[] IS NULL OR union_id = ANY($3::uuid[]))
        GROUP BY union_id`,
      [f.from, f.to, f.unionIds],
    );
    return rows.map((r) => ({ unionId: r.union_id, reviews: r.reviews, positive: r.positive }));
  }
}
