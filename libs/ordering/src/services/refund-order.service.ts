import { toSafeNumber } from '@huigong/common';
import { LedgerService } from '@huigong/ledger';
import { PointsQueryService } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderRow } from './order-reader.service';

export type RefundSource = 'escrow' | 'payable';

export interface RefundRoute {
  grantAccountId: string;
  targetAccountId: string;
  route: 'grant' | 'campaign_pool' | 'union_budget';
  amountFen: number;
}

/**
 * Refunds an order's points to the very grants that paid it (order_payments). When a grant's
 * window has closed, its unspent points were already swept back to the campaign pool, so the
 * refund goes there instead — or, once the campaign itself closed, to the union budget — as the
 * points service decides (refundTarget). Before completion the money comes from the order's
 * escrow; after completion (an approved return) from the supplier's payable. One ledger entry.
 */
@Injectable()
export class RefundOrderService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly points: PointsQueryService,
  ) {}

  async refund(em: EntityManager, order: OrderRow, source: RefundSource, actor: string | null, reason: string | null): Promise<RefundRoute[]> {
    const payments: { grant_account_id: string; amount_fen: string }[] = await em.query(
      `SELECT grant_account_id, amount_fen FROM order_payments WHERE order_id = $1 AND refunded_at IS NULL ORDER BY grant_account_id`,
      [order.id],
    );
    if (!payments.length) return [];
    const routes: RefundRoute[] = [];
    for (const p of payments) {
      const target = await this.points.refundTarget(em, String(p.grant_account_id));
      routes.push({ grantAccountId: String(p.grant_account_id), targetAccountId: String(target.accountId), route: target.reason, amountFen: toSafeNumber(p.amount_fen) });
    }
    const from = source === 'escrow' ? String(order.escrow_account_id) : String(order.payable_account_id);
    // two grants of one campaign can both refund into its pool: one transfer per target
    const byTarget = new Map<string, number>();
    for (const r of routes) byTarget.set(r.targetAccountId, (byTarget.get(r.targetAccountId) ?? 0) + r.amountFen);
    const kind = source === 'escrow' ? 'refund' : 'return_refund';
    const entry = await this.ledger.post(em, {
      kind: source === 'escrow' ? 'order_refund' : 'order_return_refund',
      idempotencyKey: `order-${kind.replace('_', '-')}:${order.id}`,
      reference: `order:${order.id}`,
      actor,
      metadata: { orderId: order.id, reason, routes: routes.map((r) => ({ grantAccountId: r.grantAccountId, targetAccountId: r.targetAccountId, route: r.route })) },
      transfers: [...byTarget.entries()].map(([credit, amount]) => ({ debitAccountId: from, creditAccountId: credit, amount })),
    });
    const total = routes.reduce((a, r) => a + r.amountFen, 0);
    await em.query(
      `WITH u AS (
         UPDATE order_payments p SET refund_account_id = x.target, refund_route = x.route, refunded_at = now()
           FROM jsonb_to_recordset($2::jsonb) AS x(grant_id bigint, target bigint, route text)
          WHERE p.order_id = $1 AND p.grant_account_id = x.grant_id
       )
       INSERT INTO order_ledger_entries (order_id, ledger_entry_id, kind, amount_fen) VALUES ($1, $3, $4, $5)`,
      [order.id, JSON.stringify(routes.map((r) => ({ grant_id: r.grantAccountId, target: r.targetAccountId, route: r.route }))), entry.id, kind, total],
    );
    return routes;
  }
}
