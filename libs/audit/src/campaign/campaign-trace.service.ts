import { AppError, AuthUser } from '@huigong/common';
import { CatalogNamesQueryService } from '@huigong/catalog';
import { AccessScopeService } from '@huigong/identity';
import { AuditTransfer, LedgerAuditQueryService, LedgerQueryService } from '@huigong/ledger';
import { OrderAuditQueryService, OrderAuditView, OrderPaymentAuditView } from '@huigong/ordering';
import { CampaignAuditQueryService, CampaignAuditView, CampaignMemberAuditView } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CampaignTraceDto, CategoryShareDto, CampaignMemberTraceDto, SupplierShareDto, UnexplainedTransferDto } from './campaign-trace.dto';

/** Ledger entry kinds the points context posts on a campaign's accounts (see points' ledger keys). */
const KIND = { cancel: 'campaign.cancel', settle: 'campaign.settle', expire: 'campaign.expire', leave: 'member.leave' } as const;

/** Everything the trace was computed from, read in one snapshot (the audit pack writes it out). */
export interface CampaignAuditData {
  campaign: CampaignAuditView;
  members: CampaignMemberAuditView[];
  payments: OrderPaymentAuditView[];
  orders: OrderAuditView[];
  transfers: AuditTransfer[];
  supplierNames: Map<string, string>;
  categories: Map<string, { code: string; name: string }>;
  trace: CampaignTraceDto;
}

interface MemberAcc {
  credited: number;
  spent: number;
  refundedToGrant: number;
  expired: number;
  left: number;
}

const add = <K>(m: Map<K, number>, k: K, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/**
 * Traces a campaign forwards, from the ledger: every transfer on its pool and its members' grants
 * is classified (reserve, credit, expiry, leaving, refund, cancellation, settlement, spending);
 * spending is joined to the orders through the order payments (which grant paid how much of which
 * order, and where its refund went), and orders to suppliers and categories. Then the parts must
 * add up, independently computed: what orders kept (business rows) + what grants still hold and
 * what the pool still holds (ledger balances) + what went back to the union budget = the reserved
 * total. Any transfer that fits no known flow is listed and fails the check.
 */
@Injectable()
export class CampaignTraceService {
  constructor(
    private readonly campaigns: CampaignAuditQueryService,
    private readonly orders: OrderAuditQueryService,
    private readonly catalog: CatalogNamesQueryService,
    private readonly ledgerAudit: LedgerAuditQueryService,
    private readonly ledger: LedgerQueryService,
    private readonly scope: AccessScopeService,
  ) {}

  /** 404 for an unknown campaign; 403 OUT_OF_SCOPE (recorded) for a union admin outside their unions. */
  async reach(user: AuthUser, campaignId: string, em: EntityManager): Promise<CampaignAuditView> {
    const campaign = await this.campaigns.campaign(campaignId, em);
    if (!campaign) throw AppError.notFound('Campaign', campaignId);
    await this.scope.assertOrganization(user, campaign.unionId, 'Campaign', em);
    return campaign;
  }

  async collect(em: EntityManager, campaign: CampaignAuditView): Promise<CampaignAuditData> {
    const [asOfRow] = await em.query(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`);
    const members = await this.campaigns.members(campaign.id, em);
    const payments = await this.orders.paymentsOfCampaign(campaign.id, em);
    const orders = await this.orders.orders([...new Set(payments.map((p) => p.orderId))], em);
    const grants = members.filter((m) => m.grantAccountId).map((m) => m.grantAccountId!);
    const pool = campaign.poolAccountId;
    const accounts = pool ? [pool, ...grants] : grants;
    const transfers = await this.ledgerAudit.transfersTouching(accounts, em);
    const balances = await this.ledger.balances(accounts, em);
    const supplierNames = await this.catalog.supplierNames(orders.map((o) => o.supplierId), em);
    const categories = await this.catalog.categories(orders.flatMap((o) => o.lines.map((l) => l.categoryId)), em);
    const trace = this.compute(campaign, members, payments, orders, transfers, balances, supplierNames, categories, asOfRow.at);
    return { campaign, members, payments, orders, transfers, supplierNames, categories, trace };
  }

  private compute(
    campaign: CampaignAuditView,
    members: CampaignMemberAuditView[],
    payments: OrderPaymentAuditView[],
    orders: OrderAuditView[],
    transfers: AuditTransfer[],
    balances: Map<string, number>,
    supplierNames: Map<string, string>,
    categories: Map<string, { code: string; name: string }>,
    asOf: string,
  ): CampaignTraceDto {
    const pool = campaign.poolAccountId;
    const budget = campaign.budgetAccountId;
    const grantMember = new Map(members.filter((m) => m.grantAccountId).map((m) => [m.grantAccountId!, m.memberId]));
    const acc = new Map<string, MemberAcc>(members.map((m) => [m.memberId, { credited: 0, spent: 0, refundedToGrant: 0, expired: 0, left: 0 }]));
    const flow = { reserved: 0, credited: 0, expiredIn: 0, leftIn: 0, refundedIn: 0, cancelled: 0, settled: 0, leftToBudget: 0 };
    const unexplained: UnexplainedTransferDto[] = [];

    for (const t of transfers) {
      const dGrant = grantMember.get(t.debitAccountId);
      const cGrant = grantMember.get(t.creditAccountId);
      const dPool = t.debitAccountId === pool;
      const cPool = t.creditAccountId === pool;
      if (cPool && t.debitAccountId === budget) flow.reserved += t.amount;
      else if (dPool && t.creditAccountId === budget && t.kind === KIND.cancel) flow.cancelled += t.amount;
      else if (dPool && t.creditAccountId === budget && t.kind === KIND.settle) flow.settled += t.amount;
      else if (dPool && cGrant) {
        flow.credited += t.amount;
        acc.get(cGrant)!.credited += t.amount;
      } else if (dGrant && cPool && t.kind === KIND.expire) {
        flow.expiredIn += t.amount;
        acc.get(dGrant)!.expired += t.amount;
      } else if (dGrant && t.kind === KIND.leave && (cPool || t.creditAccountId === budget)) {
        if (cPool) flow.leftIn += t.amount;
        else flow.leftToBudget += t.amount;
        acc.get(dGrant)!.left += t.amount;
      } else if (dGrant && !cGrant && !cPool && t.creditAccountId !== budget) {
        acc.get(dGrant)!.spent += t.amount; // into an order's escrow: checked against the payments below
      } else if (cGrant && !dGrant && !dPool && t.debitAccountId !== budget) {
        acc.get(cGrant)!.refundedToGrant += t.amount;
      } else if (cPool && !dGrant && t.debitAccountId !== budget) {
        flow.refundedIn += t.amount; // an order refund after the window closed
      } else {
        unexplained.push({ transferId: t.transferId, entryId: t.entryId, kind: t.kind, debitAccountId: t.debitAccountId, creditAccountId: t.creditAccountId, amount: t.amount });
      }
    }

    // the business side: what each grant paid into which order, and where refunds went
    const ordersById = new Map(orders.map((o) => [o.id, o]));
    const byGrantPaid = new Map<string, number>();
    const byGrantRefund = { grant: new Map<string, number>(), campaign_pool: new Map<string, number>(), union_budget: new Map<string, number>() };
    const memberOrders = new Map<string, CampaignMemberTraceDto['orders']>();
    const memberSupplier = new Map<string, Map<string, { amount: number; orders: Set<string> }>>();
    const memberCategory = new Map<string, Map<string, number>>();
    for (const p of payments) {
      const order = ordersById.get(p.orderId)!;
      const memberId = grantMember.get(p.grantAccountId) ?? order.memberId;
      add(byGrantPaid, p.grantAccountId, p.amountFen);
      if (p.refundRoute) add(byGrantRefund[p.refundRoute], p.grantAccountId, p.amountFen);
      const list = memberOrders.get(memberId) ?? [];
      list.push({ orderId: p.orderId, supplierId: order.supplierId, state: order.state, paidFen: p.amountFen, refundedFen: p.refundRoute ? p.amountFen : 0, refundRoute: p.refundRoute });
      memberOrders.set(memberId, list);
      if (p.refundRoute) continue;
      const sup = memberSupplier.get(memberId) ?? new Map();
      const s = sup.get(order.supplierId) ?? { amount: 0, orders: new Set<string>() };
      s.amount += p.amountFen;
      s.orders.add(order.id);
      sup.set(order.supplierId, s);
      memberSupplier.set(memberId, sup);
      const cats = memberCategory.get(memberId) ?? new Map<string, number>();
      for (const [categoryId, amount] of apportion(p.amountFen, order)) add(cats, categoryId, amount);
      memberCategory.set(memberId, cats);
    }

    const problems: string[] = [];
    const memberTraces: CampaignMemberTraceDto[] = members.map((m) => {
      const a = acc.get(m.memberId)!;
      const g = m.grantAccountId;
      const paid = g ? (byGrantPaid.get(g) ?? 0) : 0;
      const toGrant = g ? (byGrantRefund.grant.get(g) ?? 0) : 0;
      const toPool = g ? (byGrantRefund.campaign_pool.get(g) ?? 0) : 0;
      const toBudget = g ? (byGrantRefund.union_budget.get(g) ?? 0) : 0;
      const held = g ? (balances.get(g) ?? 0) : 0;
      const netSpent = paid - toGrant - toPool - toBudget;
      const partsAddUp = a.credited === netSpent + toPool + toBudget + a.expired + a.left + held;
      const ledgerAgrees = a.spent === paid && a.refundedToGrant === toGrant;
      if (!partsAddUp) problems.push(`member ${m.employeeNo}: credited ${a.credited} fen, parts add up to ${netSpent + toPool + toBudget + a.expired + a.left + held}`);
      if (!ledgerAgrees) problems.push(`member ${m.employeeNo}: ledger shows ${a.spent} spent / ${a.refundedToGrant} refunded to the grant, order payments ${paid} / ${toGrant}`);
      return {
        memberId: m.memberId,
        employeeNo: m.employeeNo,
        name: m.name,
        state: m.state,
        grantAccountId: g,
        creditedFen: a.credited,
        spentFen: a.spent,
        refundedToGrantFen: toGrant,
        refundedToPoolFen: toPool,
        refundedToBudgetFen: toBudget,
        expiredFen: a.expired,
        leftFen: a.left,
        heldFen: held,
        netSpentFen: netSpent,
        bySupplier: supplierShares(memberSupplier.get(m.memberId), supplierNames),
        byCategory: categoryShares(memberCategory.get(m.memberId), categories),
        orders: memberOrders.get(m.memberId) ?? [],
        balanced: partsAddUp && ledgerAgrees,
      };
    });

    const sum = (f: (m: CampaignMemberTraceDto) => number) => memberTraces.reduce((s, m) => s + f(m), 0);
    const poolBalance = pool ? (balances.get(pool) ?? 0) : 0;
    const refundedToPool = sum((m) => m.refundedToPoolFen);
    if (refundedToPool !== flow.refundedIn) problems.push(`order payments route ${refundedToPool} fen of refunds to the pool, the ledger shows ${flow.refundedIn}`);
    const poolBalanced = flow.reserved + flow.expiredIn + flow.leftIn + flow.refundedIn === flow.credited + flow.cancelled + flow.settled + poolBalance;
    if (!poolBalanced) problems.push('pool: reserved + returned into the pool does not equal credited + returned to the budget + balance');
    const destinations = {
      spentOnOrdersFen: sum((m) => m.netSpentFen),
      heldInGrantsFen: sum((m) => m.heldFen),
      inPoolFen: poolBalance,
      returnedToBudgetFen: flow.cancelled + flow.settled + flow.leftToBudget + sum((m) => m.refundedToBudgetFen),
    };
    const destinationsFen = destinations.spentOnOrdersFen + destinations.heldInGrantsFen + destinations.inPoolFen + destinations.returnedToBudgetFen;
    if (destinationsFen !== flow.reserved) problems.push(`reserved ${flow.reserved} fen, destinations add up to ${destinationsFen}`);
    if (unexplained.length) problems.push(`${unexplained.length} transfer(s) on the campaign's accounts fit no known flow`);
    const unbalancedMembers = memberTraces.filter((m) => !m.balanced).length;

    // campaign-wide shares: the members' shares summed
    const supplierTotals = new Map<string, { amount: number; orders: Set<string> }>();
    const categoryTotals = new Map<string, number>();
    for (const m of members) {
      for (const [sid, s] of memberSupplier.get(m.memberId) ?? []) {
        const t = supplierTotals.get(sid) ?? { amount: 0, orders: new Set<string>() };
        t.amount += s.amount;
        s.orders.forEach((o) => t.orders.add(o));
        supplierTotals.set(sid, t);
      }
      for (const [cid, v] of memberCategory.get(m.memberId) ?? []) add(categoryTotals, cid, v);
    }

    return {
      campaign: {
        id: campaign.id,
        name: campaign.name,
        status: campaign.status,
        unionId: campaign.unionId,
        unionName: campaign.unionName,
        opensAt: campaign.opensAt,
        closesAt: campaign.closesAt,
        poolAccountId: pool,
        budgetAccountId: budget,
      },
      reservedFen: flow.reserved,
      pool: {
        reservedFen: flow.reserved,
        creditedToMembersFen: flow.credited,
        expiredIntoPoolFen: flow.expiredIn,
        leftIntoPoolFen: flow.leftIn,
        refundedIntoPoolFen: flow.refundedIn,
        cancelledToBudgetFen: flow.cancelled,
        settledToBudgetFen: flow.settled,
        balanceFen: poolBalance,
      },
      destinations,
      spentFen: sum((m) => m.spentFen),
      refundedFen: sum((m) => m.refundedToGrantFen + m.refundedToPoolFen + m.refundedToBudgetFen),
      bySupplier: supplierShares(supplierTotals, supplierNames),
      byCategory: categoryShares(categoryTotals, categories),
      members: memberTraces,
      unexplained,
      check: {
        ok: problems.length === 0,
        reservedFen: flow.reserved,
        destinationsFen,
        differenceFen: flow.reserved - destinationsFen,
        poolBalanced,
        unbalancedMembers,
        unexplainedTransfers: unexplained.length,
        problems,
      },
      asOf,
    };
  }
}

/**
 * This payment's share of each category of the order. Exact when the payment covers the whole
 * order (one campaign paid it, the usual case); otherwise split over the lines by amount, the
 * remainders going to the largest fractions, so the shares still sum to the payment exactly.
 */
export function apportion(amount: number, order: OrderAuditView): Map<string, number> {
  const out = new Map<string, number>();
  const total = order.lines.reduce((s, l) => s + l.amountFen, 0);
  if (amount === total) {
    for (const l of order.lines) add(out, l.categoryId, l.amountFen);
    return out;
  }
  const shares = order.lines.map((l) => {
    const exact = (BigInt(amount) * BigInt(l.amountFen)) / BigInt(total);
    const rest = (BigInt(amount) * BigInt(l.amountFen)) % BigInt(total);
    return { categoryId: l.categoryId, fen: Number(exact), rest };
  });
  let left = amount - shares.reduce((s, x) => s + x.fen, 0);
  for (const s of [...shares].sort((a, b) => (b.rest > a.rest ? 1 : b.rest < a.rest ? -1 : 0))) {
    if (left <= 0) break;
    s.fen += 1;
    left -= 1;
  }
  for (const s of shares) if (s.fen) add(out, s.categoryId, s.fen);
  return out;
}

function supplierShares(m: Map<string, { amount: number; orders: Set<string> }> | undefined, names: Map<string, string>): SupplierShareDto[] {
  return [...(m ?? new Map<string, { amount: number; orders: Set<string> }>()).entries()]
    .map(([supplierId, s]) => ({ supplierId, supplierName: names.get(supplierId) ?? null, amountFen: s.amount, orderIds: [...s.orders].sort() }))
    .sort((a, b) => b.amountFen - a.amountFen || a.supplierId.localeCompare(b.supplierId));
}

function categoryShares(m: Map<string, number> | undefined, cats: Map<string, { code: string; name: string }>): CategoryShareDto[] {
  return [...(m ?? new Map<string, number>()).entries()]
    .map(([categoryId, amountFen]) => ({ categoryId, code: cats.get(categoryId)?.code ?? null, name: cats.get(categoryId)?.name ?? null, amountFen }))
    .sort((a, b) => b.amountFen - a.amountFen || a.categoryId.localeCompare(b.categoryId));
}
