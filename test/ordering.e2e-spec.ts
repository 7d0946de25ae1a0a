import { IdempotencyService, QueueRegistry, QUEUES } from '@huigong/common';
import { verifyEntryProof } from '@huigong/ledger';
import { OrderTransitionService } from '@huigong/ordering';
import { CampaignWindowService } from '@huigong/points';
import { INestApplicationContext } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import {
  activateMembers,
  budgetOf,
  categories,
  CategoryCtx,
  createSupplier,
  createUnion,
  grantOf,
  importMembers,
  listProduct,
  MemberCtx,
  openCampaign,
  orderRowCounts,
  poolOf,
  SkuCtx,
  soldOf,
  stockOf,
  SupplierCtx,
  UnionCtx,
} from './support/ordering-fixture';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

const ADDRESS = { recipient: '王建国', phone: '13805320001', regionCode: '370202', detail: '青岛市市南区香港中路 1 号 2 单元 301' };

describe('ordering: checkout, lifecycle, refunds, receipts, reviews (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let admin: string;
  let auditor: string;
  let demoSupplier: string;
  let cats: Map<string, CategoryCtx>;
  let u1: UnionCtx;
  let u2: UnionCtx;
  let camp1: string; // 年货节: farm produce and tea only (named by code), closes first
  let camp2: string; // 春节慰问: anything, closes later
  let camp3: string; // union 2: tea only (named by id)
  let m: MemberCtx[];
  let n: MemberCtx[]; // union 2
  let s1: SupplierCtx;
  let s2: SupplierCtx;
  let tea: SkuCtx; // s1, 6,800
  let teaGift: SkuCtx; // s1, 12,800, limit 2 per member
  let millet: SkuCtx; // s1, 2,500
  let teaSet: SkuCtx; // s1, 20,000: exactly a 茶叶专享 grant
  let seaCucumber: SkuCtx; // s2, 40,000
  let shrimp: SkuCtx; // s2, 9,900, 3 in stock
  let allSkus: SkuCtx[];

  const conserved = (step: string) => assertConservation(ds, step);
  const checkout = (token: string, key: string, body: Record<string, unknown>) => t.http.post('/api/v1/checkout').set(bearer(token)).set('Idempotency-Key', key).send(body);
  let keySeq = 0;
  const key = () => `test-key-${++keySeq}`;
  const grant = (campaignId: string, who: MemberCtx) => grantOf(ds, campaignId, who.memberId);

  /** Everything a refused checkout must leave as it was. */
  async function snapshot(members: MemberCtx[], campaignIds: string[]) {
    const balances: Record<string, number> = {};
    for (const c of campaignIds) for (const x of members) balances[`${c}:${x.memberId}`] = await rawBalance(ds, await grant(c, x));
    const stock: Record<string, number> = {};
    for (const s of allSkus) stock[s.skuId] = await stockOf(ds, s.skuId);
    return { rows: await orderRowCounts(ds), balances, stock };
  }

  beforeAll(async () => {
    // AUTO_CONFIRM_DAYS=1: the auto-confirm test moves delivered_at back instead of waiting a day
    t = await startTestApp({ config: testConfig({ demoProducts: 20, autoConfirmDays: 1 }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    [admin, auditor, demoSupplier] = await Promise.all(['admin', 'auditor', 'supplier'].map((u) => t.login(u)));
    cats = await categories(t, admin);

    u1 = await createUnion(t, admin, '青岛港湾机械厂工会', 5_000_000);
    const nos = await importMembers(t, u1, 8, 'GW');
    camp1 = await openCampaign(t, u1, { name: '年货节', pointsPerMemberFen: 30_000, allowedCategoryIds: ['farm-produce', 'tea'], closesInMinutes: 60 });
    camp2 = await openCampaign(t, u1, { name: '春节慰问', pointsPerMemberFen: 50_000, closesInMinutes: 120 });
    m = await activateMembers(t, u1, nos.slice(0, 6));

    u2 = await createUnion(t, admin, '青岛纺织二厂工会', 1_000_000);
    const nos2 = await importMembers(t, u2, 4, 'FZ');
    camp3 = await openCampaign(t, u2, { name: '茶叶专享', pointsPerMemberFen: 20_000, allowedCategoryIds: [cats.get('tea')!.id], closesInMinutes: 90 });
    n = await activateMembers(t, u2, nos2.slice(0, 3));

    s1 = await createSupplier(t, admin, '崂山茶韵农业专业合作社', ['tea', 'farm-produce']);
    s2 = await createSupplier(t, admin, '胶州湾海产品有限公司', ['seafood']);
    [tea, teaGift] = await listProduct(t, admin, s1, '崂山绿茶 明前特级', cats.get('tea')!, [
      { spec: '250g/罐', priceFen: 6_800, stock: 100 },
      { spec: '礼盒 500g', priceFen: 12_800, stock: 20, perMemberLimit: 2 },
    ]);
    [millet] = await listProduct(t, admin, s1, '黄河口小米', cats.get('farm-produce')!, [{ spec: '2.5kg/袋', priceFen: 2_500, stock: 100 }]);
    [teaSet] = await listProduct(t, admin, s1, '崂山茶具礼盒', cats.get('tea')!, [{ spec: '一壶四杯', priceFen: 20_000, stock: 5 }]);
    [seaCucumber] = await listProduct(t, admin, s2, '即食海参', cats.get('seafood')!, [{ spec: '500g/盒', priceFen: 40_000, stock: 10 }]);
    [shrimp] = await listProduct(t, admin, s2, '胶州湾对虾', cats.get('seafood')!, [{ spec: '1kg/箱', priceFen: 9_900, stock: 3 }]);
    allSkus = [tea, teaGift, millet, teaSet, seaCucumber, shrimp];
    await conserved('the fixture');
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  describe('checkout', () => {
    let first: { body: Record<string, unknown> };
    const firstKey = 'first-checkout-0001';
    const firstBody = () => ({
      lines: [
        { skuId: tea.skuId, quantity: 2 },
        { skuId: seaCucumber.skuId, quantity: 1 },
        { skuId: millet.skuId, quantity: 2 },
      ],
      address: ADDRESS,
      note: '请工作日送货',
    });

    it('splits one checkout into one order per supplier, paid earliest-closing eligible grants first, with one ledger entry', async () => {
      const g1 = await grant(camp1, m[0]);
      const g2 = await grant(camp2, m[0]);
      const res = await checkout(m[0].token, firstKey, firstBody()).expect(201);
      first = res;
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body).toMatchObject({ totalFen: 2 * 6_800 + 40_000 + 2 * 2_500, replayed: false, address: { recipient: ADDRESS.recipient, detail: ADDRESS.detail } });
      // tea and millet (18,600) may be paid by 年货节, which closes first; the sea cucumber only by 春节慰问
      expect(res.body.payments).toEqual([
        expect.objectContaining({ grantAccountId: g1, campaignId: camp1, campaignName: '年货节', amountFen: 18_600 }),
        expect.objectContaining({ grantAccountId: g2, campaignId: camp2, campaignName: '春节慰问', amountFen: 40_000 }),
      ]);
      expect(res.body.orders).toHaveLength(2);
      const bySupplier = Object.fromEntries(res.body.orders.map((o: { supplierId: string }) => [o.supplierId, o]));
      expect(bySupplier[s1.supplierId]).toMatchObject({
        state: 'placed',
        totalFen: 18_600,
        itemCount: 4,
        supplierOrganizationId: s1.organizationId,
        payments: [{ grantAccountId: g1, campaignId: camp1, amountFen: 18_600 }],
      });
      expect(bySupplier[s1.supplierId].lines.map((l: { productName: string; spec: string; unitPriceFen: number; quantity: number }) => [l.productName, l.spec, l.unitPriceFen, l.quantity])).toEqual([
        ['崂山绿茶 明前特级', '250g/罐', 6_800, 2],
        ['黄河口小米', '2.5kg/袋', 2_500, 2],
      ]);
      expect(bySupplier[s2.supplierId]).toMatchObject({ totalFen: 40_000, payments: [{ grantAccountId: g2, campaignId: camp2, amountFen: 40_000 }] });

      // the ledger, read raw: one entry, grants → each order's own escrow
      const transfers = await ds.query(
        `SELECT e.id::text AS entry, e.kind, e.reference, t.debit_account_id::text AS debit, t.credit_account_id::text AS credit, t.amount::int AS amount
           FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id WHERE e.id = $1 ORDER BY t.amount`,
        [res.body.ledgerEntry.id],
      );
      expect(transfers).toEqual([
        { entry: res.body.ledgerEntry.id, kind: 'order_payment', reference: `checkout:${res.body.checkoutId}`, debit: g1, credit: bySupplier[s1.supplierId].escrowAccountId, amount: 18_600 },
        { entry: res.body.ledgerEntry.id, kind: 'order_payment', reference: `checkout:${res.body.checkoutId}`, debit: g2, credit: bySupplier[s2.supplierId].escrowAccountId, amount: 40_000 },
      ]);
      expect(res.body.ledgerEntry.hash).toMatch(/^[0-9a-f]{64}$/);
      const [{ placed }] = await ds.query(`SELECT min(placed_at) AS placed FROM orders WHERE checkout_id = $1`, [res.body.checkoutId]);
      expect(new Date(placed).toISOString()).toBe(res.body.placedAt);
      expect(await rawBalance(ds, g1)).toBe(30_000 - 18_600);
      expect(await rawBalance(ds, g2)).toBe(50_000 - 40_000);
      expect(await stockOf(ds, tea.skuId)).toBe(98);
      expect(await stockOf(ds, millet.skuId)).toBe(98);
      expect(await stockOf(ds, seaCucumber.skuId)).toBe(9);
      // the new address is kept
      const saved = await t.http.get('/api/v1/me/addresses').set(bearer(m[0].token)).expect(200);
      expect(saved.body).toEqual([expect.objectContaining({ ...ADDRESS, id: expect.any(String) })]);
      await conserved('the first checkout');
    });

    it('returns the first result for a replayed Idempotency-Key, and refuses the key with another body', async () => {
      const before = await orderRowCounts(ds);
      const replay = await checkout(m[0].token, firstKey, firstBody()).expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual({ ...first.body, replayed: true });
      const reused = await checkout(m[0].token, firstKey, { ...firstBody(), note: '改了备注' }).expect(409);
      expect(reused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { key: firstKey } });
      expect(await orderRowCounts(ds)).toEqual(before);
      // the key belongs to the user: another member may use the same key for their own checkout
      const other = await checkout(m[1].token, firstKey, { lines: [{ skuId: millet.skuId, quantity: 1 }], address: ADDRESS }).expect(201);
      expect(other.body.checkoutId).not.toBe(first.body.checkoutId);
      await t.http.post(`/api/v1/me/orders/${other.body.orders[0].id}/cancel`).set(bearer(m[1].token)).send({}).expect(200);
    });

    it('runs concurrent replays of one key once: all get the same checkout', async () => {
      const before = await orderRowCounts(ds);
      const body = { lines: [{ skuId: millet.skuId, quantity: 1 }], address: ADDRESS };
      const replies = await Promise.all(Array.from({ length: 10 }, () => checkout(m[2].token, 'double-click-0001', body)));
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
      expect(new Set(replies.map((r) => r.body.checkoutId)).size).toBe(1);
      expect(replies.filter((r) => r.body.replayed === false)).toHaveLength(1);
      const after = await orderRowCounts(ds);
      expect(after.checkouts - before.checkouts).toBe(1);
      expect(after.orders - before.orders).toBe(1);
      expect(after.entries - before.entries).toBe(1);
      expect(await rawBalance(ds, await grant(camp1, m[2]))).toBe(30_000 - 2_500);
      await t.http.post(`/api/v1/me/orders/${replies[0].body.orders[0].id}/cancel`).set(bearer(m[2].token)).send({}).expect(200);
      await conserved('concurrent replays');
    });

    it('looks keys up with generic plans for its own transaction only (the checkout path), still answering replays', async () => {
      const idem = t.app.get(IdempotencyService);
      const qr = ds.createQueryRunner();
      await qr.connect();
      try {
        const setting = async () => (await qr.query(`SELECT current_setting('plan_cache_mode') AS v`))[0].v;
        const req = { scope: 'generic-plans-test', userId: m[3].userId, key: `gp-${keySeq++}`, requestHash: 'h1' };
        expect(await setting()).toBe('auto');
        await qr.startTransaction();
        const lock = [`test:${m[3].userId}`];
        expect(await idem.lockAndLookup(qr.manager, [req], lock, { genericPlans: true })).toEqual([{ replay: false }]);
        expect(await setting()).toBe('force_generic_plan');
        const done = idem.recordCompletedCte([req], [{ ok: 1 }], 1); // as the checkout records its keys
        await qr.query(done.cte, done.params);
        await qr.commitTransaction();
        expect(await setting()).toBe('auto');
        await qr.startTransaction();
        expect(await idem.lockAndLookup(qr.manager, [req], lock, { genericPlans: true })).toEqual([{ replay: true, response: { ok: 1 } }]);
        expect(await setting()).toBe('force_generic_plan');
        await qr.rollbackTransaction();
        expect(await setting()).toBe('auto');
        await qr.startTransaction();
        expect(await idem.lockAndLookup(qr.manager, [{ ...req, key: `gp-${keySeq++}` }], lock)).toEqual([{ replay: false }]);
        expect(await setting()).toBe('auto');
        await qr.rollbackTransaction();
      } finally {
        await qr.release();
      }
    });

    it('requires the Idempotency-Key header and a valid body', async () => {
      const noKey = await t.http.post('/api/v1/checkout').set(bearer(m[1].token)).send({ lines: [{ skuId: tea.skuId, quantity: 1 }], address: ADDRESS }).expect(400);
      expect(noKey.body.error.details.fields[0].field).toBe('Idempotency-Key');
      const bad = await checkout(m[1].token, key(), { lines: [{ skuId: tea.skuId, quantity: 0 }], address: { ...ADDRESS, phone: 'x' }, coupon: 'FREE' }).expect(400);
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['address.phone', 'coupon', 'lines[0].quantity']);
      const neither = await checkout(m[1].token, key(), { lines: [{ skuId: tea.skuId, quantity: 1 }] }).expect(400);
      expect(neither.body.error.code).toBe('VALIDATION_FAILED');
      await checkout(demoSupplier, key(), { lines: [{ skuId: tea.skuId, quantity: 1 }], address: ADDRESS }).expect(403);
      await checkout(auditor, key(), { lines: [{ skuId: tea.skuId, quantity: 1 }], address: ADDRESS }).expect(403);
      // the contract, as the OpenAPI document states it
      const op = t.openApi.paths['/api/v1/checkout'].post!;
      expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
      expect((op as unknown as Record<string, unknown>)['x-roles']).toEqual(['worker']);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409', '422']));
      for (const path of Object.keys(t.openApi.paths).filter((p) => /\/(checkout|me\/orders|me\/addresses|supplier\/orders|orders|reviews)/.test(p))) {
        for (const [method, o] of Object.entries(t.openApi.paths[path])) {
          expect({ path, method, roles: (o as Record<string, unknown>)['x-roles'] }).toEqual({ path, method, roles: expect.any(Array) });
        }
      }
    });

    describe('refusals are precise and leave nothing behind', () => {
      async function refused(token: string, body: Record<string, unknown>, status: number, code: string) {
        const before = await snapshot([...m, ...n], []);
        const res = await checkout(token, key(), body).expect(status);
        expect(res.body.error.code).toBe(code);
        expect(await snapshot([...m, ...n], [])).toEqual(before);
        return res.body.error;
      }

      it('OUT_OF_STOCK names the SKU and how many are left', async () => {
        const err = await refused(m[1].token, { lines: [{ skuId: tea.skuId, quantity: 1 }, { skuId: shrimp.skuId, quantity: 4 }], address: ADDRESS }, 409, 'OUT_OF_STOCK');
        expect(err.details).toEqual({ skuId: shrimp.skuId, requested: 4, available: 3 });
      });

      it('INSUFFICIENT_POINTS counts only what eligible grants can pay', async () => {
        // 80,000 of points in all, but 年货节's 30,000 cannot buy seafood
        const before = [await rawBalance(ds, await grant(camp1, m[3])), await rawBalance(ds, await grant(camp2, m[3]))];
        expect(before).toEqual([30_000, 50_000]);
        const err = await refused(m[3].token, { lines: [{ skuId: seaCucumber.skuId, quantity: 2 }], address: ADDRESS }, 422, 'INSUFFICIENT_POINTS');
        expect(err.details).toEqual({ needed: 80_000, available: 50_000, shortfall: 30_000 });
      });

      it('INSUFFICIENT_POINTS (not WINDOW_CLOSED) once a grant is spent to the last fen', async () => {
        await checkout(n[2].token, key(), { lines: [{ skuId: teaSet.skuId, quantity: 1 }], address: ADDRESS }).expect(201);
        expect(await rawBalance(ds, await grant(camp3, n[2]))).toBe(0);
        const err = await refused(n[2].token, { lines: [{ skuId: tea.skuId, quantity: 1 }], address: ADDRESS }, 422, 'INSUFFICIENT_POINTS');
        expect(err.details).toEqual({ needed: 6_800, available: 0, shortfall: 6_800 });
      });

      it('NOT_ELIGIBLE names the SKU no open campaign of the member admits', async () => {
        const err = await refused(n[0].token, { lines: [{ skuId: tea.skuId, quantity: 1 }, { skuId: shrimp.skuId, quantity: 1 }], address: ADDRESS }, 422, 'NOT_ELIGIBLE');
        expect(err.details).toMatchObject({ skuId: shrimp.skuId, productName: '胶州湾对虾', campaigns: [{ campaignId: camp3, campaignName: '茶叶专享' }] });
      });

      it('LIMIT_EXCEEDED counts what the member already bought', async () => {
        const ok = await checkout(m[4].token, key(), { lines: [{ skuId: teaGift.skuId, quantity: 2 }], address: ADDRESS }).expect(201);
        const err = await refused(m[4].token, { lines: [{ skuId: teaGift.skuId, quantity: 1 }], address: ADDRESS }, 422, 'LIMIT_EXCEEDED');
        expect(err.details).toEqual({ skuId: teaGift.skuId, limit: 2, alreadyBought: 2, requested: 1, remaining: 0 });
        // a cancelled order no longer counts
        await t.http.post(`/api/v1/me/orders/${ok.body.orders[0].id}/cancel`).set(bearer(m[4].token)).send({ reason: '买重了' }).expect(200);
        const again = await checkout(m[4].token, key(), { lines: [{ skuId: teaGift.skuId, quantity: 2 }], address: ADDRESS }).expect(201);
        await t.http.post(`/api/v1/me/orders/${again.body.orders[0].id}/cancel`).set(bearer(m[4].token)).send({}).expect(200);
        await conserved('limits');
      });

      it('SKU_NOT_AVAILABLE and ADDRESS_NOT_FOUND', async () => {
        const ghost = '00000000-0000-4000-8000-000000000001';
        const err = await refused(m[1].token, { lines: [{ skuId: ghost, quantity: 1 }], address: ADDRESS }, 422, 'SKU_NOT_AVAILABLE');
        expect(err.details).toEqual({ skuIds: [ghost] });
        await refused(m[1].token, { lines: [{ skuId: tea.skuId, quantity: 1 }], addressId: ghost }, 422, 'ADDRESS_NOT_FOUND');
        // another member's saved address is not yours
        const [mine] = (await t.http.get('/api/v1/me/addresses').set(bearer(m[0].token)).expect(200)).body;
        await refused(m[1].token, { lines: [{ skuId: tea.skuId, quantity: 1 }], addressId: mine.id }, 422, 'ADDRESS_NOT_FOUND');
      });
    });
  });

  describe('the order lifecycle', () => {
    let s1Order: string; // from the first checkout: tea + millet
    let s2Order: string; // sea cucumber

    beforeAll(async () => {
      const mine = await t.http.get('/api/v1/me/orders').set(bearer(m[0].token)).expect(200);
      s1Order = mine.body.items.find((o: { supplierId: string }) => o.supplierId === s1.supplierId).id;
      s2Order = mine.body.items.find((o: { supplierId: string }) => o.supplierId === s2.supplierId).id;
    });

    it('shows each supplier only its own orders', async () => {
      const inbox = await t.http.get('/api/v1/supplier/orders?state=placed').set(bearer(s1.token)).expect(200);
      expect(inbox.body.items.map((o: { id: string }) => o.id)).toContain(s1Order);
      expect(inbox.body.items.every((o: { supplierOrganizationId: string; state: string }) => o.supplierOrganizationId === s1.organizationId && o.state === 'placed')).toBe(true);
      const other = await t.http.get('/api/v1/supplier/orders').set(bearer(s2.token)).expect(200);
      expect(other.body.items.map((o: { id: string }) => o.id)).not.toContain(s1Order);
      for (const token of [s2.token, demoSupplier]) {
        expect((await t.http.get(`/api/v1/supplier/orders/${s1Order}`).set(bearer(token)).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');
        expect((await t.http.post(`/api/v1/supplier/orders/${s1Order}/accept`).set(bearer(token)).send({}).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');
      }
      const [{ refusals }] = await ds.query(`SELECT count(*)::int AS refusals FROM security_events WHERE kind = 'cross_tenant_refused' AND detail->>'orderId' = $1`, [s1Order]);
      expect(refusals).toBe(4);
      // members see only theirs; suppliers and union admins do not reach the platform list
      expect((await t.http.get(`/api/v1/me/orders/${s1Order}`).set(bearer(m[1].token)).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');
      await t.http.get('/api/v1/orders').set(bearer(s1.token)).expect(403);
      await t.http.get('/api/v1/orders').set(bearer(u1.adminToken)).expect(403);
      await t.http.get('/api/v1/orders').set(bearer(m[0].token)).expect(403);
      const all = await t.http.get(`/api/v1/orders?supplierOrganizationId=${s1.organizationId}`).set(bearer(auditor)).expect(200);
      expect(all.body.items.map((o: { id: string }) => o.id)).toContain(s1Order);
      await t.http.get(`/api/v1/orders/${s1Order}`).set(bearer(admin)).expect(200);
    });

    it('guards every transition: actor, state and inputs', async () => {
      const wrongState = await t.http.post(`/api/v1/supplier/orders/${s1Order}/ship`).set(bearer(s1.token)).send({ carrier: '顺丰速运', trackingNo: 'SF100' }).expect(409);
      expect(wrongState.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { state: 'placed', allowedFrom: ['accepted'] } });
      await t.http.post(`/api/v1/me/orders/${s1Order}/confirm`).set(bearer(m[0].token)).send({}).expect(409);
      await t.http.post(`/api/v1/supplier/orders/${s1Order}/reject`).set(bearer(s1.token)).send({}).expect(400);
      await t.http.post(`/api/v1/supplier/orders/${s1Order}/cancel`).set(bearer(s1.token)).send({}).expect(404);
      await t.http.post(`/api/v1/me/orders/${s1Order}/cancel`).set(bearer(s1.token)).send({}).expect(403);
      expect((await t.http.post(`/api/v1/supplier/orders/${s1Order}/accept`).set(bearer(auditor)).send({}).expect(403)).body.error.code).toBe('AUDITOR_READ_ONLY');
      const detail = await t.http.get(`/api/v1/me/orders/${s1Order}`).set(bearer(m[0].token)).expect(200);
      expect(detail.body).toMatchObject({ state: 'placed', availableActions: ['cancel'], timeline: [expect.objectContaining({ action: 'place', toState: 'placed', actorKind: 'member', actorUserId: m[0].userId })] });
    });

    it('runs placed → accepted → shipped → delivered → completed with history, and moves escrow to the supplier payable', async () => {
      const escrow = (await t.http.get(`/api/v1/me/orders/${s1Order}`).set(bearer(m[0].token))).body.escrowAccountId;
      expect(await rawBalance(ds, escrow)).toBe(18_600);
      // two clicks at once: the order row lock lets one through
      const accepts = await Promise.all([1, 2].map(() => t.http.post(`/api/v1/supplier/orders/${s1Order}/accept`).set(bearer(s1.token)).send({})));
      expect(accepts.map((r) => r.status).sort()).toEqual([200, 409]);

      // pick list: the accepted order's lines, formulas neutralised
      const csv = await t.http.get('/api/v1/supplier/orders/pick-list.csv?state=accepted').set(bearer(s1.token)).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parse(csv.text, { columns: true, bom: true }) as Record<string, string>[];
      const mine = rows.filter((r) => r.order_id === s1Order);
      expect(mine.map((r) => [r.product_name, r.quantity, r.recipient, r.address])).toEqual([
        ['崂山绿茶 明前特级', '2', ADDRESS.recipient, ADDRESS.detail],
        ['黄河口小米', '2', ADDRESS.recipient, ADDRESS.detail],
      ]);
      expect(rows.every((r) => r.state === 'accepted')).toBe(true);
      expect((await t.http.get('/api/v1/supplier/orders/pick-list.csv').set(bearer(s2.token)).expect(200)).text).not.toContain(s1Order);

      const shipped = await t.http.post(`/api/v1/supplier/orders/${s1Order}/ship`).set(bearer(s1.token)).send({ carrier: '顺丰速运', trackingNo: 'SF1234567890' }).expect(200);
      expect(shipped.body).toMatchObject({ state: 'shipped', shipment: { carrier: '顺丰速运', trackingNo: 'SF1234567890' } });
      await t.http.post(`/api/v1/supplier/orders/${s1Order}/deliver`).set(bearer(s1.token)).send({}).expect(200);
      const done = await t.http.post(`/api/v1/me/orders/${s1Order}/confirm`).set(bearer(m[0].token)).send({}).expect(200);
      expect(done.body.state).toBe('completed');
      expect(done.body.timeline.map((h: { action: string; fromState: string; toState: string; actorKind: string }) => [h.action, h.fromState, h.toState, h.actorKind])).toEqual([
        ['place', null, 'placed', 'member'],
        ['accept', 'placed', 'accepted', 'supplier'],
        ['ship', 'accepted', 'shipped', 'supplier'],
        ['deliver', 'shipped', 'delivered', 'supplier'],
        ['confirm', 'delivered', 'completed', 'member'],
      ]);
      expect(done.body.times).toMatchObject({ acceptedAt: expect.any(String), shippedAt: expect.any(String), deliveredAt: expect.any(String), completedAt: expect.any(String), cancelledAt: null });
      expect(done.body.availableActions).toEqual(['request_return']);
      expect(await rawBalance(ds, escrow)).toBe(0);
      expect(await rawBalance(ds, done.body.payableAccountId)).toBe(18_600);
      const [payable] = await ds.query(`SELECT type, owner_type, owner_id::text AS owner_id FROM ledger_accounts WHERE id = $1`, [done.body.payableAccountId]);
      expect(payable).toEqual({ type: 'supplier_payable', owner_type: 'supplier', owner_id: s1.supplierId });
      expect(done.body.ledgerEntries.map((e: { kind: string; amountFen: number }) => [e.kind, e.amountFen])).toEqual([
        ['payment', 18_600],
        ['completion', 18_600],
      ]);
      const product = await t.http.get(`/api/v1/catalog/products/${tea.productId}`).set(bearer(m[0].token)).expect(200);
      expect(product.body.salesCount).toBe(2);
      await conserved('completion');
    });

    it('gives the member a receipt with the entry hash and, once sealed, an inclusion proof', async () => {
      const receipt = await eventually(
        async () => {
          const r = await t.http.get(`/api/v1/me/orders/${s1Order}/receipt`).set(bearer(m[0].token)).expect(200);
          return r.body.entries.every((e: { sealed: boolean }) => e.sealed) ? r.body : null;
        },
        30_000,
        'the order’s entries sealed',
      );
      expect(receipt.payment).toMatchObject({ kind: 'payment', amountFen: 18_600, hash: expect.stringMatching(/^[0-9a-f]{64}$/), sealed: true, block: { height: expect.any(Number), hash: expect.any(String) } });
      expect(receipt.payment.proof.entryHash).toBe(receipt.payment.hash);
      expect(receipt.payment.proof.entry.id).toBe(receipt.payment.ledgerEntryId);
      for (const e of receipt.entries) expect(verifyEntryProof(e.proof)).toEqual({ ok: true });
      // the member's copy of the entry is the one in the ledger
      const [row] = await ds.query(`SELECT reference FROM ledger_entries WHERE id = $1`, [receipt.payment.ledgerEntryId]);
      expect(row.reference).toBe(`checkout:${receipt.order.checkoutId}`);
      await t.http.get(`/api/v1/me/orders/${s1Order}/receipt`).set(bearer(m[1].token)).expect(403);
    });

    it('takes one review per completed line, updates the product rating and the positive-review rate', async () => {
      const detail = (await t.http.get(`/api/v1/me/orders/${s1Order}`).set(bearer(m[0].token))).body;
      const [teaLine, milletLine] = detail.lines;
      // ids spelled in upper case (ParseUUIDPipe accepts them) come back as stored
      const r1 = await t.http.post(`/api/v1/me/orders/${s1Order.toUpperCase()}/lines/${teaLine.id.toUpperCase()}/review`).set(bearer(m[0].token)).send({ stars: 5, text: '茶香浓郁，包装完好' }).expect(201);
      expect(r1.body).toMatchObject({ orderId: s1Order, orderLineId: teaLine.id, productId: tea.productId, stars: 5 });
      const twice = await Promise.all([1, 2].map(() => t.http.post(`/api/v1/me/orders/${s1Order}/lines/${milletLine.id}/review`).set(bearer(m[0].token)).send({ stars: 2, text: '一般' })));
      expect(twice.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(twice.find((r) => r.status === 409)!.body.error.code).toBe('ALREADY_REVIEWED');
      await t.http.post(`/api/v1/me/orders/${s1Order}/lines/${teaLine.id}/review`).set(bearer(m[0].token)).send({ stars: 6 }).expect(400);
      expect((await t.http.post(`/api/v1/me/orders/${s1Order}/lines/${teaLine.id}/review`).set(bearer(m[1].token)).send({ stars: 1 }).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');
      const placed = (await t.http.get(`/api/v1/me/orders/${s2Order}`).set(bearer(m[0].token))).body;
      expect((await t.http.post(`/api/v1/me/orders/${s2Order}/lines/${placed.lines[0].id}/review`).set(bearer(m[0].token)).send({ stars: 4 }).expect(409)).body.error.code).toBe('ORDER_NOT_COMPLETED');

      const product = await t.http.get(`/api/v1/catalog/products/${millet.productId}`).set(bearer(m[0].token)).expect(200);
      expect(product.body).toMatchObject({ ratingCount: 1, ratingAverage: 2 });
      expect((await t.http.get(`/api/v1/me/orders/${s1Order}`).set(bearer(m[0].token))).body.lines[0].review).toMatchObject({ stars: 5, text: '茶香浓郁，包装完好' });
      const rate = await t.http.get('/api/v1/reviews/positive-rate').set(bearer(auditor)).expect(200);
      expect(rate.body).toEqual({ reviews: 2, positive: 1, rate: 0.5 });
      await t.http.get('/api/v1/reviews/positive-rate').set(bearer(m[0].token)).expect(403);
    });

    it('completes a delivered order nobody confirmed through the delayed auto-confirm job', async () => {
      const placed = await checkout(m[3].token, key(), { lines: [{ skuId: millet.skuId, quantity: 1 }], address: ADDRESS }).expect(201);
      const id = placed.body.orders[0].id;
      await t.http.post(`/api/v1/supplier/orders/${id}/accept`).set(bearer(s1.token)).send({}).expect(200);
      await t.http.post(`/api/v1/supplier/orders/${id}/ship`).set(bearer(s1.token)).send({ carrier: '京东物流', trackingNo: 'JD0001' }).expect(200);
      await t.http.post(`/api/v1/supplier/orders/${id}/deliver`).set(bearer(s1.token)).send({}).expect(200);
      const [outbox] = await ds.query(`SELECT queue, name, delay_ms::int AS delay FROM outbox WHERE job_id = $1`, [`auto-confirm.${id}`]);
      expect(outbox).toEqual({ queue: QUEUES.orderTimers, name: 'auto-confirm', delay: 24 * 3600 * 1000 });
      // the database clock decides: a job run early completes nothing
      const transitions = t.app.get(OrderTransitionService);
      expect(await transitions.autoConfirm(id, 'job')).toMatchObject({ outcome: 'not_due', remainingMs: expect.any(Number) });
      expect((await t.http.get(`/api/v1/me/orders/${id}`).set(bearer(m[3].token))).body.state).toBe('delivered');
      // a day passes (the test moves the delivery back instead), and the delayed job is due
      await ds.query(`UPDATE orders SET delivered_at = now() - interval '25 hours' WHERE id = $1`, [id]);
      const job = await eventually(() => t.app.get(QueueRegistry).get(QUEUES.orderTimers).getJob(`auto-confirm.${id}`), 30_000, 'the relayed auto-confirm job');
      await job.promote();
      const done = await eventually(
        async () => {
          const o = (await t.http.get(`/api/v1/me/orders/${id}`).set(bearer(m[3].token))).body;
          return o.state === 'completed' ? o : null;
        },
        30_000,
        'auto-confirmed',
      );
      expect(done.timeline.at(-1)).toMatchObject({
        action: 'auto_confirm',
        fromState: 'delivered',
        toState: 'completed',
        actorKind: 'system',
        actorUserId: null,
        reason: 'Not confirmed within 1 day of delivery',
        details: { trigger: 'job' },
      });
      // a redelivered job (or a late member click) changes nothing
      expect(await transitions.autoConfirm(id, 'job')).toEqual({ outcome: 'not_delivered', state: 'completed' });
      await t.http.post(`/api/v1/me/orders/${id}/confirm`).set(bearer(m[3].token)).send({}).expect(409);
      const [{ n: completions }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1 AND kind = 'order_completion'`, [`order:${id}`]);
      expect(completions).toBe(1);
      expect(await rawBalance(ds, done.escrowAccountId)).toBe(0);
      await conserved('auto-confirm');
    });
  });

  describe('refunds go back to the very grants, or to the pool / budget once the window closed', () => {
    it('cancel (member, placed): escrow → the grants, stock restored', async () => {
      const g1 = await grant(camp1, m[5]);
      const g2 = await grant(camp2, m[5]);
      const placed = await checkout(m[5].token, key(), { lines: [{ skuId: teaGift.skuId, quantity: 2 }, { skuId: seaCucumber.skuId, quantity: 1 }, { skuId: tea.skuId, quantity: 1 }], address: ADDRESS }).expect(201);
      // 年货节 (30,000) pays tea first; 春节慰问 the rest
      expect(placed.body.payments.map((p: { campaignId: string; amountFen: number }) => [p.campaignId, p.amountFen])).toEqual([
        [camp1, 30_000],
        [camp2, 2 * 12_800 + 6_800 + 40_000 - 30_000],
      ]);
      const stockBefore = { gift: await stockOf(ds, teaGift.skuId), sea: await stockOf(ds, seaCucumber.skuId) };
      const s1o = placed.body.orders.find((o: { supplierId: string }) => o.supplierId === s1.supplierId);
      const cancelled = await t.http.post(`/api/v1/me/orders/${s1o.id}/cancel`).set(bearer(m[5].token)).send({ reason: '不需要了' }).expect(200);
      expect(cancelled.body).toMatchObject({ state: 'cancelled', availableActions: [] });
      expect(cancelled.body.payments).toHaveLength(s1o.payments.length);
      expect(cancelled.body.payments).toEqual(
        expect.arrayContaining(s1o.payments.map((p: { grantAccountId: string }) => expect.objectContaining({ grantAccountId: p.grantAccountId, refund: expect.objectContaining({ route: 'grant', accountId: p.grantAccountId }) }))),
      );
      expect(cancelled.body.timeline.at(-1)).toMatchObject({ action: 'cancel', reason: '不需要了', actorUserId: m[5].userId });
      expect(await stockOf(ds, teaGift.skuId)).toBe(stockBefore.gift + 2);
      expect(await stockOf(ds, seaCucumber.skuId)).toBe(stockBefore.sea);
      expect(await rawBalance(ds, s1o.escrowAccountId)).toBe(0);
      // what the S1 order took from each grant came back to that grant
      const s2o = placed.body.orders.find((o: { supplierId: string }) => o.supplierId === s2.supplierId);
      const heldByS2 = (g: string) => s2o.payments.filter((p: { grantAccountId: string }) => p.grantAccountId === g).reduce((a: number, p: { amountFen: number }) => a + p.amountFen, 0);
      expect(await rawBalance(ds, g1)).toBe(30_000 - heldByS2(g1));
      expect(await rawBalance(ds, g2)).toBe(50_000 - heldByS2(g2));
      const [entry] = await ds.query(`SELECT kind, reference FROM ledger_entries WHERE reference = $1 AND kind = 'order_refund'`, [`order:${s1o.id}`]);
      expect(entry).toEqual({ kind: 'order_refund', reference: `order:${s1o.id}` });
      // cancelling twice refunds once
      expect((await t.http.post(`/api/v1/me/orders/${s1o.id}/cancel`).set(bearer(m[5].token)).send({}).expect(409)).body.error.code).toBe('INVALID_TRANSITION');
      // an accepted order is the supplier's to reject, not the member's to cancel
      await t.http.post(`/api/v1/supplier/orders/${s2o.id}/accept`).set(bearer(s2.token)).send({}).expect(200);
      await t.http.post(`/api/v1/me/orders/${s2o.id}/cancel`).set(bearer(m[5].token)).send({}).expect(409);
      await conserved('cancel');
    });

    it('reject (supplier, with a reason): escrow → the grants, stock restored', async () => {
      const mine = await t.http.get('/api/v1/me/orders?state=accepted').set(bearer(m[5].token)).expect(200);
      const order = mine.body.items[0];
      const g2 = await grant(camp2, m[5]);
      const before = await rawBalance(ds, g2);
      const stock = await stockOf(ds, seaCucumber.skuId);
      const rejected = await t.http.post(`/api/v1/supplier/orders/${order.id}/reject`).set(bearer(s2.token)).send({ reason: '海参批次检验未通过' }).expect(200);
      expect(rejected.body).toMatchObject({ state: 'rejected' });
      expect(rejected.body.timeline.at(-1)).toMatchObject({ action: 'reject', fromState: 'accepted', reason: '海参批次检验未通过', actorKind: 'supplier' });
      expect(await rawBalance(ds, g2)).toBe(before + order.totalFen);
      expect(await stockOf(ds, seaCucumber.skuId)).toBe(stock + 1);
      await conserved('reject');
    });

    it('approved return (after completion): supplier payable → the grants, stock restored; a declined return moves nothing', async () => {
      const mine = await t.http.get('/api/v1/me/orders?state=completed').set(bearer(m[0].token)).expect(200);
      const order = (await t.http.get(`/api/v1/me/orders/${mine.body.items[0].id}`).set(bearer(m[0].token))).body;
      const g1 = await grant(camp1, m[0]);
      const salesOf = async () => Number((await ds.query(`SELECT sales_count FROM products WHERE id = $1`, [tea.productId]))[0].sales_count);
      const before = { grant: await rawBalance(ds, g1), payable: await rawBalance(ds, order.payableAccountId), tea: await stockOf(ds, tea.skuId), sales: await salesOf() };
      await t.http.post(`/api/v1/me/orders/${order.id}/return-request`).set(bearer(m[0].token)).send({}).expect(400);
      await t.http.post(`/api/v1/supplier/orders/${order.id}/approve-return`).set(bearer(s1.token)).send({}).expect(409);
      const requested = await t.http.post(`/api/v1/me/orders/${order.id}/return-request`).set(bearer(m[0].token)).send({ reason: '茶叶受潮' }).expect(200);
      expect(requested.body.state).toBe('return_requested');
      const returned = await t.http.post(`/api/v1/supplier/orders/${order.id}/approve-return`).set(bearer(s1.token)).send({}).expect(200);
      expect(returned.body).toMatchObject({ state: 'returned', payments: [expect.objectContaining({ grantAccountId: g1, refund: expect.objectContaining({ route: 'grant' }) })] });
      expect(await rawBalance(ds, g1)).toBe(before.grant + order.totalFen);
      expect(await rawBalance(ds, order.payableAccountId)).toBe(before.payable - order.totalFen);
      expect(await stockOf(ds, tea.skuId)).toBe(before.tea + 2);
      // the returned units no longer count as sold
      expect(await salesOf()).toBe(before.sales - 2);
      expect(returned.body.ledgerEntries.map((e: { kind: string }) => e.kind)).toEqual(['payment', 'completion', 'return_refund']);

      // the auto-confirmed order: its return is declined, with a reason
      const other = (await t.http.get('/api/v1/me/orders?state=completed').set(bearer(m[3].token)).expect(200)).body.items[0];
      await t.http.post(`/api/v1/me/orders/${other.id}/return-request`).set(bearer(m[3].token)).send({ reason: '不想要了' }).expect(200);
      await t.http.post(`/api/v1/supplier/orders/${other.id}/decline-return`).set(bearer(s1.token)).send({}).expect(400);
      const entriesBefore = (await orderRowCounts(ds)).entries;
      const declined = await t.http.post(`/api/v1/supplier/orders/${other.id}/decline-return`).set(bearer(s1.token)).send({ reason: '已拆封食品不退' }).expect(200);
      expect(declined.body).toMatchObject({ state: 'return_declined', availableActions: [] });
      expect((await orderRowCounts(ds)).entries).toBe(entriesBefore);
      await conserved('returns');
    });

    it('after the window closes: a refund goes to the campaign pool, and once the campaign is settled to the union budget', async () => {
      const teaLine = { lines: [{ skuId: tea.skuId, quantity: 1 }], address: ADDRESS };
      const a = await checkout(n[0].token, key(), teaLine).expect(201);
      const b = await checkout(n[1].token, key(), teaLine).expect(201);
      expect(a.body.payments).toEqual([expect.objectContaining({ campaignId: camp3, amountFen: 6_800 })]);
      await t.http.post(`/api/v1/supplier/orders/${b.body.orders[0].id}/accept`).set(bearer(s1.token)).send({}).expect(200);
      const pool = await poolOf(ds, camp3);
      const budget = await budgetOf(ds, u2.unionId);

      // the window's end comes (the test moves it to now rather than wait)
      await ds.query(`UPDATE campaigns SET closes_at = now() WHERE id = $1`, [camp3]);
      const before = await snapshot(n, [camp3]);
      const closed = await checkout(n[2].token, key(), teaLine).expect(409);
      expect(closed.body.error.code).toBe('WINDOW_CLOSED');
      expect(await snapshot(n, [camp3])).toEqual(before);

      const poolBefore = await rawBalance(ds, pool);
      const grantBefore = await rawBalance(ds, await grant(camp3, n[0]));
      const cancelled = await t.http.post(`/api/v1/me/orders/${a.body.orders[0].id}/cancel`).set(bearer(n[0].token)).send({}).expect(200);
      expect(cancelled.body.payments).toEqual([expect.objectContaining({ refund: expect.objectContaining({ route: 'campaign_pool', accountId: pool }) })]);
      expect(await rawBalance(ds, pool)).toBe(poolBefore + 6_800);
      expect(await rawBalance(ds, await grant(camp3, n[0]))).toBe(grantBefore);
      await conserved('refund to the pool');

      // the close job: unspent grants expire to the pool, the pool returns to the union budget
      await t.app.get(CampaignWindowService).close(camp3);
      expect(await rawBalance(ds, pool)).toBe(0);
      const budgetBefore = await rawBalance(ds, budget);
      const rejected = await t.http.post(`/api/v1/supplier/orders/${b.body.orders[0].id}/reject`).set(bearer(s1.token)).send({ reason: '缺货' }).expect(200);
      expect(rejected.body.payments).toEqual([expect.objectContaining({ refund: expect.objectContaining({ route: 'union_budget', accountId: budget }) })]);
      expect(await rawBalance(ds, budget)).toBe(budgetBefore + 6_800);
      expect(await rawBalance(ds, await grant(camp3, n[1]))).toBe(0);
      await conserved('refund to the union budget');
    });
  });

  describe('saved addresses', () => {
    it('keeps, deduplicates, uses and forgets addresses, each member only their own', async () => {
      const other = { recipient: '李娜', phone: '13905320002', detail: '青岛市崂山区海尔路 1 号' };
      const saved = await t.http.post('/api/v1/me/addresses').set(bearer(m[1].token)).send(other).expect(201);
      const again = await t.http.post('/api/v1/me/addresses').set(bearer(m[1].token)).send({ ...other, detail: ` ${other.detail} ` }).expect(201);
      expect(again.body.id).toBe(saved.body.id);
      const placed = await checkout(m[1].token, key(), { lines: [{ skuId: millet.skuId, quantity: 1 }], addressId: saved.body.id }).expect(201);
      expect(placed.body.address).toEqual({ ...other, regionCode: null });
      await t.http.delete(`/api/v1/me/addresses/${saved.body.id}`).set(bearer(m[0].token)).expect(404);
      await t.http.delete(`/api/v1/me/addresses/${saved.body.id}`).set(bearer(m[1].token)).expect(204);
      expect((await t.http.get('/api/v1/me/addresses').set(bearer(m[1].token))).body.map((x: { id: string }) => x.id)).not.toContain(saved.body.id);
      // the order keeps its own copy
      expect((await t.http.get(`/api/v1/me/orders/${placed.body.orders[0].id}`).set(bearer(m[1].token))).body.address).toMatchObject(other);
    });

    it('checks an address as it will be stored: blank names and too few phone digits are 400 with every field, spaces in a phone are dropped', async () => {
      const before = (await t.http.get('/api/v1/me/addresses').set(bearer(m[2].token)).expect(200)).body.length;
      const blank = { recipient: '   ', phone: '1 2 3', detail: ' \u3000 ' };
      const saved = await t.http.post('/api/v1/me/addresses').set(bearer(m[2].token)).send(blank).expect(400);
      expect(saved.body.error.code).toBe('VALIDATION_FAILED');
      expect(saved.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['detail', 'phone', 'recipient']);
      const placed = await checkout(m[2].token, key(), { lines: [{ skuId: millet.skuId, quantity: 1 }], address: { ...ADDRESS, phone: '+-+-+-' } }).expect(400);
      expect(placed.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['address.phone']);
      expect((await t.http.get('/api/v1/me/addresses').set(bearer(m[2].token)).expect(200)).body).toHaveLength(before);
      const spaced = await t.http.post('/api/v1/me/addresses').set(bearer(m[2].token)).send({ recipient: ' 张伟 ', phone: '138 0532 0009', detail: '青岛市李沧区书院路 9 号' }).expect(201);
      expect(spaced.body).toMatchObject({ recipient: '张伟', phone: '13805320009' });
      await t.http.delete(`/api/v1/me/addresses/${spaced.body.id}`).set(bearer(m[2].token)).expect(204);
    });

    it('neutralises formulas in the pick list', async () => {
      const evil = { recipient: '=HYPERLINK("http://evil.example","点我")', phone: '13905320003', detail: '@SUM(1+1)' };
      const placed = await checkout(m[2].token, key(), { lines: [{ skuId: millet.skuId, quantity: 1 }], address: evil, note: '+86 提前电话' }).expect(201);
      await t.http.post(`/api/v1/supplier/orders/${placed.body.orders[0].id}/accept`).set(bearer(s1.token)).send({}).expect(200);
      const csv = await t.http.get('/api/v1/supplier/orders/pick-list.csv').set(bearer(s1.token)).expect(200);
      const row = (parse(csv.text, { columns: true, bom: true }) as Record<string, string>[]).find((r) => r.order_id === placed.body.orders[0].id)!;
      expect(row).toMatchObject({ recipient: `'${evil.recipient}`, address: `'${evil.detail}`, note: "'+86 提前电话" });
    });
  });

  describe('in the end', () => {
    it('keeps every order’s money where its state says it is', async () => {
      const orders: { id: string; state: string; total_fen: string; escrow_account_id: string }[] = await ds.query(`SELECT id, state, total_fen, escrow_account_id::text AS escrow_account_id FROM orders`);
      for (const o of orders) {
        const held = ['placed', 'accepted', 'shipped', 'delivered'].includes(o.state) ? Number(o.total_fen) : 0;
        expect({ id: o.id, escrow: await rawBalance(ds, o.escrow_account_id) }).toEqual({ id: o.id, escrow: held });
      }
      // every SKU: what is in stock plus what orders hold is what the supplier listed
      for (const s of allSkus) expect((await stockOf(ds, s.skuId)) + (await soldOf(ds, s.skuId))).toBe(s.stock);
      const totals = await conserved('the end');
      expect(totals.byType.supplier_payable).toBeGreaterThan(0);
    });
  });
});
