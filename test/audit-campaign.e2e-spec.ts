import { APP_CONFIG, AppConfig } from '@huigong/common';
import { LedgerService } from '@huigong/ledger';
import { CampaignWindowService } from '@huigong/points';
import { INestApplicationContext } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { assertConservation } from './support/ledger-conservation';
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
  poolOf,
  SkuCtx,
  SupplierCtx,
  UnionCtx,
} from './support/ordering-fixture';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';
import { readZip } from './support/unzip';

/**
 * The campaign trace, the audit pack and the ledger export over a scenario seeded through the API.
 * Every expected figure below is worked out by hand from the scenario (see the comments), never
 * read back from the code under test.
 *
 * Scenario — campaign 中秋慰问 of one union: 3 members × 20,000 fen = 60,000 reserved.
 *   A buys 2 × 小米 (3,000, farm-produce, S1) + 1 × 对虾 (4,500, seafood, S2): orders O1 (S1, 6,000), O2 (S2, 4,500)
 *   B buys 1 × 对虾 (O3, S2, 4,500) and cancels it while the window is open (back into B's grant),
 *     then 3 × 绿茶 (1,250, tea, S1): O4 (S1, 3,750)
 *   C never activates, never spends.
 *   O1 is completed (accept, ship, deliver, confirm); O2 is shipped; O4 stays placed.
 * Then the window closes: A's 9,500, B's 16,250 and C's 20,000 expire into the pool and the pool's
 * 45,750 returns to the union budget. After the close S1 rejects O4 (3,750 → union budget) and A
 * returns O1 (6,000 from S1's payable → union budget).
 */
const ADDRESS = { recipient: '孙立华', phone: '13805320009', regionCode: '370202', detail: '青岛市市南区东海西路 9 号' };
const repoRoot = resolve(__dirname, '..');

describe('audit: campaign trace, audit pack, ledger export (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let admin: string;
  let auditor: string;
  let union: UnionCtx;
  let otherUnion: UnionCtx;
  let campaign: string;
  let a: MemberCtx;
  let b: MemberCtx;
  let cNo: string;
  let s1: SupplierCtx;
  let s2: SupplierCtx;
  let cats: Map<string, CategoryCtx>;
  let millet: SkuCtx;
  let shrimp: SkuCtx;
  let tea: SkuCtx;
  const order: Record<'O1' | 'O2' | 'O3' | 'O4', string> = { O1: '', O2: '', O3: '', O4: '' };
  let periodStart: string;
  let tmp: string;

  const checkout = async (who: MemberCtx, key: string, lines: { skuId: string; quantity: number }[]) => {
    const res = await t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key).send({ lines, address: ADDRESS });
    if (res.status !== 201) throw new Error(`checkout: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.orders as { id: string; supplierId: string }[];
  };
  const ok = (res: Response, what: string) => {
    if (res.status !== 200) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const trace = async (token: string) => ok(await t.http.get(`/api/v1/audit/campaigns/${campaign}/trace`).set(bearer(token)), 'trace').body;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 20 }) });
    ds = t.dataSource;
    // everything posted from here on is this scenario's (the demo data was loaded before)
    periodStart = new Date().toISOString();
    worker = await startTestWorker(t.config);
    [admin, auditor] = await Promise.all(['admin', 'auditor'].map((u) => t.login(u)));
    cats = await categories(t, admin);
    union = await createUnion(t, admin, '青岛海湾化工工会', 1_000_000);
    otherUnion = await createUnion(t, admin, '青岛啤酒二厂工会', 100_000);
    const nos = await importMembers(t, union, 3, 'HW');
    cNo = nos[2];
    campaign = await openCampaign(t, union, { name: '中秋慰问', pointsPerMemberFen: 20_000 });
    [a, b] = await activateMembers(t, union, nos.slice(0, 2));
    s1 = await createSupplier(t, admin, '即墨田园农产品合作社', ['farm-produce', 'tea']);
    s2 = await createSupplier(t, admin, '红岛海鲜供应链有限公司', ['seafood']);
    [millet] = await listProduct(t, admin, s1, '即墨小米', cats.get('farm-produce')!, [{ spec: '2kg/袋', priceFen: 3_000, stock: 50 }]);
    [shrimp] = await listProduct(t, admin, s2, '红岛对虾', cats.get('seafood')!, [{ spec: '1kg/箱', priceFen: 4_500, stock: 50 }]);
    [tea] = await listProduct(t, admin, s1, '崂山红茶', cats.get('tea')!, [{ spec: '100g/袋', priceFen: 1_250, stock: 50 }]);

    const aOrders = await checkout(a, 'audit-a-1', [
      { skuId: millet.skuId, quantity: 2 },
      { skuId: shrimp.skuId, quantity: 1 },
    ]);
    order.O1 = aOrders.find((o) => o.supplierId === s1.supplierId)!.id;
    order.O2 = aOrders.find((o) => o.supplierId === s2.supplierId)!.id;
    order.O3 = (await checkout(b, 'audit-b-1', [{ skuId: shrimp.skuId, quantity: 1 }]))[0].id;
    ok(await t.http.post(`/api/v1/me/orders/${order.O3}/cancel`).set(bearer(b.token)).send({ reason: '买错了' }), 'cancel O3');
    order.O4 = (await checkout(b, 'audit-b-2', [{ skuId: tea.skuId, quantity: 3 }]))[0].id;
    for (const step of ['accept', 'ship', 'deliver']) {
      ok(await t.http.post(`/api/v1/supplier/orders/${order.O1}/${step}`).set(bearer(s1.token)).send(step === 'ship' ? { carrier: '顺丰速运', trackingNo: 'SF2026001' } : {}), `${step} O1`);
    }
    ok(await t.http.post(`/api/v1/me/orders/${order.O1}/confirm`).set(bearer(a.token)).send({}), 'confirm O1');
    ok(await t.http.post(`/api/v1/supplier/orders/${order.O2}/accept`).set(bearer(s2.token)).send({}), 'accept O2');
    ok(await t.http.post(`/api/v1/supplier/orders/${order.O2}/ship`).set(bearer(s2.token)).send({ carrier: '京东物流', trackingNo: 'JD2026002' }), 'ship O2');
    tmp = mkdtempSync(join(tmpdir(), 'audit-pack-'));
  }, 300_000);

  afterAll(async () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    await worker?.close();
    await t?.close();
  });

  const packRequest = () =>
    t.http
      .get(`/api/v1/audit/campaigns/${campaign}/pack`)
      .set(bearer(auditor))
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const downloadPack = async () => (await packRequest().expect(200)).body as Buffer;

  /** Runs SQL as a superuser with triggers off: how someone would tamper around the append-only guard. */
  async function asSuperuserAroundTriggers(sql: string, params: unknown[] = []): Promise<void> {
    const c = new Client({ connectionString: t.config.databaseUrl });
    await c.connect();
    try {
      await c.query(`SET session_replication_role = replica`);
      await c.query(sql, params);
    } finally {
      await c.end();
    }
  }

  const member = (body: { members: { employeeNo: string }[] }, no: string) => body.members.find((m) => m.employeeNo === no) as Record<string, unknown>;

  it('traces an open campaign: every fen of the 60,000 reserved, per member, order, supplier and category', async () => {
    const body = await trace(auditor);
    expect(body.campaign).toMatchObject({ id: campaign, name: '中秋慰问', status: 'open', unionId: union.unionId, poolAccountId: await poolOf(ds, campaign), budgetAccountId: await budgetOf(ds, union.unionId) });
    expect(body.reservedFen).toBe(60_000);
    expect(body.pool).toEqual({
      reservedFen: 60_000,
      creditedToMembersFen: 60_000,
      expiredIntoPoolFen: 0,
      leftIntoPoolFen: 0,
      refundedIntoPoolFen: 0,
      cancelledToBudgetFen: 0,
      settledToBudgetFen: 0,
      balanceFen: 0,
    });
    // A: 20,000 − 10,500 = 9,500 held; B: 20,000 − 4,500 + 4,500 (O3 cancelled) − 3,750 = 16,250; C: 20,000
    expect(member(body, a.employeeNo)).toMatchObject({
      grantAccountId: await grantOf(ds, campaign, a.memberId),
      creditedFen: 20_000,
      spentFen: 10_500,
      refundedToGrantFen: 0,
      heldFen: 9_500,
      netSpentFen: 10_500,
      balanced: true,
      bySupplier: [
        { supplierId: s1.supplierId, supplierName: '即墨田园农产品合作社', amountFen: 6_000, orderIds: [order.O1] },
        { supplierId: s2.supplierId, supplierName: '红岛海鲜供应链有限公司', amountFen: 4_500, orderIds: [order.O2] },
      ],
    });
    expect(member(body, b.employeeNo)).toMatchObject({ creditedFen: 20_000, spentFen: 8_250, refundedToGrantFen: 4_500, heldFen: 16_250, netSpentFen: 3_750, balanced: true });
    expect((member(body, b.employeeNo).orders as { orderId: string; refundRoute: string | null; paidFen: number }[]).map((o) => [o.orderId, o.paidFen, o.refundRoute]).sort()).toEqual(
      [
        [order.O3, 4_500, 'grant'],
        [order.O4, 3_750, null],
      ].sort(),
    );
    expect(member(body, cNo)).toMatchObject({ creditedFen: 20_000, spentFen: 0, heldFen: 20_000, netSpentFen: 0, orders: [], balanced: true });
    // kept by orders: O1 6,000 + O2 4,500 + O4 3,750 = 14,250; held 9,500 + 16,250 + 20,000 = 45,750
    expect(body.destinations).toEqual({ spentOnOrdersFen: 14_250, heldInGrantsFen: 45_750, inPoolFen: 0, returnedToBudgetFen: 0 });
    expect(body.spentFen).toBe(18_750);
    expect(body.refundedFen).toBe(4_500);
    expect(body.bySupplier).toEqual([
      { supplierId: s1.supplierId, supplierName: '即墨田园农产品合作社', amountFen: 9_750, orderIds: [order.O1, order.O4].sort() },
      { supplierId: s2.supplierId, supplierName: '红岛海鲜供应链有限公司', amountFen: 4_500, orderIds: [order.O2] },
    ]);
    expect(body.byCategory.map((c: { code: string; amountFen: number }) => [c.code, c.amountFen])).toEqual([
      ['farm-produce', 6_000],
      ['seafood', 4_500],
      ['tea', 3_750],
    ]);
    expect(body.unexplained).toEqual([]);
    expect(body.check).toEqual({ ok: true, reservedFen: 60_000, destinationsFen: 60_000, differenceFen: 0, poolBalanced: true, unbalancedMembers: 0, unexplainedTransfers: 0, problems: [] });
  });

  it('lets the campaign’s union admin trace it; other unions, workers and suppliers are refused', async () => {
    expect((await trace(union.adminToken)).check.ok).toBe(true);
    const other = await t.http.get(`/api/v1/audit/campaigns/${campaign}/trace`).set(bearer(otherUnion.adminToken)).expect(403);
    expect(other.body.error.code).toBe('OUT_OF_SCOPE');
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused' AND detail->>'what' = 'Campaign' AND detail->>'organizationId' = $1`, [union.unionId]);
    expect(n).toBe(1);
    await t.http.get(`/api/v1/audit/campaigns/${campaign}/pack`).set(bearer(otherUnion.adminToken)).expect(403);
    await t.http.get(`/api/v1/audit/campaigns/${campaign}/trace`).set(bearer(a.token)).expect(403);
    await t.http.get(`/api/v1/audit/campaigns/${campaign}/trace`).set(bearer(s1.token)).expect(403);
    const missing = await t.http.get('/api/v1/audit/campaigns/00000000-0000-4000-8000-000000000000/trace').set(bearer(auditor)).expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    await t.http.get('/api/v1/audit/campaigns/not-a-uuid/trace').set(bearer(auditor)).expect(400);
  });

  it('after the close: expiries return through the pool to the budget, later refunds go to the budget, and it still adds up', async () => {
    await ds.query(`UPDATE campaigns SET closes_at = now() WHERE id = $1`, [campaign]);
    const closed = await t.app.get(CampaignWindowService).close(campaign);
    expect(closed).toMatchObject({ outcome: 'settled', expiredFen: 45_750, returnedFen: 45_750 });
    ok(await t.http.post(`/api/v1/supplier/orders/${order.O4}/reject`).set(bearer(s1.token)).send({ reason: '红茶缺货' }), 'reject O4');
    ok(await t.http.post(`/api/v1/me/orders/${order.O1}/return-request`).set(bearer(a.token)).send({ reason: '小米受潮' }), 'return O1');
    ok(await t.http.post(`/api/v1/supplier/orders/${order.O1}/approve-return`).set(bearer(s1.token)).send({}), 'approve return O1');
    await assertConservation(ds, 'after the close');

    const body = await trace(auditor);
    expect(body.campaign.status).toBe('settled');
    expect(body.pool).toEqual({
      reservedFen: 60_000,
      creditedToMembersFen: 60_000,
      expiredIntoPoolFen: 45_750,
      leftIntoPoolFen: 0,
      refundedIntoPoolFen: 0,
      cancelledToBudgetFen: 0,
      settledToBudgetFen: 45_750,
      balanceFen: 0,
    });
    // A: 20,000 = 4,500 (O2 kept) + 6,000 (O1 returned → budget) + 9,500 expired
    expect(member(body, a.employeeNo)).toMatchObject({ creditedFen: 20_000, spentFen: 10_500, refundedToBudgetFen: 6_000, expiredFen: 9_500, heldFen: 0, netSpentFen: 4_500, balanced: true });
    // B: 20,000 = 3,750 (O4 rejected → budget) + 16,250 expired; O3's refund went back into the grant before
    expect(member(body, b.employeeNo)).toMatchObject({ creditedFen: 20_000, spentFen: 8_250, refundedToGrantFen: 4_500, refundedToBudgetFen: 3_750, expiredFen: 16_250, heldFen: 0, netSpentFen: 0, bySupplier: [], balanced: true });
    expect(member(body, cNo)).toMatchObject({ creditedFen: 20_000, expiredFen: 20_000, heldFen: 0, balanced: true });
    // 60,000 = 4,500 kept by O2 + (45,750 settled + 3,750 + 6,000 refunded after the close) returned to the budget
    expect(body.destinations).toEqual({ spentOnOrdersFen: 4_500, heldInGrantsFen: 0, inPoolFen: 0, returnedToBudgetFen: 55_500 });
    expect(body.bySupplier).toEqual([{ supplierId: s2.supplierId, supplierName: '红岛海鲜供应链有限公司', amountFen: 4_500, orderIds: [order.O2] }]);
    expect(body.byCategory.map((c: { code: string; amountFen: number }) => [c.code, c.amountFen])).toEqual([['seafood', 4_500]]);
    expect(body.check).toMatchObject({ ok: true, reservedFen: 60_000, destinationsFen: 60_000, differenceFen: 0 });
  });

  it('the audit pack: a zip whose manifest hashes every file, with the distribution list, orders, proofs and block headers', async () => {
    // every entry sealed (the worker seals within a second), so every entry comes with its proof
    await eventually(async () => (await ds.query(`SELECT count(*)::int AS n FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_seals s WHERE s.entry_id = e.id)`))[0].n === 0, 30_000, 'all entries sealed');
    const res = await packRequest().expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain(`audit-pack-campaign-${campaign}.zip`);
    const files = readZip(res.body as Buffer);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

    const manifestBytes = files.get('manifest.json')!;
    expect(res.headers['x-manifest-sha256']).toBe(sha(manifestBytes));
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    // the manifest names every other file, with its size and hash, and nothing else
    expect(manifest.files.map((f: { name: string }) => f.name).sort()).toEqual([...files.keys()].filter((n) => n !== 'manifest.json').sort());
    for (const f of manifest.files as { name: string; bytes: number; sha256: string }[]) {
      expect({ name: f.name, bytes: files.get(f.name)!.length, sha256: sha(files.get(f.name)!) }).toEqual(f);
    }
    expect(manifest.check).toMatchObject({ ok: true, reservedFen: 60_000 });
    expect(manifest.ledger).toMatchObject({ unsealedEntryIds: [], invalidProofs: [] });
    for (const name of ['trace.json', 'distribution.csv', 'distribution.json', 'orders.csv', 'orders.json', 'deliveries.csv', 'returns.csv', 'expiries.csv', 'ledger-entries.csv', 'ledger-entries.json', 'blocks.csv', 'blocks.json']) {
      expect(files.has(name)).toBe(true);
    }

    // the distribution list, per member, against the scenario
    const dist = parse(files.get('distribution.csv')!.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    const pick = (r: Record<string, string>) => [r.employee_no, r.state, r.assigned_fen, r.credited_fen, r.spent_fen, r.refunded_to_grant_fen, r.refunded_to_budget_fen, r.expired_fen, r.held_fen, r.net_spent_fen];
    expect(dist.map(pick)).toEqual([
      [a.employeeNo, 'credited', '20000', '20000', '10500', '0', '6000', '9500', '0', '4500'],
      [b.employeeNo, 'credited', '20000', '20000', '8250', '4500', '3750', '16250', '0', '0'],
      [cNo, 'credited', '20000', '20000', '0', '0', '0', '20000', '0', '0'],
    ].sort((x, y) => x[0].localeCompare(y[0])));
    expect(files.get('distribution.csv')!.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    // orders: one row per line; deliveries: the two shipped orders; returns: O1 returned, O3 cancelled, O4 rejected
    const lines = parse(files.get('orders.csv')!.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(lines.map((l) => [l.order_id, l.product_name, l.quantity, l.line_amount_fen, l.category_code]).sort()).toEqual(
      [
        [order.O1, '即墨小米', '2', '6000', 'farm-produce'],
        [order.O2, '红岛对虾', '1', '4500', 'seafood'],
        [order.O3, '红岛对虾', '1', '4500', 'seafood'],
        [order.O4, '崂山红茶', '3', '3750', 'tea'],
      ].sort(),
    );
    const deliveries = parse(files.get('deliveries.csv')!.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(deliveries.map((d) => [d.order_id, d.carrier, d.tracking_no]).sort()).toEqual([[order.O1, '顺丰速运', 'SF2026001'], [order.O2, '京东物流', 'JD2026002']].sort());
    const returns = parse(files.get('returns.csv')!.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(returns.map((r) => [r.order_id, r.state, r.refunded_fen, r.refund_route, r.reason]).sort()).toEqual(
      [
        [order.O1, 'returned', '6000', 'union_budget', '小米受潮'],
        [order.O3, 'cancelled', '4500', 'grant', '买错了'],
        [order.O4, 'rejected', '3750', 'union_budget', '红茶缺货'],
      ].sort(),
    );
    const expiries = parse(files.get('expiries.csv')!.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(expiries.map((e) => [e.employee_no, e.kind, e.amount_fen]).sort()).toEqual([[a.employeeNo, 'expired', '9500'], [b.employeeNo, 'expired', '16250'], [cNo, 'expired', '20000']].sort());

    // ledger entries: every one has a proof; the proofs' blocks are in blocks.json, which links up to the head
    const entries = JSON.parse(files.get('ledger-entries.json')!.toString('utf8')) as { id: string; kind: string; hash: string }[];
    // reserve 1 + grants 3 + A's checkout, B's two checkouts 3 + O3 refund + O1 completion + expiries 3 + settle 1 + O4 refund + O1 return refund
    expect(entries.length).toBe(1 + 3 + 3 + 1 + 1 + 3 + 1 + 1 + 1);
    const proofNames = [...files.keys()].filter((n) => n.startsWith('proofs/'));
    expect(proofNames.sort()).toEqual(entries.map((e) => `proofs/${e.id}.json`).sort());
    const blocks = JSON.parse(files.get('blocks.json')!.toString('utf8')) as { height: number; prevHash: string; hash: string }[];
    for (let i = 1; i < blocks.length; i++) expect([blocks[i].height, blocks[i].prevHash]).toEqual([blocks[i - 1].height + 1, blocks[i - 1].hash]);
    expect(manifest.ledger.head).toEqual({ height: blocks[blocks.length - 1].height, hash: blocks[blocks.length - 1].hash });
    const [{ height, hash }] = await ds.query(`SELECT height::int AS height, hash FROM ledger_blocks ORDER BY height DESC LIMIT 1`);
    expect(blocks[blocks.length - 1]).toMatchObject({ height, hash });
    expect(manifest.ledger.blockRange).toEqual({
      from: blocks[0].height,
      to: height,
      included: 'linking',
      linkingHeaders: blocks.length,
      maxLinkingHeaders: 20_000,
      headersInPack: blocks.length,
      rest: null,
    });
    const blockHashes = new Set(blocks.map((x) => x.hash));
    for (const n of proofNames) {
      const p = JSON.parse(files.get(n)!.toString('utf8'));
      expect(blockHashes.has(p.blockHash)).toBe(true);
      expect(entries.find((e) => e.id === p.entry.id)!.hash).toBe(p.entryHash);
    }

    // one proof through the standalone verifier (no server, no database), and a doctored copy refused
    const settle = entries.find((e) => e.kind === 'campaign.settle')!;
    const proofFile = join(tmp, 'settle-proof.json');
    writeFileSync(proofFile, files.get(`proofs/${settle.id}.json`)!);
    expect(await verifyProofCli(proofFile)).toMatchObject({ code: 0 });
    const doctored = JSON.parse(files.get(`proofs/${settle.id}.json`)!.toString('utf8'));
    doctored.entry.transfers[0].amount = String(Number(doctored.entry.transfers[0].amount) - 100);
    writeFileSync(proofFile, JSON.stringify(doctored));
    expect(await verifyProofCli(proofFile)).toMatchObject({ code: 1 });

    // an entry changed around the triggers gets no proof: the manifest names it instead
    const [{ actor }] = await ds.query(`SELECT actor FROM ledger_entries WHERE id = $1`, [settle.id]);
    await asSuperuserAroundTriggers(`UPDATE ledger_entries SET actor = 'someone-else' WHERE id = $1`, [settle.id]);
    try {
      const again = readZip(await downloadPack());
      const m2 = JSON.parse(again.get('manifest.json')!.toString('utf8'));
      expect(m2.ledger.invalidProofs).toEqual([{ entryId: settle.id, reason: expect.any(String) }]);
      expect(again.has(`proofs/${settle.id}.json`)).toBe(false);
      expect([...again.keys()].filter((n) => n.startsWith('proofs/')).length).toBe(proofNames.length - 1);
    } finally {
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET actor = $2 WHERE id = $1`, [settle.id, actor]);
    }
  });

  it('past the cap on linking headers the pack holds only its entries’ blocks and the head, and GET /ledger/blocks pages the rest', async () => {
    await eventually(async () => (await ds.query(`SELECT count(*)::int AS n FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_seals s WHERE s.entry_id = e.id)`))[0].n === 0, 30_000, 'all entries sealed');
    const config = t.app.get<AppConfig>(APP_CONFIG);
    config.auditPackMaxBlockHeaders = 1;
    let files: Map<string, Buffer>;
    try {
      files = readZip(await downloadPack());
    } finally {
      config.auditPackMaxBlockHeaders = 20_000;
    }
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    const entries = JSON.parse(files.get('ledger-entries.json')!.toString('utf8')) as { id: string; seal: { blockHeight: number; blockHash: string } }[];
    const entryHeights = [...new Set(entries.map((e) => e.seal.blockHeight))];
    const lowest = Math.min(...entryHeights);
    const [head] = await ds.query(`SELECT height::int AS height, hash FROM ledger_blocks ORDER BY height DESC LIMIT 1`);
    // the scenario's entries were sealed over many ticks, so from..head is more than one header
    expect(head.height).toBeGreaterThan(lowest);
    const blocks = JSON.parse(files.get('blocks.json')!.toString('utf8')) as { height: number; prevHash: string; hash: string }[];
    const expectedHeights = [...new Set([...entryHeights, head.height])].sort((x, y) => x - y);
    expect(blocks.map((b) => b.height)).toEqual(expectedHeights);
    expect((parse(files.get('blocks.csv')!.toString('utf8'), { columns: true, bom: true }) as { height: string }[]).map((r) => Number(r.height))).toEqual(expectedHeights);
    expect(manifest.ledger.head).toEqual({ height: head.height, hash: head.hash });
    expect(manifest.ledger.blockRange).toEqual({
      from: lowest,
      to: head.height,
      included: 'entry-blocks-only',
      linkingHeaders: head.height - lowest + 1,
      maxLinkingHeaders: 1,
      headersInPack: expectedHeights.length,
      rest: expect.stringContaining(`/api/v1/ledger/blocks?fromHeight=${lowest}`),
    });
    // every proof's block is still in the pack
    const inPack = new Map(blocks.map((b) => [b.height, b.hash]));
    for (const e of entries) expect(inPack.get(e.seal.blockHeight)).toBe(e.seal.blockHash);

    // the rest, as the manifest says: pages of consecutive headers that link up to the head
    const fetched: { height: number; prevHash: string; hash: string }[] = [];
    for (let from: number | null = lowest; from !== null; ) {
      const page: { items: typeof fetched; nextFromHeight: number | null } = ok(await t.http.get(`/api/v1/ledger/blocks?fromHeight=${from}&limit=3`).set(bearer(auditor)), 'blocks page').body;
      expect(page.items.length).toBeLessThanOrEqual(3);
      fetched.push(...page.items);
      from = page.nextFromHeight;
    }
    expect(fetched[0].height).toBe(lowest);
    for (let i = 1; i < fetched.length; i++) expect([fetched[i].height, fetched[i].prevHash]).toEqual([fetched[i - 1].height + 1, fetched[i - 1].hash]);
    for (const b of blocks) expect(fetched.find((f) => f.height === b.height)?.hash).toBe(b.hash);
    expect(fetched.find((f) => f.height === head.height)?.hash).toBe(head.hash);

    // auditors and platform admins only; a bad page is refused
    await t.http.get('/api/v1/ledger/blocks').set(bearer(a.token)).expect(403);
    await t.http.get('/api/v1/ledger/blocks').set(bearer(s1.token)).expect(403);
    const bad = await t.http.get('/api/v1/ledger/blocks?limit=0&fromHeight=-1').set(bearer(admin)).expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['fromHeight', 'limit']);
  });

  it('exports a period’s ledger entries as CSV, filterable by account, and refuses a bad or too long period', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const pool = await poolOf(ds, campaign);
    const res = await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: periodStart, to, accountId: pool }).set(bearer(auditor)).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(res.text, { columns: true, bom: true }) as Record<string, string>[];
    // the pool's entries: reserve 60,000; three grants of 20,000; three expiries 9,500 / 16,250 / 20,000; settle 45,750 — one transfer each
    expect(rows.map((r) => [r.kind, r.amount_fen]).sort()).toEqual(
      [
        ['campaign.reserve', '60000'],
        ['campaign.grant', '20000'],
        ['campaign.grant', '20000'],
        ['campaign.grant', '20000'],
        ['campaign.expire', '9500'],
        ['campaign.expire', '16250'],
        ['campaign.expire', '20000'],
        ['campaign.settle', '45750'],
      ].sort(),
    );
    expect(rows.every((r) => r.debit_account_id === pool || r.credit_account_id === pool)).toBe(true);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.entry_hash) && /^[0-9a-f]{64}$/.test(r.block_hash))).toBe(true);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_transfers`);
    const all = parse((await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: periodStart, to }).set(bearer(admin)).expect(200)).text, { columns: true, bom: true });
    // the demo data was loaded before periodStart; everything since is this scenario's
    const [{ since }] = await ds.query(`SELECT count(*)::int AS since FROM ledger_transfers WHERE created_at >= $1`, [periodStart]);
    expect(all.length).toBe(since);
    expect(since).toBeLessThanOrEqual(n);
    // nothing in an empty period but the header
    const empty = await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' }).set(bearer(auditor)).expect(200);
    expect(empty.text).toBe('\uFEFFentry_id,created_at,kind,reference,actor,entry_hash,block_height,block_hash,transfer_id,debit_account_id,credit_account_id,amount_fen\r\n');

    const missing = await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: periodStart }).set(bearer(auditor)).expect(400);
    expect(missing.body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: '2025-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }).set(bearer(auditor)).expect(400)).body.error.code).toBe('PERIOD_TOO_LONG');
    expect((await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: to, to: periodStart }).set(bearer(auditor)).expect(400)).body.error.code).toBe('INVALID_PERIOD');
    await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: periodStart, to, accountId: 'x1' }).set(bearer(auditor)).expect(400);
    await t.http.get('/api/v1/audit/ledger/entries.csv').query({ from: periodStart, to }).set(bearer(union.adminToken)).expect(403);
  });

  it('flags what fits no known flow: a transfer into a grant from outside the campaign breaks the check and is listed', async () => {
    // a posting the points context would never make: straight from the union budget into C's grant
    const grantC = await grantOf(ds, campaign, (await ds.query(`SELECT id FROM members WHERE employee_no = $1`, [cNo]))[0].id);
    const budget = await budgetOf(ds, union.unionId);
    const rogue = await ds.transaction((em) =>
      t.app.get(LedgerService).post(em, { kind: 'manual.adjustment', idempotencyKey: `rogue:${campaign}`, reference: `campaign:${campaign}`, actor: 'test', transfers: [{ debitAccountId: budget, creditAccountId: grantC, amount: 1_234 }] }),
    );
    const body = await trace(auditor);
    expect(body.unexplained).toEqual([{ transferId: rogue.transfers[0].id, entryId: rogue.id, kind: 'manual.adjustment', debitAccountId: budget, creditAccountId: grantC, amount: 1_234 }]);
    // C now holds 1,234 fen the campaign never credited: destinations exceed the reserved total by it
    expect(member(body, cNo)).toMatchObject({ creditedFen: 20_000, heldFen: 1_234, balanced: false });
    expect(body.check).toMatchObject({ ok: false, reservedFen: 60_000, destinationsFen: 61_234, differenceFen: -1_234, unbalancedMembers: 1, unexplainedTransfers: 1 });
    expect(body.check.problems).toEqual(expect.arrayContaining([expect.stringContaining('fit no known flow'), expect.stringContaining(`member ${cNo}`)]));
  });

  it('stays consistent under concurrent checkouts and cancellations: every trace taken meanwhile adds up', async () => {
    const u = await createUnion(t, admin, '青岛港机厂工会', 500_000);
    const nos = await importMembers(t, u, 2, 'GJ');
    const camp = await openCampaign(t, u, { name: '劳动节福利', pointsPerMemberFen: 50_000 });
    const ms = await activateMembers(t, u, nos);
    let stop = false;
    const taken: Response[] = [];
    const tracer = (async () => {
      while (!stop) taken.push(await t.http.get(`/api/v1/audit/campaigns/${camp}/trace`).set(bearer(auditor)));
    })();
    // each member: six checkouts of one 红茶 (1,250), every other one cancelled right away
    await Promise.all(
      ms.map(async (m, i) => {
        for (let k = 0; k < 6; k++) {
          const [o] = await checkout(m, `concurrent-${i}-${k}`, [{ skuId: tea.skuId, quantity: 1 }]);
          if (k % 2 === 0) ok(await t.http.post(`/api/v1/me/orders/${o.id}/cancel`).set(bearer(m.token)).send({}), 'cancel');
        }
      }),
    );
    stop = true;
    await tracer;
    expect(taken.length).toBeGreaterThanOrEqual(2);
    for (const r of taken) {
      expect(r.status).toBe(200);
      expect(r.body.check).toEqual({ ok: true, reservedFen: 100_000, destinationsFen: 100_000, differenceFen: 0, poolBalanced: true, unbalancedMembers: 0, unexplainedTransfers: 0, problems: [] });
    }
    // per member: 6 × 1,250 = 7,500 spent, 3 × 1,250 = 3,750 refunded, 3,750 kept, 46,250 held
    const final = await t.http.get(`/api/v1/audit/campaigns/${camp}/trace`).set(bearer(auditor)).expect(200);
    for (const m of ms) expect(member(final.body, m.employeeNo)).toMatchObject({ creditedFen: 50_000, spentFen: 7_500, refundedToGrantFen: 3_750, netSpentFen: 3_750, heldFen: 46_250, balanced: true });
    expect(final.body.destinations).toEqual({ spentOnOrdersFen: 7_500, heldInGrantsFen: 92_500, inPoolFen: 0, returnedToBudgetFen: 0 });
  });

  it('member and order traces are one snapshot: taken during concurrent checkouts and cancellations, they always add up', async () => {
    const u = await createUnion(t, admin, '青岛纺织机械厂工会', 200_000);
    const nos = await importMembers(t, u, 1, 'FJ');
    await openCampaign(t, u, { name: '端午福利', pointsPerMemberFen: 30_000 });
    const [m] = await activateMembers(t, u, nos);
    let stop = false;
    const memberTraces: Response[] = [];
    const orderTraces: Response[] = [];
    const placed: string[] = [];
    const tracer = (async () => {
      while (!stop) {
        memberTraces.push(await t.http.get(`/api/v1/audit/members/${m.memberId}/trace`).set(bearer(auditor)));
        const last = placed[placed.length - 1];
        if (last) orderTraces.push(await t.http.get(`/api/v1/audit/orders/${last}/trace`).set(bearer(auditor)));
      }
    })();
    // eight checkouts of one 红茶 (1,250), every other one cancelled right away (back into the grant)
    for (let k = 0; k < 8; k++) {
      const [o] = await checkout(m, `member-snapshot-${k}`, [{ skuId: tea.skuId, quantity: 1 }]);
      placed.push(o.id);
      if (k % 2 === 0) ok(await t.http.post(`/api/v1/me/orders/${o.id}/cancel`).set(bearer(m.token)).send({}), 'cancel');
    }
    stop = true;
    await tracer;
    expect(memberTraces.length).toBeGreaterThanOrEqual(2);
    for (const r of memberTraces) {
      expect(r.status).toBe(200);
      const { totals, orders, refunds } = r.body as {
        totals: { grantedFen: number; spentFen: number; refundedFen: number; expiredFen: number; balanceFen: number };
        orders: { state: string; totalFen: number }[];
        refunds: { amountFen: number }[];
      };
      // the grant's balance, the orders and the refunds were read at one instant
      expect(totals.grantedFen - totals.spentFen + totals.refundedFen - totals.expiredFen).toBe(totals.balanceFen);
      expect(totals.spentFen).toBe(orders.length * 1_250);
      expect(refunds.length).toBe(orders.filter((o) => o.state === 'cancelled').length);
      expect(r.body).toMatchObject({ orderCount: orders.length, truncated: false });
    }
    for (const r of orderTraces) {
      expect(r.status).toBe(200);
      // a cancelled order shows its refund and its cancelled state together, or neither
      expect(r.body.forward.refunds.length).toBe(r.body.order.state === 'cancelled' ? 1 : 0);
    }
    // 8 × 1,250 spent, 4 × 1,250 refunded: 30,000 − 5,000 = 25,000 left
    const final = (await t.http.get(`/api/v1/audit/members/${m.memberId}/trace`).set(bearer(auditor)).expect(200)).body;
    expect(final).toMatchObject({ orderCount: 8, truncated: false });
    expect(final.orders).toHaveLength(8);
    expect(final.totals).toEqual({ grantedFen: 30_000, spentFen: 10_000, refundedFen: 5_000, expiredFen: 0, balanceFen: 25_000 });
    // the rest of a truncated trace is read from the order list, filtered by the member
    const listed = (await t.http.get(`/api/v1/orders?memberId=${m.memberId}&limit=200`).set(bearer(auditor)).expect(200)).body;
    expect(listed.total).toBe(8);
    expect(listed.items.map((x: { id: string }) => x.id).sort()).toEqual([...placed].sort());
  });
});

function verifyProofCli(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'tools/verify-proof.ts', file], {
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
