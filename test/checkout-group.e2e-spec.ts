import { AppError, AuthUser, requestHash, Role, TransactionRunner } from '@huigong/common';
import { CatalogQueryService, StockService } from '@huigong/catalog';
import { LedgerService } from '@huigong/ledger';
import { CheckoutService } from '@huigong/ordering';
import { PointsQueryService } from '@huigong/points';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AddressesService } from '../libs/ordering/src/services/addresses.service';
import { checkoutLockKey, PlaceCheckoutGroupService } from '../libs/ordering/src/services/place-checkout-group.service';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import {
  activateMembers,
  categories,
  createSupplier,
  createUnion,
  grantOf,
  poolOf,
  importMembers,
  listProduct,
  MemberCtx,
  openCampaign,
  SkuCtx,
  soldOf,
  stockOf,
  UnionCtx,
} from './support/ordering-fixture';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

const ADDRESS = { recipient: '刘敏', phone: '13805320011', detail: '青岛市黄岛区前湾港路 8 号' };
const POINTS = 50_000;

type Answer = { ok: true; body: Awaited<ReturnType<CheckoutService['checkout']>> } | { ok: false; status: number; code: string; details: unknown };

/**
 * Group-committed checkouts (CheckoutService): concurrent checkouts go together in one transaction.
 * Called on the service so that which checkouts share a group is known: two checkouts started while
 * nothing runs go alone (two groups in flight), and everything started in the same tick after them
 * gathers into the next group. Each checkout of a group must get exactly the answer it would get
 * alone, a refused one must leave nothing behind, and the invariants must hold under load.
 */
describe('group-committed checkouts (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let checkouts: CheckoutService;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let union: UnionCtx;
  let campaign: string;
  let members: MemberCtx[];
  let late: MemberCtx; // activated after the distribution: no grant, so no open window
  let hot: SkuCtx; // 1,000 fen, 3 in stock
  let hot2: SkuCtx; // 1,000 fen, 2 in stock
  let limited: SkuCtx; // 500 fen, 1 per member
  let pricey: SkuCtx; // 60,000 fen: more than a member's points
  let regular: SkuCtx; // 2,000 fen, plenty
  let farm: SkuCtx; // a category the campaign does not admit
  let next = 0;

  const userOf = (m: MemberCtx): AuthUser => ({ id: m.userId, username: m.username, organizationId: union.unionId, organizationType: 'union', roles: [Role.Worker] });
  const member = () => members[next++];
  const answer = (p: Promise<Awaited<ReturnType<CheckoutService['checkout']>>>): Promise<Answer> =>
    p.then(
      (body) => ({ ok: true as const, body }),
      (err: unknown) => {
        if (!(err instanceof AppError)) throw err;
        return { ok: false as const, status: err.status, code: err.code, details: err.details };
      },
    );
  const buy = (m: MemberCtx, lines: { skuId: string; quantity: number }[], key: string = randomUUID(), extra: { addressId?: string } = {}) =>
    answer(checkouts.checkout(userOf(m), key, extra.addressId ? { lines, addressId: extra.addressId } : { lines, address: ADDRESS }));
  const xidOf = async (checkoutId: string): Promise<string> => {
    const [r] = await ds.query(`SELECT e.xid::text AS xid FROM checkouts c JOIN ledger_entries e ON e.id = c.ledger_entry_id WHERE c.id = $1`, [checkoutId]);
    return r.xid;
  };
  const traces = async (memberIds: string[]) => {
    const [r] = await ds.query(
      `SELECT (SELECT count(*) FROM checkouts WHERE member_id = ANY($1::uuid[]))::int AS checkouts,
              (SELECT count(*) FROM orders WHERE member_id = ANY($1::uuid[]))::int AS orders,
              (SELECT count(*) FROM idempotency_requests i JOIN members m ON m.user_id = i.user_id WHERE m.id = ANY($1::uuid[]))::int AS keys,
              (SELECT count(*) FROM ledger_entries WHERE kind = 'order_payment' AND metadata->>'memberId' = ANY($1::text[]))::int AS entries`,
      [memberIds],
    );
    return r;
  };
  /** every escrow account belongs to an order that exists: a refused checkout's accounts were rolled back */
  const orphanEscrows = async (): Promise<number> => {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_accounts a WHERE a.type = 'order_escrow' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.escrow_account_id = a.id)`);
    return n;
  };

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 20 }) });
    ds = t.dataSource;
    checkouts = t.app.get(CheckoutService);
    worker = await startTestWorker(t.config);
    const admin = await t.login('admin');
    const cats = await categories(t, admin);
    union = await createUnion(t, admin, '青岛海湾化学工会', 20_000_000);
    const nos = await importMembers(t, union, 130, 'GC');
    campaign = await openCampaign(t, union, { name: '端午慰问', pointsPerMemberFen: POINTS, allowedCategoryIds: ['beverages'] });
    members = await activateMembers(t, union, nos);
    const [lateNo] = await importMembers(t, union, 1, 'GL');
    [late] = await activateMembers(t, union, [lateNo]);
    const supplier = await createSupplier(t, admin, '青岛饮品供应链有限公司', ['beverages', 'farm-produce']);
    [hot, hot2, limited, pricey, regular] = await listProduct(t, admin, supplier, '崂山可乐 限定', cats.get('beverages')!, [
      { spec: '330ml×6 热销', priceFen: 1_000, stock: 3 },
      { spec: '330ml×6 第二批', priceFen: 1_000, stock: 2 },
      { spec: '330ml×1 限购', priceFen: 500, stock: 100, perMemberLimit: 1 },
      { spec: '礼盒 珍藏', priceFen: 60_000, stock: 100 },
      { spec: '330ml×24', priceFen: 2_000, stock: 10_000 },
    ]);
    [farm] = await listProduct(t, admin, supplier, '胶州大白菜', cats.get('farm-produce')!, [{ spec: '5kg', priceFen: 1_500, stock: 100 }]);
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  it('a group with successes and every kind of refusal: each gets its own answer, refusals leave nothing, the rest commit together', async () => {
    const buyer = member();
    expect((await buy(buyer, [{ skuId: limited.skuId, quantity: 1 }])).ok).toBe(true); // already holds the one allowed
    const [p1, p2] = [member(), member()];
    const [k1, k2] = [randomUUID(), randomUUID()];
    const crowd = Array.from({ length: 5 }, () => member());
    const [poor, picky, ghost, lost, plain, mixed] = [member(), member(), member(), member(), member(), member()];

    // two groups in flight (one checkout each); everything below waits and goes as one group
    const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }], k1), buy(p2, [{ skuId: regular.skuId, quantity: 1 }], k2)];
    const group = [
      ...crowd.map((m) => buy(m, [{ skuId: hot.skuId, quantity: 1 }])), // 3 in stock: the first three of the group
      buy(poor, [{ skuId: pricey.skuId, quantity: 1 }]),
      buy(picky, [{ skuId: farm.skuId, quantity: 1 }]),
      buy(buyer, [{ skuId: limited.skuId, quantity: 1 }]),
      buy(ghost, [{ skuId: randomUUID(), quantity: 1 }]),
      buy(late, [{ skuId: regular.skuId, quantity: 1 }]),
      buy(lost, [{ skuId: regular.skuId, quantity: 1 }], randomUUID(), { addressId: randomUUID() }),
      buy(plain, [{ skuId: regular.skuId, quantity: 2 }]),
      buy(mixed, [
        { skuId: regular.skuId, quantity: 1 },
        { skuId: limited.skuId, quantity: 1 },
      ]),
      // the primers' keys again, while their groups run: a replay and a reuse with another body
      buy(p1, [{ skuId: regular.skuId, quantity: 1 }], k1),
      buy(p2, [{ skuId: regular.skuId, quantity: 3 }], k2),
    ];
    const [first, second] = await Promise.all(primers);
    const answers = await Promise.all(group);
    const [h1, h2, h3, h4, h5, aPoor, aPicky, aLimit, aGhost, aLate, aLost, aPlain, aMixed, aReplay, aReuse] = answers;

    expect([first.ok, second.ok]).toEqual([true, true]);
    for (const a of [h1, h2, h3, aPlain, aMixed]) expect(a.ok).toBe(true);
    for (const a of [h4, h5]) expect(a).toEqual({ ok: false, status: 409, code: 'OUT_OF_STOCK', details: { skuId: hot.skuId, requested: 1, available: 0 } });
    expect(aPoor).toEqual({ ok: false, status: 422, code: 'INSUFFICIENT_POINTS', details: { needed: 60_000, available: POINTS, shortfall: 10_000 } });
    expect(aPicky).toMatchObject({ ok: false, status: 422, code: 'NOT_ELIGIBLE', details: { skuId: farm.skuId } });
    expect(aLimit).toEqual({ ok: false, status: 422, code: 'LIMIT_EXCEEDED', details: { skuId: limited.skuId, limit: 1, alreadyBought: 1, requested: 1, remaining: 0 } });
    expect(aGhost).toMatchObject({ ok: false, status: 422, code: 'SKU_NOT_AVAILABLE' });
    expect(aLate).toMatchObject({ ok: false, status: 409, code: 'WINDOW_CLOSED' });
    expect(aLost).toMatchObject({ ok: false, status: 422, code: 'ADDRESS_NOT_FOUND' });
    expect(aReplay.ok && first.ok && aReplay.body).toEqual({ ...(first.ok && first.body), replayed: true });
    expect(aReuse).toMatchObject({ ok: false, status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });

    // the successes of the group committed in one transaction, apart from the primers'
    const placed = [h1, h2, h3, aPlain, aMixed].map((a) => (a.ok ? a.body.checkoutId : ''));
    const xids = new Set(await Promise.all(placed.map(xidOf)));
    expect(xids.size).toBe(1);
    expect(xids.has(await xidOf(first.ok ? first.body.checkoutId : ''))).toBe(false);
    if (aMixed.ok) {
      expect(aMixed.body).toMatchObject({ totalFen: 2_500, replayed: false, payments: [{ campaignId: campaign, amountFen: 2_500 }] });
      expect(aMixed.body.orders).toHaveLength(1);
      expect(aMixed.body.orders[0].lines.map((l) => [l.skuId, l.quantity, l.amountFen])).toEqual([
        [regular.skuId, 1, 2_000],
        [limited.skuId, 1, 500],
      ]);
      expect(await rawBalance(ds, aMixed.body.orders[0].escrowAccountId)).toBe(2_500);
    }

    // refused: nothing at all, not even a key
    const refused = [crowd[3], crowd[4], poor, picky, ghost, lost, late].map((m) => m.memberId);
    expect(await traces(refused)).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
    const [{ n: buyerOrders }] = await ds.query(`SELECT count(*)::int AS n FROM orders WHERE member_id = $1`, [buyer.memberId]);
    expect(buyerOrders).toBe(1);
    for (const m of [poor, picky, crowd[3]]) expect(await rawBalance(ds, await grantOf(ds, campaign, m.memberId))).toBe(POINTS);
    expect(await rawBalance(ds, await grantOf(ds, campaign, plain.memberId))).toBe(POINTS - 4_000);
    expect(await stockOf(ds, hot.skuId)).toBe(0);
    expect(await soldOf(ds, hot.skuId)).toBe(3);
    expect(await orphanEscrows()).toBe(0);
    await assertConservation(ds, 'a mixed group');
  });

  it('a refusal found only while writing (stock a concurrent transaction took) rolls the group back and places the rest', async () => {
    const [p1, p2, a, b, c] = [member(), member(), member(), member(), member()];
    const timeout = t.config.checkoutLockTimeoutMs;
    // this group waits, it is not split: with the default 500 ms a busy machine can reach the lock
    // timeout before the blocker commits, and then a and c go alone (another test covers the split)
    t.config.checkoutLockTimeoutMs = 60_000;
    // another transaction takes one of the two units and holds the row: the group reads 2 (unlocked) and plans both
    const blocker = ds.createQueryRunner();
    await blocker.startTransaction();
    try {
      const take = t.app.get(StockService).reserveManyCte([{ reference: 'test:blocker', lines: [{ skuId: hot2.skuId, quantity: 1 }] }], 1)!;
      await blocker.query(`WITH ${take.ctes} SELECT ${take.select}`, take.params);
      const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
      const group = [buy(a, [{ skuId: hot2.skuId, quantity: 1 }]), buy(b, [{ skuId: hot2.skuId, quantity: 1 }]), buy(c, [{ skuId: regular.skuId, quantity: 1 }])];
      // the group waits for the row lock in its last statement, which writes its rows and takes its stock (condition polled, not slept on)
      // (this database's backends only: the server is shared with other test runs). The primers are not
      // awaited first: the group locks c's SKU (regular) before hot2, so a primer still running can wait
      // behind the group, which waits for the blocker, which this test commits only after this wait
      await eventually(async () => (await lockWaiters()).some((w) => w.query.includes('INSERT INTO checkouts') && w.event === 'transactionid'), 20_000, 'the group waiting on the stock row');
      await blocker.commitTransaction();
      await Promise.all(primers);
      const [aa, bb, cc] = await Promise.all(group);
      expect(aa.ok).toBe(true);
      expect(bb).toEqual({ ok: false, status: 409, code: 'OUT_OF_STOCK', details: { skuId: hot2.skuId, requested: 1, available: 0 } });
      expect(cc.ok).toBe(true);
      expect(await xidOf(aa.ok ? aa.body.checkoutId : '')).toBe(await xidOf(cc.ok ? cc.body.checkoutId : ''));
    } finally {
      t.config.checkoutLockTimeoutMs = timeout;
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
    expect(await traces([b.memberId])).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
    expect(await rawBalance(ds, await grantOf(ds, campaign, b.memberId))).toBe(POINTS);
    expect(await stockOf(ds, hot2.skuId)).toBe(0);
    expect(await orphanEscrows()).toBe(0);
    await assertConservation(ds, 'a group placed again');
  });

  it('the last statement locks the stock only after its inserts: a checkout waiting in its address insert holds no SKU row', async () => {
    const a = member();
    // another transaction is saving the very address the checkout gives: the checkout's address upsert (ON CONFLICT) waits for it
    const { address, fingerprint } = t.app.get(AddressesService).prepare(ADDRESS);
    const blocker = ds.createQueryRunner();
    const probe = ds.createQueryRunner();
    await blocker.startTransaction();
    try {
      await blocker.query(`INSERT INTO member_addresses (user_id, recipient, phone, region_code, detail, fingerprint) VALUES ($1, $2, $3, $4, $5, $6)`, [
        a.userId,
        address.recipient,
        address.phone,
        address.regionCode,
        address.detail,
        fingerprint,
      ]);
      const pending = buy(a, [{ skuId: regular.skuId, quantity: 1 }]); // alone: no lock timeout, it waits
      await eventually(async () => (await lockWaiters()).some((w) => w.event === 'transactionid' && w.query.includes('INSERT INTO checkouts')), 20_000, 'the checkout waiting in its address insert');
      // had the statement locked the stock before its inserts, the SKU row would be held now (55P03 here)
      await probe.startTransaction();
      await expect(probe.query(`SELECT stock FROM skus WHERE id = $1 FOR UPDATE NOWAIT`, [regular.skuId])).resolves.toHaveLength(1);
      await probe.rollbackTransaction();
      await blocker.rollbackTransaction();
      const aa = await pending;
      expect(aa.ok).toBe(true);
    } finally {
      if (probe.isTransactionActive) await probe.rollbackTransaction();
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await Promise.all([probe.release(), blocker.release()]);
    }
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM member_addresses WHERE user_id = $1`, [a.userId]);
    expect(n).toBe(1);
    await assertConservation(ds, 'a checkout that waited in its address insert');
  }, 60_000);

  it('points taken while the group was posting: that checkout is refused INSUFFICIENT_POINTS, the group rolled back and the rest placed together', async () => {
    const [p1, p2, a, b, c] = [member(), member(), member(), member(), member()];
    const [grantB, pool] = [await grantOf(ds, campaign, b.memberId), await poolOf(ds, campaign)];
    const timeout = t.config.checkoutLockTimeoutMs;
    t.config.checkoutLockTimeoutMs = 60_000; // the config object the app was given: this group waits, it is not split
    // another transaction takes all of b's points and holds the grant's row: the group reads the old
    // balance (unlocked), plans b's checkout, and its posting call waits for the row
    const blocker = ds.createQueryRunner();
    await blocker.startTransaction();
    try {
      await t.app.get(LedgerService).post(blocker.manager, {
        kind: 'test_sweep',
        idempotencyKey: `test-sweep-${randomUUID()}`,
        reference: 'test:sweep',
        actor: 'system',
        transfers: [{ debitAccountId: grantB, creditAccountId: pool, amount: POINTS }],
      });
      const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
      const group = [buy(a, [{ skuId: regular.skuId, quantity: 1 }]), buy(b, [{ skuId: regular.skuId, quantity: 1 }]), buy(c, [{ skuId: regular.skuId, quantity: 1 }])];
      await Promise.all(primers);
      await eventually(async () => (await lockWaiters()).some((w) => w.query.includes('ledger_post_entries')), 20_000, 'the group waiting on the grant row');
      await blocker.commitTransaction();
      const [aa, bb, cc] = await Promise.all(group);
      expect(bb).toMatchObject({ ok: false, status: 422, code: 'INSUFFICIENT_POINTS', details: { accountId: grantB, balance: 0 } });
      expect([aa.ok, cc.ok]).toEqual([true, true]);
      expect(await xidOf(aa.ok ? aa.body.checkoutId : '')).toBe(await xidOf(cc.ok ? cc.body.checkoutId : ''));
    } finally {
      t.config.checkoutLockTimeoutMs = timeout;
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
    expect(await traces([b.memberId])).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
    expect(await rawBalance(ds, grantB)).toBe(0);
    expect(await orphanEscrows()).toBe(0);
    await assertConservation(ds, 'a group refused while posting');
  }, 60_000);

  /** backends of this test's database waiting for a lock of the given kind ('advisory', 'tuple', 'transactionid', ...) */
  const lockWaiters = async (): Promise<{ event: string; query: string }[]> =>
    ds.query(`SELECT wait_event AS event, query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()`);
  /** the value, or 'still waiting' once `ms` passed: a deadline that makes a test fail instead of hang, not a synchronisation */
  const within = <T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([p, new Promise<'still waiting'>((r) => (timer = setTimeout(() => r('still waiting'), ms)))]).finally(() => clearTimeout(timer));
  };
  /** a SKU of its own (a fresh supplier), so that locking its row holds up nobody else */
  const ownSku = async (name: string, stock: number): Promise<SkuCtx> => {
    const admin = await t.login('admin');
    const supplier = await createSupplier(t, admin, `${name}供应商`, ['beverages']);
    return (await listProduct(t, admin, supplier, name, (await categories(t, admin)).get('beverages')!, [{ spec: '1L', priceFen: 1_000, stock }]))[0];
  };

  it('a key another API process committed while the checkout waited for the member lock is replayed, and reused with another body is refused', async () => {
    const [x, y] = [member(), member()];
    const [kx, ky] = [randomUUID(), randomUUID()];
    const body = { lines: [{ skuId: regular.skuId, quantity: 1 }], address: ADDRESS };
    const stored = { checkoutId: randomUUID(), totalFen: 2_000, orders: [], note: 'the first attempt, placed by another process' };
    // another process's first attempts: they hold the members' locks, write the keys with their responses, and commit
    const other = ds.createQueryRunner();
    await other.startTransaction();
    try {
      for (const m of [x, y]) await other.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [checkoutLockKey(m.userId)]);
      await other.query(
        `INSERT INTO idempotency_requests (scope, user_id, key, request_hash, response, completed_at)
         VALUES ('checkout', $1, $2, $3, $4::jsonb, now()), ('checkout', $5, $6, $3, $4::jsonb, now())`,
        [x.userId, kx, requestHash(body), JSON.stringify(stored), y.userId, ky],
      );
      // the retries land here while the first attempts still run
      const replay = answer(checkouts.checkout(userOf(x), kx, body));
      const reuse = answer(checkouts.checkout(userOf(y), ky, { ...body, lines: [{ skuId: regular.skuId, quantity: 2 }] }));
      await eventually(async () => (await lockWaiters()).filter((w) => w.event === 'advisory').length >= 2, 20_000, 'both retries waiting for the member locks');
      await other.commitTransaction();
      expect(await replay).toEqual({ ok: true, body: { ...stored, replayed: true } });
      expect(await reuse).toMatchObject({ ok: false, status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    // nothing placed a second time
    expect(await traces([x.memberId, y.memberId])).toEqual({ checkouts: 0, orders: 0, keys: 2, entries: 0 });
    expect(await rawBalance(ds, await grantOf(ds, campaign, x.memberId))).toBe(POINTS);
  });

  it('a group held up by one locked row is split after the lock timeout: the checkouts that do not touch it go on, the one that does waits alone', async () => {
    const held = await ownSku('胶南绿茶 锁定', 10);
    const [p1, p2, a, b, c] = [member(), member(), member(), member(), member()];
    // another transaction holds the SKU's row (an adjustment, a slow process): the group's stock statement waits on it
    const blocker = ds.createQueryRunner();
    await blocker.startTransaction();
    try {
      await blocker.query(`SELECT stock FROM skus WHERE id = $1 FOR UPDATE`, [held.skuId]);
      const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
      const group = [buy(a, [{ skuId: held.skuId, quantity: 1 }]), buy(b, [{ skuId: regular.skuId, quantity: 1 }]), buy(c, [{ skuId: regular.skuId, quantity: 1 }])];
      await Promise.all(primers);
      // without the split, these wait for the blocker as long as it holds the row
      const others = await within(Promise.all([group[1], group[2]]), 15_000);
      expect(others !== 'still waiting' && others.map((o) => o.ok)).toEqual([true, true]);
      // the checkout that needs the row waits for it alone, with no timeout, as a lone checkout always did
      // (the checkout's last statement, which writes its rows and takes its stock)
      await eventually(async () => (await lockWaiters()).some((w) => w.query.includes('INSERT INTO checkouts')), 20_000, 'the lone checkout waiting on the row');
      await blocker.commitTransaction();
      const aa = await group[0];
      expect(aa.ok).toBe(true);
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
    expect(await stockOf(ds, held.skuId)).toBe(9);
    expect(await orphanEscrows()).toBe(0);
    await assertConservation(ds, 'a group split after a lock timeout');
  }, 60_000);

  it('an error no refusal explains fails only the checkout that causes it: the group goes again, each alone', async () => {
    const [p1, p2, a, b, c] = [member(), member(), member(), member(), member()];
    const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
    // a NUL character in the note: PostgreSQL refuses it inside the group's insert statement (the HTTP layer would not let it through)
    const bad = checkouts.checkout(userOf(a), randomUUID(), { lines: [{ skuId: regular.skuId, quantity: 1 }], address: ADDRESS, note: 'bad\u0000note' }).then(
      () => null,
      (err: unknown) => err,
    );
    const good = [buy(b, [{ skuId: regular.skuId, quantity: 1 }]), buy(c, [{ skuId: regular.skuId, quantity: 1 }])];
    await Promise.all(primers);
    const [err, bb, cc] = await Promise.all([bad, ...good]);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AppError);
    expect([bb.ok, cc.ok]).toEqual([true, true]);
    expect(await traces([a.memberId])).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
    expect(await traces([b.memberId, c.memberId])).toEqual({ checkouts: 2, orders: 2, keys: 2, entries: 2 });
    expect(await orphanEscrows()).toBe(0);
  });

  it('a user who is not a member is refused NOT_A_MEMBER in a group, and leaves nothing', async () => {
    const [p1, p2, a] = [member(), member(), member()];
    const stranger: AuthUser = { id: randomUUID(), username: 'not-a-member', organizationId: union.unionId, organizationType: 'union', roles: [Role.Worker] };
    const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
    const key = randomUUID();
    const group = [answer(checkouts.checkout(stranger, key, { lines: [{ skuId: regular.skuId, quantity: 1 }], address: ADDRESS })), buy(a, [{ skuId: regular.skuId, quantity: 1 }])];
    await Promise.all(primers);
    const [ss, aa] = await Promise.all(group);
    expect(ss).toEqual({ ok: false, status: 403, code: 'NOT_A_MEMBER', details: { userId: stranger.id } });
    expect(aa.ok).toBe(true);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM idempotency_requests WHERE user_id = $1`, [stranger.id]);
    expect(n).toBe(0);
  });

  it('a member who left: a stored key is still replayed (answered before membership), a new checkout is NOT_A_MEMBER; alone and in a group', async () => {
    const [x, p1, p2, p3, p4, a, b] = [member(), member(), member(), member(), member(), member(), member()];
    const lines = [{ skuId: regular.skuId, quantity: 1 }];
    const key = randomUUID();
    const first = await buy(x, lines, key);
    expect(first.ok).toBe(true);
    await t.http.post(`/api/v1/unions/${union.unionId}/members/${x.memberId}/leave`).set(bearer(union.adminToken)).send({ reason: '调离' }).expect(200);
    const stored = { ...(first.ok && first.body), replayed: true };
    // alone (nothing else running)
    const replayAlone = await buy(x, lines, key);
    expect(replayAlone.ok && replayAlone.body).toEqual(stored);
    expect(await buy(x, lines)).toMatchObject({ ok: false, status: 403, code: 'NOT_A_MEMBER', details: { userId: x.userId } });
    // in a group: two primers run, the checkouts started after them gather into the next group (one member once per group)
    for (const [primers, mine, other] of [
      [[p1, p2], key, a],
      [[p3, p4], randomUUID(), b],
    ] as const) {
      const started = primers.map((p) => buy(p, lines));
      const [ours, theirs] = [buy(x, lines, mine), buy(other, lines)];
      await Promise.all(started);
      const [o, th] = await Promise.all([ours, theirs]);
      expect(th.ok).toBe(true);
      if (mine === key) expect(o.ok && o.body).toEqual(stored);
      else expect(o).toMatchObject({ ok: false, status: 403, code: 'NOT_A_MEMBER', details: { userId: x.userId } });
    }
    // the one checkout from before the leave, nothing since
    expect(await traces([x.memberId])).toEqual({ checkouts: 1, orders: 1, keys: 1, entries: 1 });
    await assertConservation(ds, 'a member who left');
  });

  it('checkoutMembersOf: each user\'s member with the grants spendableGrantsOf gives, a member without a grant with none, a stranger absent', async () => {
    const d = member();
    const points = t.app.get(PointsQueryService);
    const stranger = randomUUID();
    const found = await points.checkoutMembersOf(ds.manager, [d.userId, late.userId, stranger]);
    expect([...found.keys()].sort()).toEqual([d.userId, late.userId].sort());
    expect(found.get(d.userId)).toEqual({ memberId: d.memberId, unionId: union.unionId, grants: (await points.spendableGrantsOf(ds.manager, [d.memberId])).get(d.memberId) });
    expect(found.get(d.userId)!.grants).toMatchObject([{ grantAccountId: await grantOf(ds, campaign, d.memberId), campaignId: campaign }]);
    expect(found.get(late.userId)).toEqual({ memberId: late.memberId, unionId: union.unionId, grants: [] });
  });

  it('the group read: limit counts are not multiplied by a repeated (member, SKU) pair, and agree with the one-statement reads', async () => {
    const d = member();
    expect((await buy(d, [{ skuId: limited.skuId, quantity: 1 }])).ok).toBe(true);
    // the same member's line three times (three checkouts in the read), the SKU id in upper case once
    const checkouts = [limited.skuId, limited.skuId.toUpperCase(), limited.skuId].map((skuId) => ({ userId: d.userId, lines: [{ skuId }] }));
    type Reads = { members: Map<string, unknown>; skus: Map<string, unknown>; bought: Map<string, number> };
    const placing = t.app.get(PlaceCheckoutGroupService) as unknown as { readGroup(em: unknown, c: typeof checkouts): Promise<Reads> };
    const reads = await t.app.get(TransactionRunner).run((em) => placing.readGroup(em, checkouts));
    expect(reads.bought.get(`${d.memberId}:${limited.skuId}`)).toBe(1);
    expect(reads.bought.size).toBe(1);
    expect(reads.members).toEqual(await t.app.get(PointsQueryService).checkoutMembersOf(ds.manager, [d.userId]));
    expect(reads.skus).toEqual(await t.app.get(CatalogQueryService).purchasableSkus(ds.manager, [limited.skuId]));
  });

  it('saved addresses in a group: read with the group, each checkout its own, marked used only when placed', async () => {
    const addresses = t.app.get(AddressesService);
    const [p1, p2, a, b, poor, thief, gone] = [member(), member(), member(), member(), member(), member(), member()];
    const save = (m: MemberCtx, detail: string) => addresses.save(userOf(m), { recipient: `收件人 ${m.username}`, phone: '13805320001', detail });
    const [forA, forB, forPoor, forGone] = [await save(a, '青岛市市南区香港中路 1 号'), await save(b, '青岛市李沧区九水路 2 号'), await save(poor, '青岛市黄岛区长江路 3 号'), await save(gone, '青岛市城阳区正阳路 4 号')];
    await addresses.remove(userOf(gone), forGone.id);
    const usedAt = async (id: string): Promise<string> => (await ds.query(`SELECT last_used_at::text AS at FROM member_addresses WHERE id = $1`, [id]))[0].at;
    const before = { a: await usedAt(forA.id), b: await usedAt(forB.id), poor: await usedAt(forPoor.id) };

    // two groups in flight; the checkouts below gather and go as one group
    const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
    const group = [
      buy(a, [{ skuId: regular.skuId, quantity: 1 }], randomUUID(), { addressId: forA.id }),
      buy(b, [{ skuId: regular.skuId, quantity: 1 }], randomUUID(), { addressId: forB.id.toUpperCase() }),
      buy(poor, [{ skuId: pricey.skuId, quantity: 1 }], randomUUID(), { addressId: forPoor.id }),
      buy(thief, [{ skuId: regular.skuId, quantity: 1 }], randomUUID(), { addressId: forA.id }),
      buy(gone, [{ skuId: regular.skuId, quantity: 1 }], randomUUID(), { addressId: forGone.id }),
    ];
    await Promise.all(primers);
    const [aa, bb, aPoor, aThief, aGone] = await Promise.all(group);
    const addressOf = (v: { recipient: string; phone: string; regionCode: string | null; detail: string }) => ({ recipient: v.recipient, phone: v.phone, regionCode: v.regionCode, detail: v.detail });
    expect(aa.ok && aa.body.address).toEqual(addressOf(forA));
    expect(bb.ok && bb.body.address).toEqual(addressOf(forB));
    expect(await xidOf(aa.ok ? aa.body.checkoutId : '')).toBe(await xidOf(bb.ok ? bb.body.checkoutId : ''));
    expect(aPoor).toMatchObject({ ok: false, code: 'INSUFFICIENT_POINTS' });
    expect(aThief).toEqual({ ok: false, status: 422, code: 'ADDRESS_NOT_FOUND', details: { addressId: forA.id } });
    expect(aGone).toMatchObject({ ok: false, status: 422, code: 'ADDRESS_NOT_FOUND' });
    const orderAddress = async (checkoutId: string) => (await ds.query(`SELECT address FROM orders WHERE checkout_id = $1`, [checkoutId]))[0].address;
    expect(await orderAddress(aa.ok ? aa.body.checkoutId : '')).toEqual(addressOf(forA));
    // marked used by the placing statement; the refused checkout's address is as it was
    expect(await usedAt(forA.id)).not.toBe(before.a);
    expect(await usedAt(forB.id)).not.toBe(before.b);
    expect(await usedAt(forPoor.id)).toBe(before.poor);
    expect(await traces([poor, thief, gone].map((m) => m.memberId))).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
  });

  it('SKU ids in upper case are the same SKUs: sold, limited and counted as in lower case', async () => {
    const m = member();
    const first = await buy(m, [
      { skuId: regular.skuId.toUpperCase(), quantity: 1 },
      { skuId: limited.skuId.toUpperCase(), quantity: 1 },
    ]);
    expect(first.ok && first.body.orders[0].lines.map((l) => l.skuId)).toEqual([regular.skuId, limited.skuId]);
    // the per-member limit counts the first order whatever case the ids come in
    expect(await buy(m, [{ skuId: limited.skuId.toUpperCase(), quantity: 1 }])).toMatchObject({ ok: false, code: 'LIMIT_EXCEEDED', details: { alreadyBought: 1 } });
    expect(await buy(m, [{ skuId: limited.skuId, quantity: 1 }])).toMatchObject({ ok: false, code: 'LIMIT_EXCEEDED', details: { alreadyBought: 1 } });
  });

  it('a replay that spells the SKU or address ids in another case is answered from the first result', async () => {
    const m = member();
    const saved = await t.app.get(AddressesService).save(userOf(m), { recipient: `收件人 ${m.username}`, phone: '13805320001', detail: '青岛市市北区辽宁路 5 号' });
    const key = randomUUID();
    const first = await buy(m, [{ skuId: regular.skuId, quantity: 1 }], key, { addressId: saved.id });
    const again = await buy(m, [{ skuId: regular.skuId.toUpperCase(), quantity: 1 }], key, { addressId: saved.id.toUpperCase() });
    expect(first.ok && again.ok && again.body.replayed).toBe(true);
    expect(again.ok && again.body.checkoutId).toBe(first.ok && first.body.checkoutId);
    // another body under the same key is still refused
    expect(await buy(m, [{ skuId: regular.skuId, quantity: 2 }], key, { addressId: saved.id })).toMatchObject({ ok: false, status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('past CHECKOUT_MAX_WAITING checkouts waiting in the process, a checkout is refused 503 CHECKOUT_BUSY at once', async () => {
    const [p1, p2, a, b] = [member(), member(), member(), member()];
    const before = t.config.checkoutMaxWaiting;
    t.config.checkoutMaxWaiting = 1; // the config object the app was given
    // the primers' groups wait for their members' locks (held here), so the queue cannot drain meanwhile
    const holder = ds.createQueryRunner();
    await holder.startTransaction();
    try {
      for (const m of [p1, p2]) await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [checkoutLockKey(m.userId)]);
      const primers = [buy(p1, [{ skuId: regular.skuId, quantity: 1 }]), buy(p2, [{ skuId: regular.skuId, quantity: 1 }])];
      const queued = buy(a, [{ skuId: regular.skuId, quantity: 1 }]); // waits for a group
      const refused = await buy(b, [{ skuId: regular.skuId, quantity: 1 }]);
      expect(refused).toMatchObject({ ok: false, status: 503, code: 'CHECKOUT_BUSY' });
      // over HTTP: told when to come back, not a 500
      const res = await t.http
        .post('/api/v1/checkout')
        .set('Authorization', `Bearer ${b.token}`)
        .set('Idempotency-Key', randomUUID())
        .send({ lines: [{ skuId: regular.skuId, quantity: 1 }], address: ADDRESS });
      expect([res.status, res.body.error?.code, res.headers['retry-after']]).toEqual([503, 'CHECKOUT_BUSY', '1']);
      await holder.commitTransaction();
      expect((await Promise.all([...primers, queued])).map((o) => o.ok)).toEqual([true, true, true]);
    } finally {
      t.config.checkoutMaxWaiting = before;
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    expect(await traces([b.memberId])).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
  });

  it('under load (many groups, members checking out in parallel, a scarce SKU): no oversell, no overdraft, every order whole', async () => {
    const crowd = members.slice(next, next + 60);
    next += 60;
    const scarce = (await listProduct(t, await t.login('admin'), await createSupplier(t, await t.login('admin'), '青岛麦芽饮料厂', ['beverages']), '麦芽汁 限量', (await categories(t, await t.login('admin'))).get('beverages')!, [{ spec: '1L', priceFen: 3_000, stock: 40 }]))[0];
    const regularBefore = await stockOf(ds, regular.skuId);
    const soldBefore = await soldOf(ds, regular.skuId);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    // each member three checkouts at once (one member's run one after another), 9,000–21,000 fen each: some exceed the 50,000
    const jobs = crowd.flatMap((m) =>
      Array.from({ length: 3 }, () => {
        const lines = [{ skuId: scarce.skuId, quantity: 1 + Math.floor(rnd() * 3) }, { skuId: regular.skuId, quantity: 3 + Math.floor(rnd() * 4) }];
        return buy(m, lines).then((a) => ({ m, lines, a }));
      }),
    );
    const results = await Promise.all(jobs);
    for (const r of results) if (!r.a.ok) expect(['OUT_OF_STOCK', 'INSUFFICIENT_POINTS']).toContain(r.a.code);
    const won = results.filter((r) => r.a.ok);
    expect(won.length).toBeGreaterThan(0);
    expect(results.some((r) => !r.a.ok && r.a.code === 'OUT_OF_STOCK')).toBe(true);
    const scarceSold = won.reduce((n, r) => n + r.lines[0].quantity, 0);
    expect(scarceSold).toBeLessThanOrEqual(40);
    expect(await stockOf(ds, scarce.skuId)).toBe(40 - scarceSold);
    expect(await soldOf(ds, scarce.skuId)).toBe(scarceSold);
    const regularSold = won.reduce((n, r) => n + r.lines[1].quantity, 0);
    expect(await stockOf(ds, regular.skuId)).toBe(regularBefore - regularSold);
    expect(await soldOf(ds, regular.skuId)).toBe(soldBefore + regularSold);
    for (const m of crowd) {
      const spent = won.filter((r) => r.m === m).reduce((n, r) => n + (r.a.ok ? r.a.body.totalFen : 0), 0);
      const balance = await rawBalance(ds, await grantOf(ds, campaign, m.memberId));
      expect(balance).toBe(POINTS - spent);
      expect(balance).toBeGreaterThanOrEqual(0);
    }
    const [{ broken }] = await ds.query(
      `SELECT count(*)::int AS broken FROM orders o
        WHERE o.total_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM order_payments p WHERE p.order_id = o.id)
           OR o.total_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM order_lines l WHERE l.order_id = o.id)
           OR NOT EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.id AND h.action = 'place')
           OR NOT EXISTS (SELECT 1 FROM order_ledger_entries e WHERE e.order_id = o.id)`,
    );
    expect(broken).toBe(0);
    const [{ groups }] = await ds.query(
      `SELECT count(DISTINCT e.xid)::int AS groups FROM checkouts c JOIN ledger_entries e ON e.id = c.ledger_entry_id WHERE c.id = ANY($1::uuid[])`,
      [won.map((r) => (r.a.ok ? r.a.body.checkoutId : ''))],
    );
    expect(groups).toBeLessThan(won.length); // checkouts really were committed together
    expect(await orphanEscrows()).toBe(0);
    await assertConservation(ds, 'groups under load');
  });

  // last: the service refuses checkouts from here on
  it('on shutdown, the checkouts already taken are placed and answered before it completes, and new ones are refused 503', async () => {
    const [p1, p2, a, b] = [member(), member(), member(), member()];
    const events: string[] = [];
    // the primers' groups wait for their members' locks (held here): nothing can finish before the commit below
    const holder = ds.createQueryRunner();
    await holder.startTransaction();
    let drain: Promise<void> | undefined;
    try {
      for (const m of [p1, p2]) await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [checkoutLockKey(m.userId)]);
      const taken = [p1, p2, a].map((m) => buy(m, [{ skuId: regular.skuId, quantity: 1 }]).then((o) => (events.push(`answered ${m.memberId}`), o)));
      drain = checkouts.beforeApplicationShutdown().then(() => void events.push('drained'));
      const refused = await buy(b, [{ skuId: regular.skuId, quantity: 1 }]);
      expect(refused).toMatchObject({ ok: false, status: 503, code: 'CHECKOUT_BUSY', details: { shuttingDown: true } });
      expect(events).toEqual([]);
      await holder.commitTransaction();
      await drain;
      expect((await Promise.all(taken)).map((o) => o.ok)).toEqual([true, true, true]);
      expect(events).toHaveLength(4);
      expect(events[3]).toBe('drained');
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    expect(await traces([b.memberId])).toEqual({ checkouts: 0, orders: 0, keys: 0, entries: 0 });
    expect(await traces([p1.memberId, p2.memberId, a.memberId])).toEqual({ checkouts: 3, orders: 3, keys: 3, entries: 3 });
  }, 60_000);
});
