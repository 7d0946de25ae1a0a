import { QueueRegistry, QUEUES } from '@huigong/common';
import { OrderSettlementService } from '@huigong/ordering';
import { CampaignWindowService } from '@huigong/points';
import { RunSettlementService, SETTLEMENT_SCHEDULER_ID } from '@huigong/settlement';
import { INestApplicationContext } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { settlementRun } from '../apps/cli/src/settlement/settlement-commands';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import {
  activateMembers,
  budgetOf,
  categories,
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

const ADDRESS = { recipient: '李秀英', phone: '13805320002', regionCode: '370202', detail: '青岛市市北区辽宁路 88 号' };

/**
 * Settlement and the audit traces over one scenario built through the API. Every expected figure
 * below is worked out by hand from the scenario (prices, campaign amounts, deposit), never read
 * back from the code under test:
 *
 * union 青岛啤酒厂工会: deposit 1,000,000; campaign A 50,000 per member (closes first), campaign B
 * 20,000 per member; members m1, m2, m3. Supplier S1: 特级绿茶 12,000, 红木茶盘 60,000; S2: 花生油 8,800.
 *   o1  m1  茶盘 ×1            S1 60,000   paid A 50,000 + B 10,000   completed → statement 1 (S1)
 *   o2a m2  绿茶 ×2            S1 24,000   paid A                      completed → statement 1 (S1)
 *   o2b m2  花生油 ×1          S2  8,800   paid A (same checkout)      completed → statement 1 (S2)
 *   o3  m3  绿茶 ×1            S1 12,000   paid A                      completed, returned before settlement
 *   o4  m3  花生油 ×1          S2  8,800   paid A                      completed, return pending at run 1, declined → run 2
 *   o5  m2  绿茶 ×1            S1 12,000   paid A                      delivered only: never settled here
 */
describe('settlement and audit traces (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let admin: string;
  let auditor: string;
  let union: UnionCtx;
  let campA: string;
  let campB: string;
  let m1: MemberCtx;
  let m2: MemberCtx;
  let m3: MemberCtx;
  let s1: SupplierCtx;
  let s2: SupplierCtx;
  let tea: SkuCtx;
  let tray: SkuCtx;
  let oil: SkuCtx;
  const o: Record<'o1' | 'o2a' | 'o2b' | 'o3' | 'o4' | 'o5', string> = { o1: '', o2a: '', o2b: '', o3: '', o4: '', o5: '' };
  let st1S1: string;
  let st1S2: string;
  let st2S2: string;
  let keySeq = 0;
  const key = () => `settle-key-${++keySeq}`;

  const checkout = async (who: MemberCtx, lines: { skuId: string; quantity: number }[]) => {
    const res = await t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key()).send({ lines, address: ADDRESS });
    if (res.status !== 201) throw new Error(`checkout: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { orders: { id: string; supplierId: string; totalFen: number }[] };
  };
  const fulfil = async (orderId: string, supplier: SupplierCtx, member: MemberCtx | null) => {
    for (const [step, body] of [['accept', {}], ['ship', { carrier: '顺丰速运', trackingNo: `SF${orderId.slice(0, 8)}` }], ['deliver', {}]] as const) {
      await t.http.post(`/api/v1/supplier/orders/${orderId}/${step}`).set(bearer(supplier.token)).send(body).expect(200);
    }
    if (member) await t.http.post(`/api/v1/me/orders/${orderId}/confirm`).set(bearer(member.token)).send({}).expect(200);
  };
  const payableOf = async (supplierId: string) => {
    const [r] = await ds.query(`SELECT id::text FROM ledger_accounts WHERE type = 'supplier_payable' AND owner_type = 'supplier' AND owner_id = $1`, [supplierId]);
    return r.id as string;
  };
  const paidOutBalance = async (supplierId: string) => {
    const [r] = await ds.query(`SELECT id::text FROM ledger_accounts WHERE type = 'supplier_paid_out' AND owner_type = 'supplier' AND owner_id = $1`, [supplierId]);
    return r ? rawBalance(ds, r.id) : 0;
  };
  /** every order's statements, from the lines table itself */
  const linesPerOrder = async () => {
    const rows: { order_id: string; n: number }[] = await ds.query(`SELECT order_id, count(*)::int AS n FROM settlement_statement_lines GROUP BY order_id`);
    return new Map(rows.map((r) => [r.order_id, r.n]));
  };
  /** completed orders become settleable after the hold: the test moves completion back two days rather than wait */
  const backdate = (ids: string[]) => ds.query(`UPDATE orders SET completed_at = completed_at - interval '2 days' WHERE id = ANY($1::uuid[])`, [ids]);

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 20, settlementHoldDays: 1 }) });
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    [admin, auditor] = await Promise.all(['admin', 'auditor'].map((u) => t.login(u)));
    const cats = await categories(t, admin);
    union = await createUnion(t, admin, '青岛啤酒厂工会', 1_000_000);
    const nos = await importMembers(t, union, 3, 'PJ');
    campA = await openCampaign(t, union, { name: '中秋福利', pointsPerMemberFen: 50_000, closesInMinutes: 60 });
    campB = await openCampaign(t, union, { name: '国庆慰问', pointsPerMemberFen: 20_000, closesInMinutes: 120 });
    [m1, m2, m3] = await activateMembers(t, union, nos);
    s1 = await createSupplier(t, admin, '崂山云雾茶业有限公司', ['tea']);
    s2 = await createSupplier(t, admin, '莱阳鲁花粮油有限公司', ['farm-produce']);
    [tea] = await listProduct(t, admin, s1, '崂山特级绿茶', cats.get('tea')!, [{ spec: '250g/罐', priceFen: 12_000, stock: 50 }]);
    [tray] = await listProduct(t, admin, s1, '红木茶盘', cats.get('tea')!, [{ spec: '60cm', priceFen: 60_000, stock: 5 }]);
    [oil] = await listProduct(t, admin, s2, '花生油', cats.get('farm-produce')!, [{ spec: '5L/桶', priceFen: 8_800, stock: 50 }]);

    o.o1 = (await checkout(m1, [{ skuId: tray.skuId, quantity: 1 }])).orders[0].id;
    const c2 = await checkout(m2, [
      { skuId: tea.skuId, quantity: 2 },
      { skuId: oil.skuId, quantity: 1 },
    ]);
    o.o2a = c2.orders.find((x) => x.supplierId === s1.supplierId)!.id;
    o.o2b = c2.orders.find((x) => x.supplierId === s2.supplierId)!.id;
    o.o3 = (await checkout(m3, [{ skuId: tea.skuId, quantity: 1 }])).orders[0].id;
    o.o4 = (await checkout(m3, [{ skuId: oil.skuId, quantity: 1 }])).orders[0].id;
    o.o5 = (await checkout(m2, [{ skuId: tea.skuId, quantity: 1 }])).orders[0].id;
    await fulfil(o.o1, s1, m1);
    await fulfil(o.o2a, s1, m2);
    await fulfil(o.o2b, s2, m2);
    await fulfil(o.o3, s1, m3);
    await fulfil(o.o4, s2, m3);
    await fulfil(o.o5, s1, null);
    // o3 is returned before any settlement; o4's return is still pending when run 1 comes
    await t.http.post(`/api/v1/me/orders/${o.o3}/return-request`).set(bearer(m3.token)).send({ reason: '包装破损' }).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${o.o3}/approve-return`).set(bearer(s1.token)).send({}).expect(200);
    await t.http.post(`/api/v1/me/orders/${o.o4}/return-request`).set(bearer(m3.token)).send({ reason: '口味不合适' }).expect(200);
    await assertConservation(ds, 'the scenario');
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  describe('settlement runs', () => {
    it('settles nothing inside the return window (SETTLEMENT_HOLD_DAYS), through the CLI command', async () => {
      const out: string[] = [];
      expect(await settlementRun(worker, undefined, (l) => out.push(l))).toBe(0);
      expect(out[0]).toMatch(/0 statements, 0 orders, ¥0\.00$/);
      const [run] = await ds.query(`SELECT trigger, statement_count, order_count FROM settlement_runs`);
      expect(run).toEqual({ trigger: 'cli', statement_count: 0, order_count: 0 });
      expect(await ds.query(`SELECT * FROM settlement_statements`)).toEqual([]);
    });

    it('only platform admins start runs; the Idempotency-Key is required', async () => {
      await t.http.post('/api/v1/settlement/runs').set(bearer(auditor)).set('Idempotency-Key', key()).send({}).expect(403);
      await t.http.post('/api/v1/settlement/runs').set(bearer(s1.token)).set('Idempotency-Key', key()).send({}).expect(403);
      await t.http.post('/api/v1/settlement/runs').set(bearer(union.adminToken)).set('Idempotency-Key', key()).send({}).expect(403);
      const noKey = await t.http.post('/api/v1/settlement/runs').set(bearer(admin)).send({}).expect(400);
      expect(noKey.body.error.code).toBe('VALIDATION_FAILED');
      const unknown = await t.http.post('/api/v1/settlement/runs').set(bearer(admin)).set('Idempotency-Key', key()).send({ everything: true }).expect(400);
      expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('overlapping runs put every settleable order on exactly one statement', async () => {
      await backdate([o.o1, o.o2a, o.o2b, o.o3, o.o4]);
      const service = t.app.get(RunSettlementService);
      const results = await Promise.all([
        t.http.post('/api/v1/settlement/runs').set(bearer(admin)).set('Idempotency-Key', 'overlap-1').send({}),
        t.http.post('/api/v1/settlement/runs').set(bearer(admin)).set('Idempotency-Key', 'overlap-2').send({}),
        t.http.post('/api/v1/settlement/runs').set(bearer(admin)).set('Idempotency-Key', 'overlap-3').send({}),
        service.run({ trigger: 'cli', user: null }).then((body) => ({ status: 201, body })),
      ]);
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      const statements = results.flatMap((r) => r.body.statements as { id: string; supplierId: string; number: string; lineCount: number; totalFen: number }[]);
      // S1: o1 60,000 + o2a 24,000; S2: o2b 8,800 (o3 returned, o4 return pending, o5 not completed)
      expect(statements.map((s) => [s.supplierId, s.lineCount, s.totalFen]).sort()).toEqual(
        [
          [s1.supplierId, 2, 84_000],
          [s2.supplierId, 1, 8_800],
        ].sort(),
      );
      expect(results.reduce((a, r) => a + r.body.orderCount, 0)).toBe(3);
      expect(results.reduce((a, r) => a + r.body.totalFen, 0)).toBe(92_800);
      const per = await linesPerOrder();
      expect(Object.fromEntries([...per.entries()].map(([id, n]) => [id, n]))).toEqual({ [o.o1]: 1, [o.o2a]: 1, [o.o2b]: 1 });
      // the orders point at the statement whose line they are on
      const mismatched = await ds.query(
        `SELECT o.id FROM orders o LEFT JOIN settlement_statement_lines l ON l.order_id = o.id
          WHERE o.settlement_statement_id IS DISTINCT FROM l.statement_id`,
      );
      expect(mismatched).toEqual([]);
      st1S1 = statements.find((s) => s.supplierId === s1.supplierId)!.id;
      st1S2 = statements.find((s) => s.supplierId === s2.supplierId)!.id;
      expect(statements.every((s) => /^ST-\d{8}-\d{6}$/.test(s.number))).toBe(true);
      await assertConservation(ds, 'overlapping runs');
    });

    it('a replayed Idempotency-Key returns the first run and settles nothing again', async () => {
      const again = await t.http.post('/api/v1/settlement/runs').set(bearer(admin)).set('Idempotency-Key', 'overlap-1').send({}).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM settlement_runs`);
      expect(n).toBe(5); // the CLI run and the four overlapping ones
      const reused = await t.http.post('/api/v1/settlement/runs').set(bearer(admin)).set('Idempotency-Key', 'overlap-1').send({ supplierId: s1.supplierId }).expect(409);
      expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      // auditors read the runs: five, two statements among them in all
      const runs = await t.http.get('/api/v1/settlement/runs').set(bearer(auditor)).expect(200);
      expect(runs.body.total).toBe(5);
      expect(runs.body.items.flatMap((r: { statements: unknown[] }) => r.statements)).toHaveLength(2);
      const withStatements = runs.body.items.find((r: { statementCount: number }) => r.statementCount > 0);
      const one = await t.http.get(`/api/v1/settlement/runs/${withStatements.id}`).set(bearer(auditor)).expect(200);
      expect(one.body).toMatchObject({ statementCount: 2, orderCount: 3, totalFen: 92_800 });
      await t.http.get('/api/v1/settlement/runs').set(bearer(s1.token)).expect(403);
    });

    it('refuses to return an order once it is on a statement', async () => {
      const before = await rawBalance(ds, await payableOf(s1.supplierId));
      const res = await t.http.post(`/api/v1/me/orders/${o.o2a}/return-request`).set(bearer(m2.token)).send({ reason: '不想要了' }).expect(409);
      expect(res.body.error).toMatchObject({ code: 'ORDER_SETTLED', details: { orderId: o.o2a, statementId: st1S1 } });
      const [row] = await ds.query(`SELECT state FROM orders WHERE id = $1`, [o.o2a]);
      expect(row.state).toBe('completed');
      expect(await rawBalance(ds, await payableOf(s1.supplierId))).toBe(before);
    });

    it('the scheduled job settles an order whose return was declined meanwhile', async () => {
      await t.http.post(`/api/v1/supplier/orders/${o.o4}/decline-return`).set(bearer(s2.token)).send({ reason: '已开封食品不退' }).expect(200);
      const scheduler = await t.app.get(QueueRegistry).get(QUEUES.settlement).getJobScheduler(SETTLEMENT_SCHEDULER_ID);
      expect(scheduler).toMatchObject({ pattern: '0 2 * * *', tz: 'Asia/Shanghai' });
      // what the scheduler enqueues at 02:00, now
      await t.app.get(QueueRegistry).get(QUEUES.settlement).add('run', {}, { jobId: 'settlement-test-run' });
      const run = await eventually(async () => (await ds.query(`SELECT id, statement_count, order_count, total_fen::int AS total FROM settlement_runs WHERE trigger = 'schedule'`))[0], 30_000, 'the scheduled run');
      expect(run).toMatchObject({ statement_count: 1, order_count: 1, total: 8_800 });
      const [st] = await ds.query(`SELECT id, supplier_id, total_fen::int AS total FROM settlement_statements WHERE run_id = $1`, [run.id]);
      expect(st).toMatchObject({ supplier_id: s2.supplierId, total: 8_800 });
      st2S2 = st.id;
      expect((await linesPerOrder()).get(o.o4)).toBe(1);
      expect((await linesPerOrder()).has(o.o3)).toBe(false);
      expect((await linesPerOrder()).has(o.o5)).toBe(false);
    });
  });

  describe('statements', () => {
    it('supplier staff see their own statements only; others are refused and recorded', async () => {
      const mine = await t.http.get('/api/v1/settlement/statements').set(bearer(s2.token)).expect(200);
      expect(mine.body.total).toBe(2);
      expect(mine.body.items.map((s: { id: string }) => s.id).sort()).toEqual([st1S2, st2S2].sort());
      const theirs = await t.http.get(`/api/v1/settlement/statements/${st1S1}`).set(bearer(s2.token)).expect(403);
      expect(theirs.body.error.code).toBe('OUT_OF_SCOPE');
      await t.http.get(`/api/v1/settlement/statements/${st1S1}/csv`).set(bearer(s2.token)).expect(403);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused' AND detail->>'statementId' = $1`, [st1S1]);
      expect(n).toBe(2);
      await t.http.get('/api/v1/settlement/statements').set(bearer(union.adminToken)).expect(403);
      await t.http.get('/api/v1/settlement/statements').set(bearer(m1.token)).expect(403);
      const all = await t.http.get('/api/v1/settlement/statements').set(bearer(auditor)).expect(200);
      expect(all.body.total).toBe(3);
      const unpaid = await t.http.get(`/api/v1/settlement/statements?paid=false&supplierId=${s1.supplierId}`).set(bearer(admin)).expect(200);
      expect(unpaid.body.items.map((s: { id: string }) => s.id)).toEqual([st1S1]);
    });

    it('shows a statement with a line per order, oldest completion first', async () => {
      const res = await t.http.get(`/api/v1/settlement/statements/${st1S1}`).set(bearer(s1.token)).expect(200);
      const [c1, c2] = await ds.query(`SELECT id, completed_at FROM orders WHERE id = ANY($1::uuid[]) ORDER BY completed_at, id`, [[o.o1, o.o2a]]);
      expect(res.body).toMatchObject({ id: st1S1, supplierId: s1.supplierId, supplierOrganizationId: s1.organizationId, lineCount: 2, totalFen: 84_000, status: 'issued', payout: null });
      expect(res.body.lines.map((l: { lineNo: number; orderId: string; amountFen: number }) => [l.lineNo, l.orderId, l.amountFen])).toEqual([
        [1, c1.id, c1.id === o.o1 ? 60_000 : 24_000],
        [2, c2.id, c2.id === o.o1 ? 60_000 : 24_000],
      ]);
      expect(res.body.periodStart).toBe(new Date(c1.completed_at).toISOString());
      // each line names the completion entry that credited the payable with that amount
      for (const l of res.body.lines) {
        const [tr] = await ds.query(`SELECT e.kind, t.amount::int AS amount, e.reference FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id WHERE e.id = $1`, [l.completionEntryId]);
        expect(tr).toEqual({ kind: 'order_completion', amount: l.amountFen, reference: `order:${l.orderId}` });
      }
    });

    it('pages a statement’s lines: limit/offset with a hard cap, the total always given', async () => {
      const [c1, c2] = await ds.query(`SELECT id FROM orders WHERE id = ANY($1::uuid[]) ORDER BY completed_at, id`, [[o.o1, o.o2a]]);
      const first = await t.http.get(`/api/v1/settlement/statements/${st1S1}?limit=1`).set(bearer(auditor)).expect(200);
      expect(first.body.linesPage).toEqual({ total: 2, limit: 1, offset: 0 });
      expect(first.body.lines.map((l: { lineNo: number; orderId: string }) => [l.lineNo, l.orderId])).toEqual([[1, c1.id]]);
      const second = await t.http.get(`/api/v1/settlement/statements/${st1S1}?limit=1&offset=1`).set(bearer(auditor)).expect(200);
      expect(second.body.linesPage).toEqual({ total: 2, limit: 1, offset: 1 });
      expect(second.body.lines.map((l: { lineNo: number; orderId: string }) => [l.lineNo, l.orderId])).toEqual([[2, c2.id]]);
      const past = await t.http.get(`/api/v1/settlement/statements/${st1S1}?offset=2`).set(bearer(auditor)).expect(200);
      expect(past.body).toMatchObject({ lines: [], linesPage: { total: 2, limit: 50, offset: 2 }, lineCount: 2 });
      const tooMany = await t.http.get(`/api/v1/settlement/statements/${st1S1}?limit=201`).set(bearer(auditor)).expect(400);
      expect(tooMany.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('downloads a statement as CSV', async () => {
      const res = await t.http.get(`/api/v1/settlement/statements/${st1S1}/csv`).set(bearer(s1.token)).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.text.startsWith('\uFEFF')).toBe(true);
      expect(res.text).toContain('\r\n');
      const rows = parse(res.text, { columns: true, bom: true }) as Record<string, string>[];
      expect(rows.map((r) => [r.line_no, r.amount_fen, r.amount_yuan])).toEqual([
        ['1', expect.any(String), expect.any(String)],
        ['2', expect.any(String), expect.any(String)],
        ['total', '84000', '840.00'],
      ]);
      expect(rows.slice(0, 2).map((r) => [r.order_id, r.amount_fen, r.amount_yuan]).sort()).toEqual(
        [
          [o.o1, '60000', '600.00'],
          [o.o2a, '24000', '240.00'],
        ].sort(),
      );
    });

    it('is immutable in the database: updates, deletes and late lines are refused', async () => {
      await expect(ds.query(`UPDATE settlement_statements SET total_fen = 1 WHERE id = $1`, [st1S1])).rejects.toThrow(/immutable/);
      await expect(ds.query(`DELETE FROM settlement_statements WHERE id = $1`, [st1S1])).rejects.toThrow(/immutable/);
      await expect(ds.query(`UPDATE settlement_statement_lines SET amount_fen = 1 WHERE statement_id = $1`, [st1S1])).rejects.toThrow(/immutable/);
      await expect(ds.query(`DELETE FROM settlement_statement_lines WHERE statement_id = $1`, [st1S1])).rejects.toThrow(/immutable/);
      await expect(ds.query(`TRUNCATE settlement_statement_lines`)).rejects.toThrow();
      // a line slipped onto an issued statement: its total no longer adds up, refused at commit
      await expect(
        ds.query(`INSERT INTO settlement_statement_lines (statement_id, line_no, order_id, union_id, completed_at, amount_fen, completion_entry_id) VALUES ($1, 3, $2, $3, now(), 12000, 1)`, [st1S1, o.o5, union.unionId]),
      ).rejects.toThrow(/does not add up/);
      const [s] = await ds.query(`SELECT total_fen::int AS total, line_count FROM settlement_statements WHERE id = $1`, [st1S1]);
      expect(s).toEqual({ total: 84_000, line_count: 2 });
      expect((await linesPerOrder()).has(o.o5)).toBe(false);
    });
  });

  describe('payouts', () => {
    const payout = (token: string, id: string, k: string, body: Record<string, unknown>) =>
      t.http.post(`/api/v1/settlement/statements/${id}/payout`).set(bearer(token)).set('Idempotency-Key', k).send(body);
    const today = async () => (await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS d`))[0].d as string;

    it('refuses a wrong amount, auditors and suppliers, and writes nothing', async () => {
      const [{ entries }] = await ds.query(`SELECT count(*)::int AS entries FROM ledger_entries`);
      const wrong = await payout(admin, st1S1, key(), { amountFen: 80_000, bankReference: 'ICBC-0001', paidOn: await today() }).expect(422);
      expect(wrong.body.error).toMatchObject({ code: 'PAYOUT_AMOUNT_MISMATCH', details: { statementTotalFen: 84_000, amountFen: 80_000 } });
      const auditorTry = await payout(auditor, st1S1, key(), { amountFen: 84_000, bankReference: 'ICBC-0001', paidOn: await today() }).expect(403);
      expect(auditorTry.body.error.code).toBe('AUDITOR_READ_ONLY');
      await payout(s1.token, st1S1, key(), { amountFen: 84_000, bankReference: 'ICBC-0001', paidOn: await today() }).expect(403);
      const bad = await payout(admin, st1S1, key(), { amountFen: -5, bankReference: 'has space', paidOn: '2026-13-01' }).expect(400);
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['amountFen', 'bankReference', 'paidOn']);
      const future = await payout(admin, st1S1, key(), { amountFen: 84_000, bankReference: 'ICBC-0001', paidOn: '2999-01-01' }).expect(422);
      expect(future.body.error.code).toBe('PAID_ON_IN_FUTURE');
      await payout(admin, '00000000-0000-4000-8000-000000000000', key(), { amountFen: 84_000, bankReference: 'ICBC-0001', paidOn: await today() }).expect(404);
      expect((await ds.query(`SELECT count(*)::int AS entries FROM ledger_entries`))[0].entries).toBe(entries);
      expect(await ds.query(`SELECT * FROM settlement_payouts`)).toEqual([]);
    });

    it('pays a statement once: payable → paid out in one entry; a replay returns the first result', async () => {
      const payable = await payableOf(s1.supplierId);
      // S1's payable: o1 60,000 + o2a 24,000 + o3 12,000 − o3's return 12,000 = 84,000 (o5 is not completed)
      expect(await rawBalance(ds, payable)).toBe(84_000);
      const body = { amountFen: 84_000, bankReference: 'ICBC-20261127-0001', paidOn: await today() };
      // through the URL's upper-case spelling of the id (ParseUUIDPipe accepts it): keyed by the stored one
      const paid = await payout(admin, st1S1.toUpperCase(), 'pay-s1-1', body).expect(201);
      expect(paid.body).toMatchObject({ id: st1S1, status: 'paid', payout: { amountFen: 84_000, bankReference: body.bankReference, paidOn: body.paidOn } });
      const [entry] = await ds.query(
        `SELECT e.kind, e.idempotency_key, e.reference, t.amount::int AS amount, t.debit_account_id::text AS debit, a.type AS credit_type, a.owner_id
           FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id JOIN ledger_accounts a ON a.id = t.credit_account_id WHERE e.id = $1`,
        [paid.body.payout.ledgerEntryId],
      );
      expect(entry).toEqual({
        kind: 'supplier_payout',
        idempotency_key: `settlement-payout:${st1S1}`,
        reference: `statement:${st1S1}`,
        amount: 84_000,
        debit: payable,
        credit_type: 'supplier_paid_out',
        owner_id: s1.supplierId,
      });
      expect(await rawBalance(ds, payable)).toBe(0);
      expect(await paidOutBalance(s1.supplierId)).toBe(84_000);

      // the other spelling of the same request: a replay, not IDEMPOTENCY_KEY_REUSED
      const replay = await payout(admin, st1S1, 'pay-s1-1', body).expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.payout.id).toBe(paid.body.payout.id);
      const twice = await payout(admin, st1S1, key(), { ...body, bankReference: 'ICBC-20261127-0002' }).expect(409);
      expect(twice.body.error.code).toBe('STATEMENT_ALREADY_PAID');
      expect(await paidOutBalance(s1.supplierId)).toBe(84_000);
      await expect(ds.query(`UPDATE settlement_payouts SET amount_fen = 1`)).rejects.toThrow(/immutable/);
      await assertConservation(ds, 'payout');
    });

    it('two payouts of one statement at once: exactly one is recorded', async () => {
      const d = await today();
      const results = await Promise.all([
        payout(admin, st1S2, 'race-a', { amountFen: 8_800, bankReference: 'BOC-RACE-A', paidOn: d }),
        payout(admin, st1S2, 'race-b', { amountFen: 8_800, bankReference: 'BOC-RACE-B', paidOn: d }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe('STATEMENT_ALREADY_PAID');
      // S2's payable: o2b 8,800 + o4 8,800 − the payout of statement 1 (8,800) = 8,800, what statement 2 owes
      expect(await rawBalance(ds, await payableOf(s2.supplierId))).toBe(8_800);
      expect(await paidOutBalance(s2.supplierId)).toBe(8_800);
      const reused = await payout(admin, st2S2, key(), { amountFen: 8_800, bankReference: results.find((r) => r.status === 201)!.body.payout.bankReference, paidOn: d }).expect(409);
      expect(reused.body.error.code).toBe('BANK_REFERENCE_USED');
      await assertConservation(ds, 'racing payouts');
    });
  });

  describe('audit traces', () => {
    it('only auditors and platform admins trace', async () => {
      await t.http.get(`/api/v1/audit/orders/${o.o1}/trace`).set(bearer(s1.token)).expect(403);
      await t.http.get(`/api/v1/audit/orders/${o.o1}/trace`).set(bearer(union.adminToken)).expect(403);
      await t.http.get(`/api/v1/audit/members/${m1.memberId}/trace`).set(bearer(m1.token)).expect(403);
      await t.http.get(`/api/v1/audit/orders/00000000-0000-4000-8000-000000000000/trace`).set(bearer(auditor)).expect(404);
      await t.http.get(`/api/v1/audit/members/00000000-0000-4000-8000-000000000000/trace`).set(bearer(auditor)).expect(404);
    });

    it('traces an order backwards to the deposits and forwards to the payout, every entry hashed and sealed', async () => {
      const gA = await grantOf(ds, campA, m1.memberId);
      const gB = await grantOf(ds, campB, m1.memberId);
      const pool = { A: await poolOf(ds, campA), B: await poolOf(ds, campB) };
      const budget = await budgetOf(ds, union.unionId);
      const [escrow] = await ds.query(`SELECT escrow_account_id::text AS id FROM orders WHERE id = $1`, [o.o1]);
      const payable = await payableOf(s1.supplierId);
      // the sealer (worker) seals within about a second
      const tr = await eventually(
        async () => {
          const res = await t.http.get(`/api/v1/audit/orders/${o.o1}/trace`).set(bearer(auditor)).expect(200);
          return res.body.allSealed ? res.body : null;
        },
        30_000,
        'every entry of the trace sealed',
      );
      const transfers = (e: { transfers: { debitAccountId: string; creditAccountId: string; amount: number }[] }) =>
        e.transfers.map((x) => [x.debitAccountId, x.creditAccountId, x.amount]).sort();

      expect(tr.order).toMatchObject({ id: o.o1, state: 'completed', totalFen: 60_000, supplierId: s1.supplierId, memberId: m1.memberId });
      // backward: checkout → grants (A 50,000 first, it closes first; B 10,000)
      expect(tr.backward.checkout.amountFen).toBe(60_000);
      expect(transfers(tr.backward.checkout.entry)).toEqual(
        [
          [gA, escrow.id, 50_000],
          [gB, escrow.id, 10_000],
        ].sort(),
      );
      const byGrant = Object.fromEntries(tr.backward.payments.map((p: { grantAccountId: string }) => [p.grantAccountId, p]));
      expect(byGrant[gA]).toMatchObject({ campaignId: campA, amountFen: 50_000, refund: null, grant: { amountFen: 50_000, memberId: m1.memberId } });
      expect(byGrant[gB]).toMatchObject({ campaignId: campB, amountFen: 10_000, refund: null, grant: { amountFen: 20_000, memberId: m1.memberId } });
      expect(transfers(byGrant[gA].grant.creditEntries[0])).toEqual([[pool.A, gA, 50_000]]);
      expect(transfers(byGrant[gB].grant.creditEntries[0])).toEqual([[pool.B, gB, 20_000]]);
      // → campaigns: each reserved 3 members × its amount from the union budget
      const camps = Object.fromEntries(tr.backward.campaigns.map((c: { campaignId: string }) => [c.campaignId, c]));
      expect(camps[campA].fundingEntries.map(transfers)).toEqual([[[budget, pool.A, 150_000]]]);
      expect(camps[campB].fundingEntries.map(transfers)).toEqual([[[budget, pool.B, 60_000]]]);
      // → the union's deposit: funding → budget 1,000,000
      expect(tr.backward.union).toMatchObject({ unionId: union.unionId, name: '青岛啤酒厂工会', budgetAccountId: budget });
      expect(tr.backward.union.deposits).toHaveLength(1);
      expect(tr.backward.union.deposits[0].amountFen).toBe(1_000_000);
      expect(tr.backward.union.deposits[0].entry.transfers).toEqual([expect.objectContaining({ creditAccountId: budget, amount: 1_000_000 })]);
      // forward: completion → payable → statement → payout
      expect(transfers(tr.forward.completion.entry)).toEqual([[escrow.id, payable, 60_000]]);
      expect(tr.forward.refunds).toEqual([]);
      expect(tr.forward.settlement.statement).toMatchObject({ id: st1S1, totalFen: 84_000, status: 'paid' });
      expect(tr.forward.settlement.line).toMatchObject({ orderId: o.o1, amountFen: 60_000 });
      expect(tr.forward.settlement.payout).toMatchObject({ amountFen: 84_000, bankReference: 'ICBC-20261127-0001' });
      expect(transfers(tr.forward.settlement.payout.entry)[0].slice(0, 1)).toEqual([payable]);
      // checkout, 2 grant credits, 2 reservations, 1 deposit, completion, payout
      expect(tr.entries).toHaveLength(8);
      // every hash and seal is the ledger's own, read raw
      for (const e of tr.entries as { id: string; hash: string; seal: { blockHeight: number; blockHash: string } }[]) {
        const [raw] = await ds.query(
          `SELECT s.entry_hash, s.block_height::int AS height, b.hash AS block_hash FROM ledger_entry_seals s JOIN ledger_blocks b ON b.height = s.block_height WHERE s.entry_id = $1`,
          [e.id],
        );
        expect({ hash: e.hash, seal: e.seal }).toEqual({ hash: raw.entry_hash, seal: { blockHeight: raw.height, blockHash: raw.block_hash } });
      }
    });

    it('traces a returned order: the refund from the payable back to the grant, and no statement', async () => {
      const tr = (await t.http.get(`/api/v1/audit/orders/${o.o3}/trace`).set(bearer(admin)).expect(200)).body;
      const gA = await grantOf(ds, campA, m3.memberId);
      expect(tr.order.state).toBe('returned');
      expect(tr.forward.refunds).toHaveLength(1);
      expect(tr.forward.refunds[0]).toMatchObject({ kind: 'return_refund', amountFen: 12_000 });
      expect(tr.forward.refunds[0].entry.transfers).toEqual([expect.objectContaining({ debitAccountId: await payableOf(s1.supplierId), creditAccountId: gA, amount: 12_000 })]);
      expect(tr.backward.payments).toEqual([expect.objectContaining({ grantAccountId: gA, amountFen: 12_000, refund: expect.objectContaining({ route: 'grant', accountId: gA }) })]);
      expect(tr.forward.settlement).toBeNull();
    });

    it('traces a member: grants, orders, refunds and expiries with their entries', async () => {
      // campaign B's window ends (moved to now rather than waited for): unspent grants expire to its pool
      await ds.query(`UPDATE campaigns SET closes_at = now() WHERE id = $1`, [campB]);
      await t.app.get(CampaignWindowService).close(campB);
      const tr = (await t.http.get(`/api/v1/audit/members/${m3.memberId}/trace`).set(bearer(auditor)).expect(200)).body;
      const gA = await grantOf(ds, campA, m3.memberId);
      const gB = await grantOf(ds, campB, m3.memberId);
      expect(tr.member).toMatchObject({ memberId: m3.memberId, unionId: union.unionId, userId: m3.userId });
      // A: 50,000 − o3 12,000 − o4 8,800 + o3's refund 12,000 = 41,200; B: 20,000 expired
      expect(tr.grants.map((g: Record<string, unknown>) => [g.grantAccountId, g.campaignId, g.amountFen, g.balanceFen]).sort()).toEqual(
        [
          [gA, campA, 50_000, 41_200],
          [gB, campB, 20_000, 0],
        ].sort(),
      );
      expect(tr.grants.every((g: { creditEntries: unknown[] }) => g.creditEntries.length === 1)).toBe(true);
      expect(tr.orders.map((x: { id: string; state: string; totalFen: number }) => [x.id, x.state, x.totalFen]).sort()).toEqual(
        [
          [o.o3, 'returned', 12_000],
          [o.o4, 'return_declined', 8_800],
        ].sort(),
      );
      expect(tr.refunds).toEqual([expect.objectContaining({ orderId: o.o3, kind: 'return_refund', amountFen: 12_000, routes: [expect.objectContaining({ grantAccountId: gA, route: 'grant', amountFen: 12_000 })] })]);
      expect(tr.expiries).toEqual([expect.objectContaining({ grantAccountId: gB, campaignId: campB, kind: 'expiry', amountFen: 20_000 })]);
      expect(tr.expiries[0].entry.transfers).toEqual([expect.objectContaining({ debitAccountId: gB, creditAccountId: await poolOf(ds, campB), amount: 20_000 })]);
      expect(tr.totals).toEqual({ grantedFen: 70_000, spentFen: 20_800, refundedFen: 12_000, expiredFen: 20_000, balanceFen: 41_200 });
      expect(tr).toMatchObject({ orderCount: 2, truncated: false });
      // 2 grant credits, 2 checkouts, 2 completions, 1 return refund, 1 expiry
      expect(tr.entries).toHaveLength(8);
      expect(tr.entries.every((e: { hash: string }) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
      expect(await rawBalance(ds, gA)).toBe(41_200);
      await assertConservation(ds, 'member trace');
    });
  });

  describe('the claim itself, without the run’s per-supplier lock', () => {
    it('two transactions claim the same order: the second waits on the row, then finds it taken', async () => {
      await t.http.post(`/api/v1/me/orders/${o.o5}/confirm`).set(bearer(m2.token)).send({}).expect(200);
      await backdate([o.o5]);
      const claims = t.app.get(OrderSettlementService);
      const [{ cutoff }] = await ds.query(`SELECT now() AS cutoff`);
      const first = ds.createQueryRunner();
      const second = ds.createQueryRunner();
      await first.connect();
      await second.connect();
      // (statement ids of the test's own: the point is the orders' claim, not the statement rows)
      const [a, b] = [randomUUID(), randomUUID()];
      try {
        await first.startTransaction();
        await second.startTransaction();
        expect((await claims.claim(first.manager, s1.supplierId, cutoff, a)).map((x) => [x.orderId, x.totalFen])).toEqual([[o.o5, 12_000]]);
        const [{ pid }] = await second.query(`SELECT pg_backend_pid() AS pid`);
        const racing = claims.claim(second.manager, s1.supplierId, cutoff, b);
        await eventually(async () => (await ds.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).length > 0, 20_000, 'the second claim waiting on the order row');
        await first.commitTransaction();
        expect(await racing).toEqual([]);
        await second.commitTransaction();
      } finally {
        if (first.isTransactionActive) await first.rollbackTransaction();
        if (second.isTransactionActive) await second.rollbackTransaction();
        await first.release();
        await second.release();
      }
      const [row] = await ds.query(`SELECT settlement_statement_id FROM orders WHERE id = $1`, [o.o5]);
      expect(row.settlement_statement_id).toBe(a);
    });
  });
});
