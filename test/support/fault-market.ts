import { DataSource } from 'typeorm';
import { assertConservation } from './ledger-conservation';
import { activateMembers, categories, createSupplier, createUnion, importMembers, listProduct, MemberCtx, openCampaign, SkuCtx, soldOf, stockOf, SupplierCtx, UnionCtx } from './ordering-fixture';
import { TestApp } from './test-app';

export const FAULT_ADDRESS = { recipient: '李卫东', phone: '13805320042', detail: '青岛市城阳区正阳路 88 号' };

export interface FaultMarket {
  union: UnionCtx;
  campaignId: string;
  members: MemberCtx[];
  supplier: SupplierCtx;
  sku: SkuCtx;
  pointsPerMemberFen: number;
}

/**
 * A small market for the fault tests, built through the real APIs (needs a running worker for the
 * distribution): one union, `members` activated members with `points` fen each in one open
 * campaign, one supplier with one SKU of `stock` units at `priceFen`.
 */
export async function buildMarket(t: TestApp, opts: { members: number; points: number; stock: number; priceFen: number; tag: string }): Promise<FaultMarket> {
  const admin = await t.login('admin');
  const cats = await categories(t, admin);
  const union = await createUnion(t, admin, `${opts.tag}工会`, opts.members * opts.points + 1_000_000);
  const nos = await importMembers(t, union, opts.members, opts.tag);
  const campaignId = await openCampaign(t, union, { name: `${opts.tag} 慰问`, pointsPerMemberFen: opts.points });
  const members = await activateMembers(t, union, nos);
  const supplier = await createSupplier(t, admin, `${opts.tag}食品有限公司`, ['farm-produce']);
  const [sku] = await listProduct(t, admin, supplier, `${opts.tag} 崂山绿茶`, cats.get('farm-produce')!, [{ spec: '250g', priceFen: opts.priceFen, stock: opts.stock }]);
  return { union, campaignId, members, supplier, sku, pointsPerMemberFen: opts.points };
}

/** A checkout answer as a client saw it. */
export interface Outcome {
  key: string;
  memberId: string;
  status: number;
  body?: { checkoutId?: string; totalFen?: number; orders?: { id: string }[]; ledgerEntry?: { id: string } };
}

/**
 * What every fault test checks afterwards, from raw SQL: every 2xx checkout has its checkout row,
 * its orders and its ledger entry; no order without its payment entry and no payment entry without
 * its checkout (and the amounts agree); stock + sold = initial; per member, points granted − points
 * left = points their orders took; and the ledger's own conservation.
 */
export async function assertMarketIntegrity(ds: DataSource, m: FaultMarket, outcomes: Outcome[], step: string): Promise<{ orders: number; checkouts: number }> {
  for (const o of outcomes.filter((x) => x.status >= 200 && x.status < 300)) {
    const [c] = await ds.query(
      `SELECT c.total_fen::int AS total, c.ledger_entry_id::text AS entry, (SELECT count(*)::int FROM orders WHERE checkout_id = c.id) AS orders
         FROM checkouts c WHERE c.id = $1`,
      [o.body!.checkoutId],
    );
    expect({ key: o.key, ...c }).toEqual({ key: o.key, total: o.body!.totalFen, entry: o.body!.ledgerEntry!.id, orders: o.body!.orders!.length });
  }
  const [orphans] = await ds.query(`
    SELECT
      (SELECT count(*)::int FROM orders o WHERE NOT EXISTS (
         SELECT 1 FROM order_ledger_entries ole JOIN ledger_entries e ON e.id = ole.ledger_entry_id WHERE ole.order_id = o.id AND ole.kind = 'payment')) AS orders_without_entry,
      (SELECT count(*)::int FROM checkouts c WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = c.ledger_entry_id AND e.kind = 'order_payment')) AS checkouts_without_entry,
      (SELECT count(*)::int FROM ledger_entries e WHERE e.kind = 'order_payment' AND NOT EXISTS (SELECT 1 FROM checkouts c WHERE c.ledger_entry_id = e.id)) AS entries_without_checkout,
      (SELECT count(*)::int FROM checkouts c WHERE c.total_fen <> (SELECT coalesce(sum(amount), 0) FROM ledger_transfers t WHERE t.entry_id = c.ledger_entry_id)
                                               OR c.total_fen <> (SELECT coalesce(sum(total_fen), 0) FROM orders o WHERE o.checkout_id = c.id)) AS amounts_off`);
  expect(orphans).toEqual({ orders_without_entry: 0, checkouts_without_entry: 0, entries_without_checkout: 0, amounts_off: 0 });

  expect((await stockOf(ds, m.sku.skuId)) + (await soldOf(ds, m.sku.skuId))).toBe(m.sku.stock);

  // granted − left in the grant = what the member's orders took from it (nothing was refunded here)
  const off = await ds.query(
    `SELECT cm.member_id, cm.amount_fen::bigint AS granted,
            (coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = cm.grant_account_id), 0)
           - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = cm.grant_account_id), 0))::bigint AS left_fen,
            coalesce((SELECT sum(p.amount_fen) FROM order_payments p WHERE p.grant_account_id = cm.grant_account_id), 0)::bigint AS spent
       FROM campaign_members cm WHERE cm.campaign_id = $1`,
    [m.campaignId],
  );
  const wrong = off.filter((r: { granted: string; left_fen: string; spent: string }) => BigInt(r.granted) - BigInt(r.left_fen) !== BigInt(r.spent) || BigInt(r.left_fen) < 0n);
  expect(wrong).toEqual([]);
  await assertConservation(ds, step);
  const [counts] = await ds.query(`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM checkouts) AS checkouts`);
  return counts;
}
