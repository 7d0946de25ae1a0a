import { AppError, AuthUser } from '@huigong/common';
import { EntryProof, LedgerQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { OrderDetailView } from '../domain/order-views';
import { OrderAccessService } from './order-access.service';
import { OrderReader } from './order-reader.service';

export interface ReceiptEntry {
  kind: 'payment' | 'completion' | 'refund' | 'return_refund';
  ledgerEntryId: string;
  amountFen: number;
  /** SHA-256 of the entry's canonical encoding (libs/ledger/SEALING.md) */
  hash: string | null;
  createdAt: string;
  sealed: boolean;
  block: { height: number; hash: string } | null;
  /** the inclusion proof, once the entry is sealed: check it offline with tools/verify-proof.ts */
  proof: EntryProof | null;
}

export interface OrderReceipt {
  order: Pick<OrderDetailView, 'id' | 'checkoutId' | 'state' | 'totalFen' | 'placedAt' | 'supplierId' | 'lines' | 'payments'>;
  /** the payment entry (grants → escrow) */
  payment: ReceiptEntry;
  /** every entry that moved this order's value, oldest first */
  entries: ReceiptEntry[];
}

/** The member's receipt: what was paid, from which grants, and the ledger's evidence of it. */
@Injectable()
export class ReceiptService {
  constructor(
    private readonly reader: OrderReader,
    private readonly access: OrderAccessService,
    private readonly ledger: LedgerQueryService,
  ) {}

  async receipt(user: AuthUser, id: string): Promise<OrderReceipt> {
    const order = await this.access.assert(user, await this.reader.find(id), 'member', id);
    const d = await this.reader.detail(order, 'member');
    const entries: ReceiptEntry[] = [];
    for (const e of d.ledgerEntries) {
      const entry = await this.ledger.entry(e.ledgerEntryId);
      let proof: EntryProof | null = null;
      if (entry.seal) {
        try {
          proof = await this.ledger.proof(e.ledgerEntryId);
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'NOT_YET_SEALED')) throw err;
        }
      }
      entries.push({
        kind: e.kind,
        ledgerEntryId: e.ledgerEntryId,
        amountFen: e.amountFen,
        hash: entry.hash ?? proof?.entryHash ?? null,
        createdAt: entry.createdAt,
        sealed: !!proof,
        block: entry.seal ? { height: entry.seal.blockHeight, hash: entry.seal.blockHash } : null,
        proof,
      });
    }
    const payment = entries.find((e) => e.kind === 'payment');
    if (!payment) throw new AppError('RECEIPT_UNAVAILABLE', 'The order has no payment entry', 500);
    return {
      order: { id: d.id, checkoutId: d.checkoutId, state: d.state, totalFen: d.totalFen, placedAt: d.placedAt, supplierId: d.supplierId, lines: d.lines, payments: d.payments },
      payment,
      entries,
    };
  }
}
