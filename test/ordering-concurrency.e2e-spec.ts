import { CampaignWindowService } from '@huigong/points';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import {
  activateMembers,
  categories,
  createSupplier,
  createUnion,
  grantOf,
  importMembers,
  listProduct,
  MemberCtx,
  openCampaign,
  SkuCtx,
  soldOf,
  stockOf,
  SupplierCtx,
  UnionCtx,
} from './support/ordering-fixture';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

const ADDRESS = { recipient: '张伟', phone: '13805320009', detail: '青岛市李沧区九水东路 100 号' };

/**
 * The flash crowd in miniature, with real requests at the same moment: stock is never oversold,
 * a member never overdraws, concurrent actions on one order serialise, and an order racing the
 * window's close is wholly in or wholly out. Ledger conservation is checked from raw SQL.
 */
describe('ordering under concurrency (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let admin: string;
  let union: UnionCtx;
  let campaign: string;
  let crowd: MemberCtx[];
  let loner: MemberCtx;
  let supplier: SupplierCtx;
  let hot: SkuCtx; // 1,000 fen, 50 in stock
  let regular: SkuCtx; // 8,000 fen, plenty
  let keySeq = 0;

  const checkout = (who: MemberCtx, lines: { skuId: string; quantity: number }[], key = `conc-${++keySeq}`) =>
    t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key).send({ lines, address: ADDRESS });

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 20 }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    admin = await t.login('admin');
    const cats = await categories(t, admin);
    union = await createUnion(t, admin, '青岛港集装箱码头工会', 12_000_000);
    const nos = await importMembers(t, union, 205, 'JZ');
    campaign = await openCampaign(t, union, { name: '春节慰问', pointsPerMemberFen: 50_000 });
    const members = await activateMembers(t, union, nos.slice(0, 201));
    crowd = members.slice(0, 200);
    loner = members[200];
    supplier = await createSupplier(t, admin, '青岛啤酒经销有限公司', ['beverages', 'farm-produce']);
    [hot] = await listProduct(t, admin, supplier, '青岛啤酒 原浆 限量', cats.get('beverages')!, [{ spec: '1L×2 礼盒', priceFen: 1_000, stock: 50 }]);
    [regular] = await listProduct(t, admin, supplier, '崂山矿泉水', cats.get('beverages')!, [{ spec: '330ml×24', priceFen: 8_000, stock: 5_000 }]);
    await assertConservation(ds, 'the fixture');
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  it('200 members at once for a SKU with 50 in stock: exactly 50 orders, stock 0, the rest OUT_OF_STOCK', async () => {
    const results = await Promise.all(crowd.map((who) => checkout(who, [{ skuId: hot.skuId, quantity: 1 }])));
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(50);
    expect(lost).toHaveLength(150);
    for (const r of lost) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'OUT_OF_STOCK', details: { skuId: hot.skuId, requested: 1 } });
    }
    expect(await stockOf(ds, hot.skuId)).toBe(0);
    expect(await soldOf(ds, hot.skuId)).toBe(50);
    const [{ orders, members }] = await ds.query(
      `SELECT count(DISTINCT o.id)::int AS orders, count(DISTINCT o.member_id)::int AS members
         FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku_id = $1`,
      [hot.skuId],
    );
    expect({ orders, members }).toEqual({ orders: 50, members: 50 });
    // winners paid 1,000 each, losers paid nothing
    const winners = new Set(won.map((r) => r.body.orders[0].id));
    expect(winners.size).toBe(50);
    for (const [i, who] of crowd.entries()) {
      expect(await rawBalance(ds, await grantOf(ds, campaign, who.memberId))).toBe(results[i].status === 201 ? 49_000 : 50_000);
    }
    const [{ escrow }] = await ds.query(
      `SELECT coalesce(sum(CASE WHEN t.credit_account_id = a.id THEN t.amount ELSE -t.amount END), 0)::int AS escrow
         FROM ledger_accounts a JOIN ledger_transfers t ON t.credit_account_id = a.id OR t.debit_account_id = a.id WHERE a.type = 'order_escrow'`,
    );
    expect(escrow).toBe(50 * 1_000);
    const [{ sales }] = await ds.query(`SELECT coalesce(-sum(delta), 0)::int AS sales FROM stock_movements WHERE sku_id = $1 AND kind = 'sale'`, [hot.skuId]);
    expect(sales).toBe(50);
    await assertConservation(ds, 'the flash crowd');
  });

  it('one member’s parallel checkouts beyond their balance never overdraw', async () => {
    const grant = await grantOf(ds, campaign, loner.memberId);
    expect(await rawBalance(ds, grant)).toBe(50_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => checkout(loner, [{ skuId: regular.skuId, quantity: 1 }])));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(6); // 6 × 8,000 = 48,000 ≤ 50,000 < 7 × 8,000
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'INSUFFICIENT_POINTS', details: { needed: 8_000, available: 2_000, shortfall: 6_000 } });
    }
    expect(await rawBalance(ds, grant)).toBe(2_000);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM orders WHERE member_id = $1`, [loner.memberId]);
    expect(n).toBe(6);
    await assertConservation(ds, 'parallel checkouts of one member');
  });

  it('a member’s cancel and the supplier’s accept of the same order at the same moment: exactly one wins', async () => {
    const placed = await Promise.all(crowd.slice(0, 20).map((who) => checkout(who, [{ skuId: regular.skuId, quantity: 1 }]).expect(201)));
    const stockBefore = await stockOf(ds, regular.skuId);
    const outcomes = await Promise.all(
      placed.map(async (p, i) => {
        const id = p.body.orders[0].id;
        const [cancel, accept] = await Promise.all([
          t.http.post(`/api/v1/me/orders/${id}/cancel`).set(bearer(crowd[i].token)).send({}),
          t.http.post(`/api/v1/supplier/orders/${id}/accept`).set(bearer(supplier.token)).send({}),
        ]);
        expect([cancel.status, accept.status].sort()).toEqual([200, 409]);
        return { id, cancelled: cancel.status === 200 };
      }),
    );
    const cancelled = outcomes.filter((o) => o.cancelled).length;
    for (const o of outcomes) {
      const [row] = await ds.query(`SELECT state, escrow_account_id::text AS escrow FROM orders WHERE id = $1`, [o.id]);
      expect(row.state).toBe(o.cancelled ? 'cancelled' : 'accepted');
      expect(await rawBalance(ds, row.escrow)).toBe(o.cancelled ? 0 : 8_000);
      const [{ refunds }] = await ds.query(`SELECT count(*)::int AS refunds FROM ledger_entries WHERE reference = $1 AND kind = 'order_refund'`, [`order:${o.id}`]);
      expect(refunds).toBe(o.cancelled ? 1 : 0);
    }
    expect(await stockOf(ds, regular.skuId)).toBe(stockBefore + cancelled);
    await assertConservation(ds, 'cancel against accept');
  });

  it('an order racing the window’s close is wholly in or wholly out', async () => {
    const racers = crowd.slice(100, 180);
    const before = await ds.query(`SELECT count(*)::int AS n FROM checkouts`);
    const stockBefore = await stockOf(ds, regular.skuId);
    const racing = racers.map((who) => checkout(who, [{ skuId: regular.skuId, quantity: 2 }]));
    // the window ends while the checkouts are in flight, and the close job runs once the database
    // clock has passed the end. The end is set a moment ahead and must lie after this update's
    // commit, as a real window's end is fixed before anyone reads it: a checkout is judged by the
    // end it read, so an end moved to before the commit (the update's own now(), as this test once
    // did) would fail a checkout that began after that moment but read the old end before the commit
    // — accepted, correctly, by the end it saw, yet placed after the end the test compares with.
    // With the end after the commit, a checkout that read the old end began before the new one, and
    // one that began after the new end reads it. If the commit was slower than the margin, the end
    // is moved later again (never earlier).
    await Promise.race(racing);
    const closing = (async () => {
      for (let marginMs = 100; ; marginMs *= 2) {
        const [{ end }] = await ds.query(`WITH u AS (UPDATE campaigns SET closes_at = clock_timestamp() + $2::interval WHERE id = $1 RETURNING closes_at) SELECT closes_at AS end FROM u`, [
          campaign,
          `${marginMs} milliseconds`,
        ]);
        const [{ committedBefore }] = await ds.query(`SELECT clock_timestamp() < $1::timestamptz AS "committedBefore"`, [end]);
        if (committedBefore) break;
      }
      await eventually(async () => (await ds.query(`SELECT now() >= closes_at AS due FROM campaigns WHERE id = $1`, [campaign]))[0].due, 20_000, 'the window’s end');
      return t.app.get(CampaignWindowService).close(campaign);
    })();
    const [results, closed] = await Promise.all([Promise.all(racing), closing]);
    expect(closed.outcome).toBe('settled');

    const won = results.filter((r) => r.status === 201);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect([`409 WINDOW_CLOSED`, `422 INSUFFICIENT_POINTS`]).toContain(`${r.status} ${r.body.error.code}`);
    }
    // wholly in: every accepted checkout has its orders, lines, payments, entry and stock movement, all agreeing
    const [{ n: checkouts }] = await ds.query(`SELECT count(*)::int - $1 AS n FROM checkouts`, [before[0].n]);
    expect(checkouts).toBe(won.length);
    const [{ closesAt }] = await ds.query(`SELECT closes_at AS "closesAt" FROM campaigns WHERE id = $1`, [campaign]);
    for (const r of won) {
      const [row] = await ds.query(
        `SELECT c.total_fen::int AS total, c.placed_before_close, o.n_orders, l.qty, p.paid, e.moved, m.sold
           FROM (SELECT total_fen, created_at < $2 AS placed_before_close, ledger_entry_id FROM checkouts WHERE id = $1) c,
                (SELECT count(*)::int AS n_orders FROM orders WHERE checkout_id = $1) o,
                (SELECT coalesce(sum(quantity), 0)::int AS qty FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE checkout_id = $1)) l,
                (SELECT coalesce(sum(amount_fen), 0)::int AS paid FROM order_payments WHERE order_id IN (SELECT id FROM orders WHERE checkout_id = $1)) p,
                (SELECT coalesce(sum(t.amount), 0)::int AS moved FROM ledger_transfers t JOIN checkouts c2 ON c2.ledger_entry_id = t.entry_id WHERE c2.id = $1) e,
                (SELECT coalesce(-sum(delta), 0)::int AS sold FROM stock_movements WHERE reference = 'checkout:' || $1::text AND kind = 'sale') m`,
        [r.body.checkoutId, closesAt],
      );
      expect(row).toEqual({ total: 16_000, placed_before_close: true, n_orders: 1, qty: 2, paid: 16_000, moved: 16_000, sold: 2 });
    }
    // wholly out: nothing else exists, stock moved only for the winners, and every grant is now empty
    expect(await stockOf(ds, regular.skuId)).toBe(stockBefore - 2 * won.length);
    const [{ leftover }] = await ds.query(
      `SELECT count(*)::int AS leftover FROM campaign_members cm
        WHERE cm.campaign_id = $1 AND (coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = cm.grant_account_id), 0)
                                     - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = cm.grant_account_id), 0)) <> 0`,
      [campaign],
    );
    expect(leftover).toBe(0);
    for (const s of [hot, regular]) expect((await stockOf(ds, s.skuId)) + (await soldOf(ds, s.skuId))).toBe(s.stock);
    // no order without its payment: every order's payments add up to its total, and its escrow holds it
    const [{ broken }] = await ds.query(
      `SELECT count(*)::int AS broken FROM orders o
        WHERE o.total_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM order_payments p WHERE p.order_id = o.id)
           OR o.total_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM order_lines l WHERE l.order_id = o.id)`,
    );
    expect(broken).toBe(0);
    await assertConservation(ds, 'the race with the close');
  });
});
