import { AppError, AuthUser, TransactionRunner } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { OrderDetailView, PlatformOrdersService } from '@huigong/ordering';
import { PointsTraceQueryService } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { loadTraceEntries, sortedEntries } from './trace-entries';
import { MemberTraceExpiry, MemberTraceView, TraceOrderEntry } from './trace-views';

const PAGE = 200;
/**
 * A member trace lists at most this many orders (newest first); beyond it the answer says
 * `truncated: true` with the member's `orderCount`, and the rest is read with the order list and order traces.
 */
export const MEMBER_TRACE_MAX_ORDERS = 1000;

/**
 * A member traced: every grant (campaign, amount, when it expires, its credit entry), every order
 * with the grants that paid it, every refund (and where it went), every expiry — each with its
 * ledger entries (hash and seal). Everything is read in one REPEATABLE READ snapshot, so the
 * balances, orders and refunds it shows always add up even while the member is ordering.
 */
@Injectable()
export class MemberTraceService {
  constructor(
    private readonly orders: PlatformOrdersService,
    private readonly points: PointsTraceQueryService,
    private readonly ledger: LedgerQueryService,
    private readonly tx: TransactionRunner,
  ) {}

  trace(user: AuthUser, memberId: string): Promise<MemberTraceView> {
    return this.tx.run((em) => this.collect(user, memberId, em), { isolation: 'REPEATABLE READ' });
  }

  private async collect(user: AuthUser, memberId: string, em: EntityManager): Promise<MemberTraceView> {
    const member = await this.points.member(memberId, em);
    if (!member) throw AppError.notFound('Member', memberId);
    const grants = await this.points.memberGrants(memberId, em);
    const grantEntries = new Map<string, Awaited<ReturnType<PointsTraceQueryService['grantEntries']>>>();
    for (const g of grants) grantEntries.set(g.grantAccountId, await this.points.grantEntries(g.grantAccountId, em));
    const balances = await this.ledger.balances(
      grants.map((g) => g.grantAccountId),
      em,
    );

    const details: OrderDetailView[] = [];
    let orderCount = 0;
    for (let offset = 0; offset < MEMBER_TRACE_MAX_ORDERS; offset += PAGE) {
      const page = await this.orders.list({ memberId, limit: Math.min(PAGE, MEMBER_TRACE_MAX_ORDERS - offset), offset }, em);
      orderCount = page.total;
      details.push(
        ...(await this.orders.details(
          user,
          page.items.map((o) => o.id),
          em,
        )),
      );
      if (offset + PAGE >= page.total) break;
    }

    const entries = await loadTraceEntries(this.ledger, [
      ...[...grantEntries.values()].flatMap((g) => [...g.credit, ...g.expiry.map((x) => x.entryId), ...g.leave.map((x) => x.entryId)]),
      ...details.flatMap((o) => o.ledgerEntries.map((e) => e.ledgerEntryId)),
    ], em);
    const orderEntry = (e: OrderDetailView['ledgerEntries'][number]): TraceOrderEntry => ({ kind: e.kind, amountFen: e.amountFen, at: e.at, entry: entries.get(e.ledgerEntryId) ?? null });
    const campaignOf = new Map(grants.map((g) => [g.grantAccountId, g.campaignId]));

    const expiries: MemberTraceExpiry[] = grants.flatMap((g) => {
      const ge = grantEntries.get(g.grantAccountId)!;
      return [
        ...ge.expiry.map((x) => ({ grantAccountId: g.grantAccountId, campaignId: g.campaignId, kind: 'expiry' as const, amountFen: x.amountFen, entry: entries.get(x.entryId) ?? null })),
        ...ge.leave.map((x) => ({ grantAccountId: g.grantAccountId, campaignId: g.campaignId, kind: 'leave' as const, amountFen: x.amountFen, entry: entries.get(x.entryId) ?? null })),
      ];
    });
    const refunds = details.flatMap((o) =>
      o.ledgerEntries
        .filter((e) => e.kind === 'refund' || e.kind === 'return_refund')
        .map((e) => ({
          ...orderEntry(e),
          orderId: o.id,
          routes: o.payments.filter((p) => p.refund).map((p) => ({ grantAccountId: p.grantAccountId, accountId: p.refund!.accountId, route: p.refund!.route, amountFen: p.amountFen })),
        })),
    );
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      member,
      grants: grants.map((g) => ({
        grantAccountId: g.grantAccountId,
        campaignId: g.campaignId,
        campaignName: g.campaignName,
        campaignStatus: g.campaignStatus,
        unionId: g.unionId,
        amountFen: g.amountFen,
        creditedAt: g.creditedAt,
        opensAt: g.opensAt,
        closesAt: g.closesAt,
        balanceFen: balances.get(g.grantAccountId) ?? 0,
        creditEntries: grantEntries.get(g.grantAccountId)!.credit.map((id) => entries.get(id)!).filter(Boolean),
      })),
      orders: details.map((o) => ({
        id: o.id,
        state: o.state,
        supplierId: o.supplierId,
        totalFen: o.totalFen,
        placedAt: o.placedAt,
        payments: o.payments.map((p) => ({ grantAccountId: p.grantAccountId, campaignId: p.campaignId ?? campaignOf.get(p.grantAccountId) ?? '', amountFen: p.amountFen })),
        entries: o.ledgerEntries.map(orderEntry),
      })),
      orderCount,
      truncated: orderCount > details.length,
      refunds,
      expiries,
      totals: {
        grantedFen: sum(grants.map((g) => g.amountFen)),
        spentFen: sum(details.flatMap((o) => o.payments.map((p) => p.amountFen))),
        refundedFen: sum(refunds.map((r) => r.amountFen)),
        expiredFen: sum(expiries.map((x) => x.amountFen)),
        balanceFen: sum(grants.map((g) => balances.get(g.grantAccountId) ?? 0)),
      },
      ...sortedEntries(entries),
    };
  }
}
