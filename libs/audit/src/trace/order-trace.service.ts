import { AuthUser, TransactionRunner } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { OrderDetailView, PlatformOrdersService } from '@huigong/ordering';
import { PointsTraceQueryService } from '@huigong/points';
import { SettlementQueryService } from '@huigong/settlement';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { loadTraceEntries, sortedEntries } from './trace-entries';
import { OrderTraceView, TraceOrderEntry } from './trace-views';

/**
 * An order traced end to end, every step with its ledger entries (hash and seal):
 * backward — checkout (grants → escrow) → the grants that paid (campaign pool → grant) → their
 * campaigns (union budget → pool) → the union's deposits (funding → budget); forward — completion
 * (escrow → supplier payable) → the settlement statement → the payout (payable → paid out), and
 * any refund on the way. Reads only the other contexts' exported query services, all in one
 * REPEATABLE READ snapshot (a refund committing meanwhile is either wholly in the trace or not at all).
 */
@Injectable()
export class OrderTraceService {
  constructor(
    private readonly orders: PlatformOrdersService,
    private readonly points: PointsTraceQueryService,
    private readonly settlement: SettlementQueryService,
    private readonly ledger: LedgerQueryService,
    private readonly tx: TransactionRunner,
  ) {}

  trace(user: AuthUser, orderId: string): Promise<OrderTraceView> {
    return this.tx.run((em) => this.collect(user, orderId, em), { isolation: 'REPEATABLE READ' });
  }

  private async collect(user: AuthUser, orderId: string, em: EntityManager): Promise<OrderTraceView> {
    const order = await this.orders.detail(user, orderId, em);
    const grants = await this.points.grants(
      order.payments.map((p) => p.grantAccountId),
      em,
    );
    const grantCredits = new Map<string, string[]>();
    for (const g of grants) grantCredits.set(g.grantAccountId, (await this.points.grantEntries(g.grantAccountId, em)).credit);
    const campaignIds = [...new Set(grants.map((g) => g.campaignId))];
    const funding = new Map<string, string[]>();
    for (const c of campaignIds) funding.set(c, await this.points.campaignFundingEntryIds(c, em));
    const deposits = await this.points.unionDeposits(order.unionId, em);
    const settled = await this.settlement.forOrder(order.id, em);

    const entries = await loadTraceEntries(this.ledger, [
      ...order.ledgerEntries.map((e) => e.ledgerEntryId),
      ...[...grantCredits.values()].flat(),
      ...[...funding.values()].flat(),
      ...deposits.map((d) => d.ledgerEntryId),
      ...(settled?.payout ? [settled.payout.ledgerEntryId] : []),
    ], em);
    const orderEntry = (e: OrderDetailView['ledgerEntries'][number]): TraceOrderEntry => ({ kind: e.kind, amountFen: e.amountFen, at: e.at, entry: entries.get(e.ledgerEntryId) ?? null });
    const byGrant = new Map(grants.map((g) => [g.grantAccountId, g]));
    const union = grants[0] ?? null;
    const checkout = order.ledgerEntries.find((e) => e.kind === 'payment');
    const completion = order.ledgerEntries.find((e) => e.kind === 'completion');

    return {
      order: {
        id: order.id,
        checkoutId: order.checkoutId,
        state: order.state,
        unionId: order.unionId,
        memberId: order.memberId,
        userId: order.userId,
        supplierId: order.supplierId,
        supplierOrganizationId: order.supplierOrganizationId,
        totalFen: order.totalFen,
        escrowAccountId: order.escrowAccountId,
        payableAccountId: order.payableAccountId,
        times: order.times,
      },
      backward: {
        checkout: checkout ? orderEntry(checkout) : null,
        payments: order.payments.map((p) => {
          const g = byGrant.get(p.grantAccountId);
          return {
            grantAccountId: p.grantAccountId,
            campaignId: p.campaignId,
            amountFen: p.amountFen,
            refund: p.refund,
            grant: g
              ? {
                  grantAccountId: g.grantAccountId,
                  memberId: g.memberId,
                  campaignId: g.campaignId,
                  amountFen: g.amountFen,
                  creditedAt: g.creditedAt,
                  creditEntries: (grantCredits.get(g.grantAccountId) ?? []).map((id) => entries.get(id)!).filter(Boolean),
                }
              : null,
          };
        }),
        campaigns: campaignIds.map((id) => {
          const g = grants.find((x) => x.campaignId === id)!;
          return {
            campaignId: id,
            name: g.campaignName,
            status: g.campaignStatus,
            unionId: g.unionId,
            poolAccountId: g.poolAccountId,
            opensAt: g.opensAt,
            closesAt: g.closesAt,
            fundingEntries: (funding.get(id) ?? []).map((e) => entries.get(e)!).filter(Boolean),
          };
        }),
        union: {
          unionId: order.unionId,
          name: union?.unionName ?? '',
          budgetAccountId: union?.budgetAccountId ?? '',
          deposits: deposits.map((d) => ({ id: d.id, amountFen: d.amountFen, bankReference: d.bankReference, receivedOn: d.receivedOn, entry: entries.get(d.ledgerEntryId) ?? null })),
        },
      },
      forward: {
        completion: completion ? orderEntry(completion) : null,
        refunds: order.ledgerEntries.filter((e) => e.kind === 'refund' || e.kind === 'return_refund').map(orderEntry),
        settlement: settled
          ? { statement: settled.statement, line: settled.line, payout: settled.payout ? { ...settled.payout, entry: entries.get(settled.payout.ledgerEntryId) ?? null } : null }
          : null,
      },
      ...sortedEntries(entries),
    };
  }
}
