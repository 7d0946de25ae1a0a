import { AppError, AuthUser } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { OrderDetailView, PlatformOrdersService } from '@huigong/ordering';
import { PointsTraceQueryService } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { loadTraceEntries, sortedEntries } from './trace-entries';
import { MemberTraceExpiry, MemberTraceView, TraceOrderEntry } from './trace-views';

const PAGE = 200;
/** A member trace lists at most this many orders (newest first); beyond it, use the order list and order traces. */
export const MEMBER_TRACE_MAX_ORDERS = 1000;

/**
 * A member traced: every grant (campaign, amount, when it expires, its credit entry), every order
 * with the grants that paid it, every refund (and where it went), every expiry — each with its
 * ledger entries (hash and seal).
 */
@Injectable()
export class MemberTraceService {
  constructor(
    private readonly orders: PlatformOrdersService,
    private readonly points: PointsTraceQueryService,
    private readonly ledger: LedgerQueryService,
  ) {}

  async trace(user: AuthUser, memberId: string): Promise<MemberTraceView> {
    const member = await this.points.member(memberId);
    if (!member) throw AppError.notFound('Member', memberId);
    const grants = await this.points.memberGrants(memberId);
    const grantEntries = new Map<string, Awaited<ReturnType<PointsTraceQueryService['grantEntries']>>>();
    for (const g of grants) grantEntries.set(g.grantAccountId, await this.points.grantEntries(g.grantAccountId));
    const balances = await this.ledger.balances(grants.map((g) => g.grantAccountId));

    const details: OrderDetailView[] = [];
    if (member.userId) {
      for (let offset = 0; offset < MEMBER_TRACE_MAX_ORDERS; offset += PAGE) {
        const page = await this.orders.list({ userId: member.userId, limit: PAGE, offset });
        for (const o of page.items) if (o.memberId === memberId) details.push(await this.orders.detail(user, o.id));
        if (offset + PAGE >= page.total) break;
      }
    }

    const entries = await loadTraceEntries(this.ledger, [
      ...[...grantEntries.values()].flatMap((g) => [...g.credit, ...g.expiry.map((x) => x.entryId), ...g.leave.map((x) => x.entryId)]),
      ...details.flatMap((o) => o.ledgerEntries.map((e) => e.ledgerEntryId)),
    ]);
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
