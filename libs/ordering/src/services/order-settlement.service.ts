import { toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderState } from '../domain/order-state-machine';

/** Completed orders that can go on a supplier's statement. */
export const SETTLEABLE_STATES: OrderState[] = [OrderState.Completed, OrderState.ReturnDeclined];

export interface SettleableSupplier {
  supplierId: string;
  supplierOrganizationId: string;
  payableAccountId: string;
}

export interface SettledOrder {
  orderId: string;
  unionId: string;
  completedAt: string;
  totalFen: number;
  /** the order_completion entry that credited the supplier's payable */
  completionEntryId: string;
  payableAccountId: string;
}

/**
 * The ordering side of settlement. An order is claimed for a statement by one conditional UPDATE
 * (`settlement_statement_id IS NULL`): the row lock makes overlapping runs queue on the order, and
 * the second re-reads the row and finds it taken, so no order is ever settled twice. A settled
 * order can no longer be returned (the `not_settled` guard of request_return): its money has left
 * the payable for the supplier's bank account.
 */
@Injectable()
export class OrderSettlementService {
  /** Suppliers with orders completed at or before `cutoff` and not yet on a statement, by supplier id. */
  async settleableSuppliers(em: EntityManager, cutoff: Date, supplierId?: string): Promise<SettleableSupplier[]> {
    const rows: { supplier_id: string; supplier_organization_id: string; payable_account_id: string }[] = await em.query(
      `SELECT supplier_id, min(supplier_organization_id::text) AS supplier_organization_id, min(payable_account_id)::text AS payable_account_id
         FROM orders
        WHERE settlement_statement_id IS NULL AND state = ANY ($1::text[]) AND completed_at <= $2
          AND ($3::uuid IS NULL OR supplier_id = $3)
        GROUP BY supplier_id ORDER BY supplier_id`,
      [SETTLEABLE_STATES, cutoff, supplierId ?? null],
    );
    return rows.map((r) => ({ supplierId: r.supplier_id, supplierOrganizationId: r.supplier_organization_id, payableAccountId: String(r.payable_account_id) }));
  }

  /**
   * Marks the supplier's settleable orders as on `statementId` and returns them, oldest completion
   * first. Orders another run claimed first, or that a return request moved on, are skipped.
   */
  async claim(em: EntityManager, supplierId: string, cutoff: Date, statementId: string): Promise<SettledOrder[]> {
    const rows: { id: string; union_id: string; completed_at: Date; total_fen: string; entry_id: string; payable_account_id: string }[] = await em.query(
      `WITH claimed AS (
         UPDATE orders SET settlement_statement_id = $3
          WHERE supplier_id = $1 AND settlement_statement_id IS NULL AND state = ANY ($4::text[]) AND completed_at <= $2
          RETURNING id, union_id, completed_at, total_fen, payable_account_id
       )
       SELECT c.id, c.union_id, c.completed_at, c.total_fen, c.payable_account_id::text AS payable_account_id, e.ledger_entry_id::text AS entry_id
         FROM claimed c
         LEFT JOIN order_ledger_entries e ON e.order_id = c.id AND e.kind = 'completion'
        ORDER BY c.completed_at, c.id`,
      [supplierId, cutoff, statementId, SETTLEABLE_STATES],
    );
    const missing = rows.find((r) => !r.entry_id);
    // cannot happen (completion posts the entry with the state change); refuse rather than settle blind
    if (missing) throw new Error(`order ${missing.id} is completed but has no completion entry`);
    return rows.map((r) => ({
      orderId: r.id,
      unionId: r.union_id,
      completedAt: new Date(r.completed_at).toISOString(),
      totalFen: toSafeNumber(r.total_fen),
      completionEntryId: r.entry_id,
      payableAccountId: r.payable_account_id,
    }));
  }
}
