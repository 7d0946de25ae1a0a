import { AppError, AuthUser, IdempotencyService, IdempotentRequest, preparedQuery, requestHash, TransactionRunner } from '@huigong/common';
import { CatalogQueryService, PurchasableSku, StockService } from '@huigong/catalog';
import { AccountType, InsufficientFundsError, LedgerService, newAccountRef, PostedEntry } from '@huigong/ledger';
import { PointsQueryService, SpendableGrant } from '@huigong/points';
import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { allocatePoints } from '../domain/allocate-points';
import { OrderState, RELEASED_STATES } from '../domain/order-state-machine';
import { OrderAddress } from '../domain/order-views';
import { AddressesService, AddressInput } from './addresses.service';

export interface CheckoutInput {
  lines: { skuId: string; quantity: number }[];
  /** a saved address, or a new one (which is then kept among the saved addresses) */
  addressId?: string;
  address?: AddressInput;
  note?: string;
}

export interface CheckoutGrantPayment {
  grantAccountId: string;
  campaignId: string;
  campaignName: string;
  closesAt: string;
  amountFen: number;
}

export interface PlacedOrder {
  id: string;
  state: OrderState;
  supplierId: string;
  supplierOrganizationId: string;
  totalFen: number;
  itemCount: number;
  escrowAccountId: string;
  lines: { id: string; lineNo: number; skuId: string; productId: string; productName: string; spec: string; categoryId: string; unitPriceFen: number; quantity: number; amountFen: number }[];
  payments: { grantAccountId: string; campaignId: string; amountFen: number }[];
}

export interface CheckoutResult {
  checkoutId: string;
  placedAt: string;
  totalFen: number;
  address: OrderAddress;
  orders: PlacedOrder[];
  /** the points taken from each grant, earliest-closing first */
  payments: CheckoutGrantPayment[];
  ledgerEntry: { id: string; kind: string; reference: string; hash: string | null; createdAt: string };
}

export const CHECKOUT_ENTRY_KIND = 'order_payment';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MEMBER_CACHE_SIZE = 100_000;

/**
 * Checkout: one database transaction that checks the window (database clock), eligibility,
 * per-member limits, stock and points, splits the lines into one order per supplier, pays them
 * from the member's grants (earliest-closing first) with one ledger entry grants → per-order escrow
 * accounts, and decrements stock. Any refusal rolls everything back.
 *
 * Concurrency: a per-member advisory lock serialises one member's checkouts (so limit counts and
 * balances read are current; other members never wait on it). The only rows many checkouts
 * share are hot SKUs' stock rows: the stock decrement is the LAST statement, so those row locks
 * are held only from the decrement to the commit. Escrow accounts are per order, so no shared
 * escrow row is touched.
 */
@Injectable()
export class CheckoutService {
  private readonly memberCache = new Map<string, { memberId: string; unionId: string }>();

  constructor(
    private readonly tx: TransactionRunner,
    private readonly idempotency: IdempotencyService,
    private readonly points: PointsQueryService,
    private readonly catalog: CatalogQueryService,
    private readonly stock: StockService,
    private readonly ledger: LedgerService,
    private readonly addresses: AddressesService,
  ) {}

  /** A retry of a checkout that went through: it is answered from the stored result. */
  async isAnsweredRetry(user: AuthUser, idempotencyKey: string): Promise<boolean> {
    return this.tx.run((em) => this.idempotency.hasResponse(em, 'checkout', user.id, idempotencyKey));
  }

  async checkout(user: AuthUser, idempotencyKey: string, input: CheckoutInput): Promise<CheckoutResult & { replayed: boolean }> {
    const request = { scope: 'checkout', userId: user.id, key: idempotencyKey, requestHash: requestHash(input) };
    return this.tx.run(async (em) => {
      const member = await this.memberFor(user.id, em);
      // one member's checkouts run one at a time (limits and balances are read after the previous
      // one committed); the advisory lock is taken in the same statement as the key's claim.
      // Generic plans from here on: with the default, the SKU lookup, the stock reserve and the
      // ledger posting's statements were planned again on every checkout (~2.8 ms of ~9 ms of
      // database time, bench/README 2026-11-27); their generic plans are the same index probes.
      const claim = await this.idempotency.claim<CheckoutResult>(em, request, { serializeOn: `checkout:${member.memberId}`, genericPlans: true });
      if (claim.replay) return { ...claim.response, replayed: true };
      // places the orders and stores the response for the key (one statement writes both)
      const placed = await this.place(em, user, member, request, input);
      // last: the hot rows (popular SKUs' stock) are locked only from here to the commit
      await this.stock.reserve(em, placed.stockLines, `checkout:${placed.result.checkoutId}`);
      return { ...placed.result, replayed: false };
    });
  }

  /**
   * user → member, cached: the link never changes once activated, and a member who has left has
   * no spendable grants (spendableGrants checks the member's status in the transaction) and a
   * disabled account, so a cached entry cannot let anyone spend what they may not.
   */
  private async memberFor(userId: string, em: EntityManager): Promise<{ memberId: string; unionId: string }> {
    const cached = this.memberCache.get(userId);
    if (cached) return cached;
    const member = await this.points.memberForUser(userId, em);
    if (!member) throw AppError.forbidden('Only union members with points can check out', 'NOT_A_MEMBER', { userId });
    if (this.memberCache.size >= MEMBER_CACHE_SIZE) this.memberCache.delete(this.memberCache.keys().next().value!);
    this.memberCache.set(userId, member);
    return member;
  }

  private async place(
    em: EntityManager,
    user: AuthUser,
    member: { memberId: string; unionId: string },
    request: IdempotentRequest,
    input: CheckoutInput,
  ): Promise<{ result: CheckoutResult; stockLines: { skuId: string; quantity: number }[] }> {
    const lines = mergeLines(input.lines);
    const skuIds = lines.map((l) => l.skuId);
    const skus = await this.catalog.purchasableSkus(em, skuIds);
    const missing = skuIds.filter((id) => !skus.has(id));
    if (missing.length) {
      throw AppError.unprocessable('SKU_NOT_AVAILABLE', `${missing.length} SKU(s) cannot be bought (unknown, not listed, or supplier suspended)`, { skuIds: missing });
    }

    // window: grants of campaigns open now by the database clock, earliest close first
    // spent grants too: a member whose points are used up is told INSUFFICIENT_POINTS, not WINDOW_CLOSED
    const grants = await this.withCategoryIds(em, await this.points.spendableGrants(em, member.memberId, { includeEmpty: true }));
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

    await this.checkLimits(em, member.memberId, lines, skus);

    // stock, read without locking: refuse early and cheaply when it is plainly short (the
    // conditional decrement at the end is what actually guarantees no oversell)
    for (const l of lines) {
      const sku = skus.get(l.skuId)!;
      if (sku.stock < l.quantity) throw outOfStock(sku.skuId, l.quantity, sku.stock);
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
    const orders = [...bySupplier.values()];

    // a new address is kept among the saved ones by the insert statement below
    const fresh = input.address ? this.addresses.prepare(input.address) : null;
    const address = fresh ? fresh.address : await this.addresses.useSaved(em, user.id, input.addressId!);

    // per-order escrow accounts: each order's held value is traceable on its own, and no shared
    // escrow row becomes a lock every order waits on; opened by the posting itself (one round trip)
    const entry = await this.postPayment(em, user, member, request.key, checkoutId, orders);

    const payments: CheckoutGrantPayment[] = allocation.byGrant
      .filter((b) => b.amount > 0)
      .map((b) => {
        const g = grantById.get(b.grantId)!;
        return { grantAccountId: g.grantAccountId, campaignId: g.campaignId, campaignName: g.campaignName, closesAt: g.closesAt, amountFen: b.amount };
      });
    const result: CheckoutResult = {
      checkoutId,
      // the transaction's time, which the orders' placed_at (now()) is too: the entry's createdAt to the millisecond
      placedAt: `${entry.createdAt.slice(0, 23)}Z`,
      totalFen: allocation.needed,
      address,
      orders,
      payments,
      ledgerEntry: { id: String(entry.id), kind: entry.kind, reference: entry.reference, hash: entry.hash ?? null, createdAt: entry.createdAt },
    };
    await this.insertOrders(em, user, member, checkoutId, entry, orders, address, fresh?.fingerprint ?? null, input.note ?? null, this.idempotency.completionCte(request, result, 13));
    return { result, stockLines: lines };
  }

  /** Campaigns may name categories by code (e.g. 'food'): the catalog matches ids, so codes are resolved once here. */
  private async withCategoryIds(em: EntityManager, grants: SpendableGrant[]): Promise<SpendableGrant[]> {
    const codes = [...new Set(grants.flatMap((g) => (g.allowedCategoryIds ?? []).filter((c) => !UUID_RE.test(c))))];
    if (!codes.length) return grants;
    const ids = await this.catalog.categoryIdsByCode(codes, em);
    return grants.map((g) => (g.allowedCategoryIds === null ? g : { ...g, allowedCategoryIds: g.allowedCategoryIds.map((c) => (UUID_RE.test(c) ? c : (ids.get(c) ?? c))) }));
  }

  /** Per-member purchase limits count what the member already holds of each limited SKU. */
  private async checkLimits(em: EntityManager, memberId: string, lines: { skuId: string; quantity: number }[], skus: Map<string, PurchasableSku>): Promise<void> {
    const limited = lines.filter((l) => skus.get(l.skuId)!.perMemberLimit !== null);
    if (!limited.length) return;
    const rows = await preparedQuery<{ sku_id: string; bought: number }>(
      em,
      'checkout.limits',
      `SELECT l.sku_id, sum(l.quantity)::int AS bought
         FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE l.member_id = $1 AND l.sku_id = ANY($2::uuid[]) AND o.state <> ALL($3::text[])
        GROUP BY l.sku_id`,
      [memberId, limited.map((l) => l.skuId), RELEASED_STATES],
    );
    const bought = new Map(rows.map((r) => [r.sku_id, r.bought]));
    for (const l of limited) {
      const sku = skus.get(l.skuId)!;
      const already = bought.get(l.skuId) ?? 0;
      if (already + l.quantity > sku.perMemberLimit!) {
        throw AppError.unprocessable('LIMIT_EXCEEDED', `${sku.productName}: at most ${sku.perMemberLimit} per member`, {
          skuId: sku.skuId,
          limit: sku.perMemberLimit,
          alreadyBought: already,
          requested: l.quantity,
          remaining: Math.max(0, sku.perMemberLimit! - already),
        });
      }
    }
  }

  /** One entry for the whole checkout: every (grant → order escrow) transfer; the escrows are opened with it. */
  private async postPayment(
    em: EntityManager,
    user: AuthUser,
    member: { memberId: string; unionId: string },
    idempotencyKey: string,
    checkoutId: string,
    orders: PlacedOrder[],
  ): Promise<PostedEntry> {
    const keyHash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
    try {
      const { entry, accountIds } = await this.ledger.postOpening(
        em,
        orders.map((o) => ({ type: AccountType.OrderEscrow, ownerType: 'order', ownerId: o.id, organizationId: member.unionId, metadata: { checkoutId } })),
        {
          kind: CHECKOUT_ENTRY_KIND,
          idempotencyKey: `checkout:${member.memberId}:${keyHash}`,
          reference: `checkout:${checkoutId}`,
          actor: user.id,
          metadata: { checkoutId, memberId: member.memberId, orderIds: orders.map((o) => o.id) },
          transfers: orders.flatMap((o, i) => o.payments.map((p) => ({ debitAccountId: p.grantAccountId, creditAccountId: newAccountRef(i), amount: p.amountFen }))),
        },
      );
      orders.forEach((o, i) => (o.escrowAccountId = accountIds[i]));
      return entry;
    } catch (err) {
      // the balance we read changed under us (the window's close swept the grant): a refusal, not a 500
      if (err instanceof InsufficientFundsError) {
        throw AppError.unprocessable('INSUFFICIENT_POINTS', 'Your points changed while checking out (the window may just have closed)', err.details);
      }
      throw err;
    }
  }

  /** Checkout, orders, lines, payments, first history rows and entry links: one statement. */
  private async insertOrders(
    em: EntityManager,
    user: AuthUser,
    member: { memberId: string; unionId: string },
    checkoutId: string,
    entry: PostedEntry,
    orders: PlacedOrder[],
    address: OrderAddress,
    saveAddress: string | null,
    note: string | null,
    completion: { cte: string; params: unknown[] },
  ): Promise<void> {
    const total = orders.reduce((a, o) => a + o.totalFen, 0);
    const orderRows = orders.map((o) => ({ id: o.id, supplier_id: o.supplierId, supplier_organization_id: o.supplierOrganizationId, total_fen: o.totalFen, item_count: o.itemCount, escrow_account_id: o.escrowAccountId }));
    const lineRows = orders.flatMap((o) => o.lines.map((l) => ({ ...l, orderId: o.id })));
    const paymentRows = orders.flatMap((o) => o.payments.map((p) => ({ order_id: o.id, grant_account_id: p.grantAccountId, campaign_id: p.campaignId, amount_fen: p.amountFen })));
    // prepared: planning this statement costs more than running it
    await preparedQuery(
      em,
      'checkout.insert-orders',
      `WITH c AS (
         INSERT INTO checkouts (id, union_id, member_id, user_id, total_fen, ledger_entry_id) VALUES ($1, $2, $3, $4, $5, $6)
       ), o AS (
         INSERT INTO orders (id, checkout_id, union_id, member_id, user_id, supplier_id, supplier_organization_id, state, total_fen, item_count, escrow_account_id, address, note)
         SELECT x.id, $1, $2, $3, $4, x.supplier_id, x.supplier_organization_id, 'placed', x.total_fen, x.item_count, x.escrow_account_id, $7::jsonb, $8
           FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, supplier_id uuid, supplier_organization_id uuid, total_fen bigint, item_count int, escrow_account_id bigint)
       ), l AS (
         INSERT INTO order_lines (id, order_id, line_no, member_id, sku_id, product_id, product_name, spec, category_id, unit_price_fen, quantity, amount_fen)
         SELECT x.id, x."orderId", x."lineNo", $3, x."skuId", x."productId", x."productName", x.spec, x."categoryId", x."unitPriceFen", x.quantity, x."amountFen"
           FROM jsonb_to_recordset($10::jsonb) AS x(id uuid, "orderId" uuid, "lineNo" int, "skuId" uuid, "productId" uuid, "productName" text, spec text, "categoryId" uuid, "unitPriceFen" bigint, quantity int, "amountFen" bigint)
       ), p AS (
         INSERT INTO order_payments (order_id, grant_account_id, campaign_id, amount_fen)
         SELECT x.order_id, x.grant_account_id, x.campaign_id, x.amount_fen
           FROM jsonb_to_recordset($11::jsonb) AS x(order_id uuid, grant_account_id bigint, campaign_id uuid, amount_fen bigint)
       ), h AS (
         INSERT INTO order_history (order_id, action, from_state, to_state, actor_kind, actor_user_id, details)
         SELECT x.id, 'place', NULL, 'placed', 'member', $4, jsonb_build_object('checkoutId', $1::text)
           FROM jsonb_to_recordset($9::jsonb) AS x(id uuid)
       ), e AS (
         INSERT INTO order_ledger_entries (order_id, ledger_entry_id, kind, amount_fen)
         SELECT x.id, $6, 'payment', x.total_fen FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, total_fen bigint)
       ), a AS (
         -- AddressesService's upsert: the same address given again is kept once
         INSERT INTO member_addresses (user_id, recipient, phone, region_code, detail, fingerprint)
         SELECT $4, $7::jsonb->>'recipient', $7::jsonb->>'phone', $7::jsonb->>'regionCode', $7::jsonb->>'detail', $12::text
          WHERE $12::text IS NOT NULL
         ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_used_at = now(), deleted_at = NULL
       ), i AS (
         -- the Idempotency-Key's stored response (IdempotencyService.completionCte)
         ${completion.cte}
       )
       SELECT 1`,
      [
        checkoutId,
        member.unionId,
        member.memberId,
        user.id,
        total,
        entry.id,
        JSON.stringify(address),
        note,
        JSON.stringify(orderRows),
        JSON.stringify(lineRows),
        JSON.stringify(paymentRows),
        saveAddress,
        ...completion.params,
      ],
    );
  }
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
