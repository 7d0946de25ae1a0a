import { AppError, AuthUser, IdempotencyService, IdempotentRequest, preparedQuery } from '@huigong/common';
import { CatalogQueryService, PurchasableSku, StockService } from '@huigong/catalog';
import { AccountType, InsufficientFundsError, LedgerService, PostedEntry } from '@huigong/ledger';
import { CheckoutMember, PointsQueryService, SpendableGrant } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { allocatePoints } from '../domain/allocate-points';
import type { CheckoutGrantPayment, CheckoutInput, CheckoutResult, PlacedOrder } from '../domain/checkout.types';
import { OrderState, RELEASED_STATES } from '../domain/order-state-machine';
import { OrderAddress } from '../domain/order-views';
import { AddressesService } from './addresses.service';

export const CHECKOUT_ENTRY_KIND = 'order_payment';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Member = { memberId: string; unionId: string };

/** One user's checkouts run one after another, across processes too (a transaction-scoped advisory lock). */
export const checkoutLockKey = (userId: string): string => `checkout:user:${userId}`;

/** One checkout of a group: who, under which Idempotency-Key, what. */
export interface GroupCheckout {
  user: AuthUser;
  request: IdempotentRequest;
  input: CheckoutInput;
}

export type CheckoutOutcome = { result: CheckoutResult & { replayed: boolean } } | { error: unknown };

/** A checkout that passed every check: what it will write. */
interface Plan {
  index: number;
  member: Member;
  checkoutId: string;
  lines: { skuId: string; quantity: number }[];
  orders: PlacedOrder[];
  payments: CheckoutGrantPayment[];
  totalFen: number;
  address: OrderAddress | null;
  fingerprint: string | null;
  /** a saved address chosen (marked used by the group's last statement) */
  savedAddressId: string | null;
}

/**
 * Refusals found once the group's writes had begun (stock taken by a concurrent group, points swept
 * by a window's close): thrown to roll the group's transaction back; the group is then placed again
 * without these checkouts. Keys are indexes into the group.
 */
export class GroupRefusals extends Error {
  constructor(readonly refusals: Map<number, unknown>) {
    super(`${refusals.size} checkout(s) of the group refused while writing`);
  }
}

/**
 * Placing a group of checkouts in ONE transaction of set-based statements (CheckoutService gathers
 * them; bench/README, issue 7): the keys and the users' locks, the members with their grants, the
 * SKU and limit reads, then only for the checkouts that pass: escrow accounts, one posting call, and
 * one statement that writes all orders / lines / payments / history / keys and takes the stock,
 * decrementing each SKU once for the whole group. Each checkout is judged on its own, in arrival
 * order, as if the earlier ones of its group had committed (the stock they take is counted), and
 * gets exactly the answer it would get alone: the window by the database clock, eligibility,
 * per-member limits, stock and points. A refusal that only the writes reveal (stock a concurrent
 * group took, points a window's close swept) is thrown as GroupRefusals, so that nothing of a
 * refused checkout commits.
 *
 * Concurrency: the group takes its users' advisory locks (sorted; a user is at most one member)
 * before reading, so one member's checkouts run one after another across processes too (limits and
 * balances are read after the previous one committed). The only rows groups share are hot SKUs'
 * stock rows: the stock is taken at the end of the group's last statement, after its inserts (which
 * the lock is made to wait for), so those locks are held only from there to the commit. Escrow accounts are per order, so no shared escrow row is touched.
 */
@Injectable()
export class PlaceCheckoutGroupService {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly points: PointsQueryService,
    private readonly catalog: CatalogQueryService,
    private readonly stock: StockService,
    private readonly ledger: LedgerService,
    private readonly addresses: AddressesService,
  ) {}

  /**
   * Places one group in the transaction `em`: an outcome per checkout, in the group's order, or
   * GroupRefusals (the caller rolls back and places the rest again). `lockTimeoutMs` > 0: every
   * statement from the first on gives up waiting for a lock after that long (55P03).
   */
  async place(em: EntityManager, group: GroupCheckout[], lockTimeoutMs: number): Promise<CheckoutOutcome[]> {
    const out: CheckoutOutcome[] = new Array(group.length);
    // keys, and the users' locks first: limits and balances below are read after their previous
    // checkouts committed. Locked per user (a user is at most one member), so that the members need
    // no statement of their own before the lock: they come with their grants below.
    const claims = await this.idempotency.lockAndLookup<CheckoutResult>(
      em,
      group.map((p) => p.request),
      group.map((p) => checkoutLockKey(p.user.id)),
      // generic plans for the rest of the group: its statements take arrays, whose custom plans PostgreSQL
      // would make again on every call (measured: bench/README, "review fixes")
      { lockTimeoutMs, genericPlans: true },
    );
    const claimed: number[] = [];
    claims.forEach((c, i) => {
      if ('error' in c) out[i] = { error: c.error };
      else if (c.replay) out[i] = { result: { ...c.response, replayed: true } };
      else claimed.push(i);
    });
    if (!claimed.length) return out;

    // reads for the whole group, in one statement: the members with their grants (campaigns open by
    // the database clock, earliest close first, spent ones too), the SKUs, the limit counts
    // SKU ids in the stored (lower) case: the catalog's answers and the limit counts are keyed by them
    const linesOf = new Map(claimed.map((i) => [i, mergeLines(group[i].input.lines.map((l) => ({ skuId: l.skuId.toLowerCase(), quantity: l.quantity })))]));
    const { members, skus, bought, saved } = await this.readGroup(
      em,
      claimed.map((i) => ({ userId: group[i].user.id, lines: linesOf.get(i)!, addressId: group[i].input.address === undefined ? group[i].input.addressId : undefined })),
    );
    const fresh: number[] = [];
    for (const i of claimed) {
      if (members.has(group[i].user.id)) fresh.push(i);
      else out[i] = { error: AppError.forbidden('Only union members with points can check out', 'NOT_A_MEMBER', { userId: group[i].user.id }) };
    }
    if (!fresh.length) return out;
    const memberOf = (i: number) => members.get(group[i].user.id)!;
    const grantsOf = await this.withCategoryIds(em, new Map(fresh.map((i) => [memberOf(i).memberId, memberOf(i).grants])));

    // each checkout on its own, in arrival order, seeing the stock the earlier ones take
    const taken = new Map<string, number>();
    const plans: Plan[] = [];
    for (const i of fresh) {
      try {
        const plan = this.plan(i, group[i].input, memberOf(i), linesOf.get(i)!, skus, grantsOf.get(memberOf(i).memberId) ?? [], bought, taken);
        if (group[i].input.address === undefined) {
          // checked last, as a lone checkout did: the other refusals come first
          const id = group[i].input.addressId!.toLowerCase();
          const address = saved.get(`${group[i].user.id}:${id}`);
          if (!address) throw AppError.unprocessable('ADDRESS_NOT_FOUND', 'The saved address does not exist (or was deleted)', { addressId: group[i].input.addressId });
          plan.address = address;
          plan.savedAddressId = id;
        }
        for (const l of plan.lines) taken.set(l.skuId, (taken.get(l.skuId) ?? 0) + l.quantity);
        plans.push(plan);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        out[i] = { error: err };
      }
    }
    if (!plans.length) return out;

    // writes, for the checkouts that passed: from here a refusal rolls the group back
    const entries = await this.postPayments(em, group, plans);
    const results = plans.map((p, j) => this.result(p, entries[j]));
    // last, in the same statement and after its inserts: the hot rows (popular SKUs' stock) are locked
    // only from the end of that statement's inserts to the commit
    const short = await this.insertOrdersAndReserve(em, group, plans, entries, results);
    if (short) throw new GroupRefusals(outOfStockRefusals(plans, short));
    plans.forEach((p, j) => (out[p.index] = { result: { ...results[j], replayed: false } }));
    return out;
  }

  /**
   * Every check of one checkout, in the order a lone checkout makes them (so it gets the same
   * refusal), against reads made for its group. `taken`: stock the group's earlier checkouts take.
   */
  private plan(
    index: number,
    input: CheckoutInput,
    member: Member,
    lines: { skuId: string; quantity: number }[],
    skus: Map<string, PurchasableSku>,
    grants: SpendableGrant[],
    bought: Map<string, number>,
    taken: Map<string, number>,
  ): Plan {
    const missing = lines.map((l) => l.skuId).filter((id) => !skus.has(id));
    if (missing.length) {
      throw AppError.unprocessable('SKU_NOT_AVAILABLE', `${missing.length} SKU(s) cannot be bought (unknown, not listed, or supplier suspended)`, { skuIds: missing });
    }

    // window: grants of campaigns open now by the database clock, earliest close first
    // spent grants too: a member whose points are used up is told INSUFFICIENT_POINTS, not WINDOW_CLOSED
    if (!grants.length) throw AppError.conflict('WINDOW_CLOSED', 'No ordering window of yours is open right now', { memberId: member.memberId });

    // eligibility: each line must be payable by at least one grant whose campaign admits its category
    const eligibleBySku = new Map<string, SpendableGrant[]>();
    for (const l of lines) {
      const sku = skus.get(l.skuId)!;
      const eligible = grants.filter((g) => this.catalog.isEligible(sku, g.allowedCategoryIds));
      if (!eligible.length) {
        throw AppError.unprocessable('NOT_ELIGIBLE', `${sku.productName} (${sku.spec}) cannot be bought with the points of your open campaigns`, {
          skuId: sku.skuId,
          productName: sku.productName,
          categoryId: sku.categoryId,
          campaigns: grants.map((g) => ({ campaignId: g.campaignId, campaignName: g.campaignName, allowedCategoryIds: g.allowedCategoryIds })),
        });
      }
      eligibleBySku.set(l.skuId, eligible);
    }

    // per-member purchase limits count what the member already holds of each limited SKU
    for (const l of lines) {
      const sku = skus.get(l.skuId)!;
      if (sku.perMemberLimit === null) continue;
      const already = bought.get(`${member.memberId}:${l.skuId}`) ?? 0;
      if (already + l.quantity > sku.perMemberLimit) {
        throw AppError.unprocessable('LIMIT_EXCEEDED', `${sku.productName}: at most ${sku.perMemberLimit} per member`, {
          skuId: sku.skuId,
          limit: sku.perMemberLimit,
          alreadyBought: already,
          requested: l.quantity,
          remaining: Math.max(0, sku.perMemberLimit - already),
        });
      }
    }

    // stock, read without locking: refuse early and cheaply when it is plainly short (the
    // conditional decrement at the end is what actually guarantees no oversell)
    for (const l of lines) {
      const sku = skus.get(l.skuId)!;
      const available = Math.max(0, sku.stock - (taken.get(l.skuId) ?? 0));
      if (available < l.quantity) throw outOfStock(sku.skuId, l.quantity, available);
    }

    // points: earliest-closing eligible grants first, across all lines
    const allocation = allocatePoints(
      grants.map((g) => ({ id: g.grantAccountId, balance: g.balance })),
      lines.map((l) => ({ id: l.skuId, amount: skus.get(l.skuId)!.priceFen * l.quantity, eligibleGrantIds: eligibleBySku.get(l.skuId)!.map((g) => g.grantAccountId) })),
    );
    if (!allocation.complete) {
      throw AppError.unprocessable('INSUFFICIENT_POINTS', `This checkout needs ${allocation.needed} fen of points; your eligible grants can pay ${allocation.payable}`, {
        needed: allocation.needed,
        available: allocation.payable,
        shortfall: allocation.needed - allocation.payable,
      });
    }

    // one order per supplier, lines in the order given, prices and names snapshotted
    const checkoutId = randomUUID();
    const bySupplier = new Map<string, PlacedOrder>();
    const grantById = new Map(grants.map((g) => [g.grantAccountId, g]));
    for (const l of lines) {
      const sku = skus.get(l.skuId)!;
      let order = bySupplier.get(sku.supplierId);
      if (!order) {
        order = { id: randomUUID(), state: OrderState.Placed, supplierId: sku.supplierId, supplierOrganizationId: sku.supplierOrganizationId, totalFen: 0, itemCount: 0, escrowAccountId: '', lines: [], payments: [] };
        bySupplier.set(sku.supplierId, order);
      }
      const amountFen = sku.priceFen * l.quantity;
      order.lines.push({ id: randomUUID(), lineNo: order.lines.length + 1, skuId: sku.skuId, productId: sku.productId, productName: sku.productName, spec: sku.spec, categoryId: sku.categoryId, unitPriceFen: sku.priceFen, quantity: l.quantity, amountFen });
      order.totalFen += amountFen;
      order.itemCount += l.quantity;
      for (const a of allocation.allocations.filter((x) => x.lineId === l.skuId)) {
        const p = order.payments.find((x) => x.grantAccountId === a.grantId);
        if (p) p.amountFen += a.amount;
        else order.payments.push({ grantAccountId: a.grantId, campaignId: grantById.get(a.grantId)!.campaignId, amountFen: a.amount });
      }
    }
    const payments: CheckoutGrantPayment[] = allocation.byGrant
      .filter((b) => b.amount > 0)
      .map((b) => {
        const g = grantById.get(b.grantId)!;
        return { grantAccountId: g.grantAccountId, campaignId: g.campaignId, campaignName: g.campaignName, closesAt: g.closesAt, amountFen: b.amount };
      });
    // a new address is kept among the saved ones by the insert statement; a saved one is looked up by the caller
    const fresh = input.address ? this.addresses.prepare(input.address) : null;
    return { index, member, checkoutId, lines, orders: [...bySupplier.values()], payments, totalFen: allocation.needed, address: fresh?.address ?? null, fingerprint: fresh?.fingerprint ?? null, savedAddressId: null };
  }

  /** Campaigns may name categories by code (e.g. 'food'): the catalog matches ids, so codes are resolved once here. */
  private async withCategoryIds(em: EntityManager, grantsOf: Map<string, SpendableGrant[]>): Promise<Map<string, SpendableGrant[]>> {
    const all = [...grantsOf.values()].flat();
    const codes = [...new Set(all.flatMap((g) => (g.allowedCategoryIds ?? []).filter((c) => !UUID_RE.test(c))))];
    if (!codes.length) return grantsOf;
    const ids = await this.catalog.categoryIdsByCode(codes, em);
    const resolve = (g: SpendableGrant): SpendableGrant =>
      g.allowedCategoryIds === null ? g : { ...g, allowedCategoryIds: g.allowedCategoryIds.map((c) => (UUID_RE.test(c) ? c : (ids.get(c) ?? c))) };
    return new Map([...grantsOf].map(([memberId, grants]) => [memberId, grants.map(resolve)]));
  }

  /**
   * The group's reads, one statement (a round trip saved is worth more than the rows read): each
   * user's member with its grants (PointsQueryService.checkoutMembersPart), the SKUs
   * (CatalogQueryService.purchasableSkusPart), what each member already holds of each limited
   * SKU it orders (orders not released), keyed `member:sku`, and the saved addresses chosen
   * (AddressesService.savedPart), keyed `user:address`.
   */
  private async readGroup(
    em: EntityManager,
    checkouts: { userId: string; lines: { skuId: string }[]; addressId?: string }[],
  ): Promise<{ members: Map<string, CheckoutMember>; skus: Map<string, PurchasableSku>; bought: Map<string, number>; saved: Map<string, OrderAddress> }> {
    const members = this.points.checkoutMembersPart(1);
    const skus = this.catalog.purchasableSkusPart(2);
    const saved = this.addresses.savedPart(6);
    const picks = checkouts.filter((c) => c.addressId !== undefined && UUID_RE.test(c.addressId));
    const pairs = checkouts.flatMap((c) => c.lines.filter((l) => UUID_RE.test(l.skuId)).map((l) => ({ userId: c.userId, skuId: l.skuId })));
    const [row] = await preparedQuery<{
      members: Record<string, unknown>[];
      skus: Record<string, unknown>[];
      limits: { member_id: string; sku_id: string; bought: number }[];
      saved: Record<string, unknown>[];
    }>(
      em,
      'checkout.read-group',
      `WITH mem AS (${members.sql}),
            sku AS (${skus.sql}),
            lim AS (
              SELECT mem.member_id, q.sku_id, sum(l.quantity)::int AS bought
                FROM (SELECT DISTINCT * FROM unnest($3::uuid[], $4::uuid[]) AS u (user_id, sku_id)) AS q
                JOIN mem ON mem.user_id = q.user_id
                JOIN sku ON sku.sku_id = q.sku_id AND sku.per_member_limit IS NOT NULL
                JOIN order_lines l ON l.member_id = mem.member_id AND l.sku_id = q.sku_id
                JOIN orders o ON o.id = l.order_id
               WHERE o.state <> ALL($5::text[])
               GROUP BY mem.member_id, q.sku_id),
            adr AS (${saved.sql})
       SELECT (SELECT coalesce(json_agg(mem), '[]'::json) FROM mem) AS members,
              (SELECT coalesce(json_agg(sku), '[]'::json) FROM sku) AS skus,
              (SELECT coalesce(json_agg(lim), '[]'::json) FROM lim) AS limits,
              (SELECT coalesce(json_agg(adr), '[]'::json) FROM adr) AS saved`,
      [
        checkouts.map((c) => c.userId),
        this.catalog.purchasableSkuIds(checkouts.flatMap((c) => c.lines.map((l) => l.skuId))),
        pairs.map((p) => p.userId),
        pairs.map((p) => p.skuId),
        RELEASED_STATES,
        picks.map((c) => c.userId),
        picks.map((c) => c.addressId!),
      ],
    );
    return {
      members: members.read(row.members),
      skus: skus.read(row.skus),
      bought: new Map(row.limits.map((r) => [`${r.member_id}:${r.sku_id}`, r.bought])),
      saved: saved.read(row.saved),
    };
  }

  /**
   * One entry per checkout (every grant → order escrow transfer), all in one posting call, after
   * the group's escrow accounts are opened in one statement. The first refused entry stops the
   * posting and rolls the group back (GroupRefusals); the others are placed again without it.
   */
  private async postPayments(em: EntityManager, group: GroupCheckout[], plans: Plan[]): Promise<PostedEntry[]> {
    const orders = plans.flatMap((p) => p.orders.map((o) => ({ plan: p, order: o })));
    const accounts = await this.ledger.openAccounts(
      em,
      orders.map(({ plan, order }) => ({ type: AccountType.OrderEscrow, ownerType: 'order', ownerId: order.id, organizationId: plan.member.unionId, metadata: { checkoutId: plan.checkoutId } })),
    );
    orders.forEach(({ order }, k) => (order.escrowAccountId = accounts[k].id));
    const posted = await this.ledger.postAllOrRefusal(
      em,
      plans.map((p) => {
        const keyHash = createHash('sha256').update(group[p.index].request.key).digest('hex').slice(0, 32);
        return {
          kind: CHECKOUT_ENTRY_KIND,
          idempotencyKey: `checkout:${p.member.memberId}:${keyHash}`,
          reference: `checkout:${p.checkoutId}`,
          actor: group[p.index].user.id,
          metadata: { checkoutId: p.checkoutId, memberId: p.member.memberId, orderIds: p.orders.map((o) => o.id) },
          transfers: p.orders.flatMap((o) => o.payments.map((x) => ({ debitAccountId: x.grantAccountId, creditAccountId: o.escrowAccountId, amount: x.amountFen }))),
        };
      }),
    );
    if ('entries' in posted) return posted.entries;
    // nothing more was posted: the group is rolled back and placed again without this checkout.
    // The balance we read changed under us (the window's close swept the grant): a refusal, not a 500
    const { refused, error } = posted;
    throw new GroupRefusals(
      new Map([
        [
          plans[refused].index,
          error instanceof InsufficientFundsError ? AppError.unprocessable('INSUFFICIENT_POINTS', 'Your points changed while checking out (the window may just have closed)', error.details) : error,
        ],
      ]),
    );
  }

  private result(plan: Plan, entry: PostedEntry): CheckoutResult {
    return {
      checkoutId: plan.checkoutId,
      // the transaction's time, which the orders' placed_at (now()) is too: the entry's createdAt to the millisecond
      placedAt: `${entry.createdAt.slice(0, 23)}Z`,
      totalFen: plan.totalFen,
      address: plan.address!,
      orders: plan.orders,
      payments: plan.payments,
      ledgerEntry: { id: String(entry.id), kind: entry.kind, reference: entry.reference, hash: entry.hash ?? null, createdAt: entry.createdAt },
    };
  }

  /**
   * The group's checkouts, orders, lines, payments, first history rows, entry links, new addresses
   * and keys (with their responses), and its stock (StockService.reserveManyCte): one statement.
   * The stock is locked after every insert of it has run (the `w` CTE): the inserts, and any wait
   * in them, do not happen while the group holds hot SKU rows. Only the statement's end-of-statement
   * foreign-key checks (key-share locks on the rows just referenced) come after the lock.
   * Answers the locked stock when a SKU cannot cover the group (then no stock was taken and the
   * caller rolls back), else null.
   */
  private async insertOrdersAndReserve(em: EntityManager, group: GroupCheckout[], plans: Plan[], entries: PostedEntry[], results: CheckoutResult[]): Promise<Map<string, number> | null> {
    const userOf = (p: Plan) => group[p.index].user.id;
    const checkoutRows = plans.map((p, j) => ({ id: p.checkoutId, union_id: p.member.unionId, member_id: p.member.memberId, user_id: userOf(p), total_fen: p.totalFen, ledger_entry_id: entries[j].id }));
    const orderRows = plans.flatMap((p, j) =>
      p.orders.map((o) => ({
        id: o.id,
        checkout_id: p.checkoutId,
        union_id: p.member.unionId,
        member_id: p.member.memberId,
        user_id: userOf(p),
        supplier_id: o.supplierId,
        supplier_organization_id: o.supplierOrganizationId,
        total_fen: o.totalFen,
        item_count: o.itemCount,
        escrow_account_id: o.escrowAccountId,
        address: p.address,
        note: group[p.index].input.note ?? null,
        ledger_entry_id: entries[j].id,
      })),
    );
    const lineRows = plans.flatMap((p) => p.orders.flatMap((o) => o.lines.map((l) => ({ ...l, orderId: o.id, memberId: p.member.memberId }))));
    const paymentRows = plans.flatMap((p) => p.orders.flatMap((o) => o.payments.map((x) => ({ order_id: o.id, grant_account_id: x.grantAccountId, campaign_id: x.campaignId, amount_fen: x.amountFen }))));
    // new addresses to keep, and saved ones to mark used (saved_id)
    const addressRows = plans
      .filter((p) => p.fingerprint !== null || p.savedAddressId !== null)
      .map((p) => ({ user_id: userOf(p), address: p.address, fingerprint: p.fingerprint, saved_id: p.savedAddressId }));
    const keys = this.idempotency.recordCompletedCte(
      plans.map((p) => group[p.index].request),
      results,
      6,
    );
    // every plan has lines (an empty checkout is refused by validation), so there is a stock part
    const stock = this.stock.reserveManyCte(
      plans.map((p) => ({ reference: `checkout:${p.checkoutId}`, lines: p.lines })),
      6 + keys.params.length,
      'w',
    )!;
    // prepared: planning this statement costs more than running it
    const [row] = await preparedQuery<Record<string, unknown>>(
      em,
      'checkout.insert-group',
      `WITH c AS (
         INSERT INTO checkouts (id, union_id, member_id, user_id, total_fen, ledger_entry_id)
         SELECT x.id, x.union_id, x.member_id, x.user_id, x.total_fen, x.ledger_entry_id
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, union_id uuid, member_id uuid, user_id uuid, total_fen bigint, ledger_entry_id bigint)
         RETURNING 1
       ), o AS (
         INSERT INTO orders (id, checkout_id, union_id, member_id, user_id, supplier_id, supplier_organization_id, state, total_fen, item_count, escrow_account_id, address, note)
         SELECT x.id, x.checkout_id, x.union_id, x.member_id, x.user_id, x.supplier_id, x.supplier_organization_id, 'placed', x.total_fen, x.item_count, x.escrow_account_id, x.address, x.note
           FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, checkout_id uuid, union_id uuid, member_id uuid, user_id uuid, supplier_id uuid, supplier_organization_id uuid,
                                                   total_fen bigint, item_count int, escrow_account_id bigint, address jsonb, note text)
         RETURNING 1
       ), l AS (
         INSERT INTO order_lines (id, order_id, line_no, member_id, sku_id, product_id, product_name, spec, category_id, unit_price_fen, quantity, amount_fen)
         SELECT x.id, x."orderId", x."lineNo", x."memberId", x."skuId", x."productId", x."productName", x.spec, x."categoryId", x."unitPriceFen", x.quantity, x."amountFen"
           FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, "orderId" uuid, "lineNo" int, "memberId" uuid, "skuId" uuid, "productId" uuid, "productName" text, spec text, "categoryId" uuid, "unitPriceFen" bigint, quantity int, "amountFen" bigint)
         RETURNING 1
       ), p AS (
         INSERT INTO order_payments (order_id, grant_account_id, campaign_id, amount_fen)
         SELECT x.order_id, x.grant_account_id, x.campaign_id, x.amount_fen
           FROM jsonb_to_recordset($4::jsonb) AS x(order_id uuid, grant_account_id bigint, campaign_id uuid, amount_fen bigint)
         RETURNING 1
       ), h AS (
         INSERT INTO order_history (order_id, action, from_state, to_state, actor_kind, actor_user_id, details)
         SELECT x.id, 'place', NULL, 'placed', 'member', x.user_id, jsonb_build_object('checkoutId', x.checkout_id::text)
           FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, user_id uuid, checkout_id uuid)
         RETURNING 1
       ), e AS (
         INSERT INTO order_ledger_entries (order_id, ledger_entry_id, kind, amount_fen)
         SELECT x.id, x.ledger_entry_id, 'payment', x.total_fen FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, ledger_entry_id bigint, total_fen bigint)
         RETURNING 1
       ), a AS (
         -- AddressesService's upsert: the same address given again is kept once (one member, so one row, per group)
         INSERT INTO member_addresses (user_id, recipient, phone, region_code, detail, fingerprint)
         SELECT x.user_id, x.address->>'recipient', x.address->>'phone', x.address->>'regionCode', x.address->>'detail', x.fingerprint
           FROM jsonb_to_recordset($5::jsonb) AS x(user_id uuid, address jsonb, fingerprint text, saved_id uuid)
          WHERE x.saved_id IS NULL
         ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_used_at = now(), deleted_at = NULL
         RETURNING 1
       ), u AS (
         -- the saved addresses chosen (the group's read statement found them), marked used
         UPDATE member_addresses m SET last_used_at = now()
           FROM jsonb_to_recordset($5::jsonb) AS x(user_id uuid, saved_id uuid)
          WHERE m.id = x.saved_id AND m.user_id = x.user_id
         RETURNING 1
       ), i AS (
         -- the Idempotency-Keys with their stored responses (IdempotencyService.recordCompletedCte)
         ${keys.cte}
         RETURNING 1
       ), w AS (
         -- every insert above, read to its end: the stock CTEs join this, so PostgreSQL runs all the
         -- inserts (and their waits, e.g. an address's ON CONFLICT) before it locks a SKU row. Without
         -- the join it would lock the stock first (the final SELECT reads it on demand, and insert
         -- CTEs nobody reads run only after the main query) and hold the hot rows through the inserts.
         SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM o) + (SELECT count(*) FROM l) + (SELECT count(*) FROM p)
              + (SELECT count(*) FROM h) + (SELECT count(*) FROM e) + (SELECT count(*) FROM a) + (SELECT count(*) FROM u) + (SELECT count(*) FROM i) AS n
       ),
       -- the stock, after the inserts (StockService.reserveManyCte, waiting for w)
       ${stock.ctes}
       SELECT ${stock.select}`,
      [JSON.stringify(checkoutRows), JSON.stringify(orderRows), JSON.stringify(lineRows), JSON.stringify(paymentRows), JSON.stringify(addressRows), ...keys.params, ...stock.params],
    );
    return stock.shortOf(row);
  }
}


/**
 * The group's stock statement found a SKU short (a concurrent group took it since the read): with
 * the locked stock, the checkouts are taken again in arrival order, each line in SKU id order as
 * StockService.reserve reports it; those that no longer fit are refused with what was left for them.
 */
function outOfStockRefusals(plans: Plan[], stock: Map<string, number>): Map<number, unknown> {
  const left = new Map(stock);
  const refusals = new Map<number, unknown>();
  for (const p of plans) {
    const lines = [...p.lines].map((l) => ({ skuId: l.skuId.toLowerCase(), quantity: l.quantity })).sort((a, b) => (a.skuId < b.skuId ? -1 : a.skuId > b.skuId ? 1 : 0));
    const bad = lines.find((l) => (left.get(l.skuId) ?? 0) < l.quantity);
    if (bad) {
      refusals.set(p.index, left.has(bad.skuId) ? outOfStock(bad.skuId, bad.quantity, left.get(bad.skuId)!) : AppError.notFound('SKU', bad.skuId));
      continue;
    }
    for (const l of lines) left.set(l.skuId, left.get(l.skuId)! - l.quantity);
  }
  // cannot happen with the rows locked; if it ever did, refuse rather than sell short
  if (!refusals.size) plans.forEach((p) => refusals.set(p.index, AppError.conflict('OUT_OF_STOCK', 'Stock changed while reserving', { skuIds: p.lines.map((l) => l.skuId) })));
  return refusals;
}

function outOfStock(skuId: string, requested: number, available: number): AppError {
  return AppError.conflict('OUT_OF_STOCK', `Only ${available} left of SKU ${skuId}`, { skuId, requested, available });
}

/** The same SKU twice becomes one line, in the order first given (the catalog locks stock rows in id order itself). */
export function mergeLines(lines: { skuId: string; quantity: number }[]): { skuId: string; quantity: number }[] {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.skuId, (merged.get(l.skuId) ?? 0) + l.quantity);
  return [...merged.entries()].map(([skuId, quantity]) => ({ skuId, quantity }));
}
