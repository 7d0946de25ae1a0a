import { toSafeNumber } from '@huigong/common';
import { AccountType, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderRow } from './order-reader.service';

/**
 * Completion: the order's escrow moves to its supplier's payable (one account per supplier,
 * credited only, so concurrent completions do not queue on it). Settlement pays payables out later.
 */
@Injectable()
export class CompleteOrderService {
  constructor(private readonly ledger: LedgerService) {}

  /** Returns the payable account id, which the transition stores on the order. */
  async settle(em: EntityManager, order: OrderRow, actor: string | null): Promise<string> {
    const payable = await this.ledger.openAccount(em, {
      type: AccountType.SupplierPayable,
      ownerType: 'supplier',
      ownerId: order.supplier_id,
      organizationId: order.supplier_organization_id,
    });
    const amount = toSafeNumber(order.total_fen);
    const entry = await this.ledger.post(em, {
      kind: 'order_completion',
      idempotencyKey: `order-completion:${order.id}`,
      reference: `order:${order.id}`,
      actor,
      metadata: { orderId: order.id, supplierId: order.supplier_id },
      transfers: [{ debitAccountId: String(order.escrow_account_id), creditAccountId: String(payable.id), amount }],
    });
    await em.query(`INSERT INTO order_ledger_entries (order_id, ledger_entry_id, kind, amount_fen) VALUES ($1, $2, 'completion', $3)`, [order.id, entry.id, amount]);
    return String(payable.id);
  }
}
