import { LedgerQueryService } from '@huigong/ledger';
import { AgreementCreditProcessor, AgreementCreditReconciler, AgreementCreditService } from '@huigong/points';
import { DelayedError } from 'bullmq';
import { DataSource } from 'typeorm';
import { assertConservation } from './support/ledger-conservation';
import { bearer, eventually, startTestApp, TestApp } from './support/test-app';

const PW = 'long-enough-password';

/**
 * Which agreement is in force, and whose credit limit governs the budget, across a renewal signed
 * ahead of time and a term that ends with no successor. No worker runs: the outbox's jobs stay in the
 * outbox, and the tests run the switch job and the reconciler themselves. A day passing is simulated
 * by moving the terms back one day with SQL (the database clock decides "today", Beijing time).
 */
describe('agreements in force by their terms, and the credit limit switch (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let admin: string;
  const noop = { register: () => undefined } as never;
  const credit = () => t.app.get(AgreementCreditService);

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.dataSource;
    admin = await t.login('admin');
    // the amounts here are about budgets and credit, not the annual welfare caps of the demo data
    await ds.query(`DELETE FROM welfare_rules`);
  });

  afterAll(() => t?.close());

  const day = async (offset: number): Promise<string> => (await ds.query(`SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date + $1::int)::text AS d`, [offset]))[0].d;

  async function union(code: string): Promise<{ id: string; budgetAccountId: string }> {
    const [platform] = await ds.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    const res = await t.http.post('/api/v1/unions').set(bearer(admin)).send({ name: `协议测试工会${code}`, parentId: platform.id, regionCode: '370211', admin: { username: `xy-${code}`, displayName: '管理员', password: PW } }).expect(201);
    await t.http.post(`/api/v1/unions/${res.body.id}/members`).set(bearer(admin)).send({ employeeNo: `${code}001`, name: '职工甲', phone: `1390000${code.padStart(4, '0').slice(-4)}`, group: '一队' }).expect(201);
    const [{ budget }] = await ds.query(`SELECT budget_account_id::text AS budget FROM unions WHERE organization_id = $1`, [res.body.id]);
    return { id: res.body.id, budgetAccountId: budget };
  }

  const sign = (unionId: string, number: string, termStart: string, termEnd: string, creditLimitFen: number) =>
    t.http.post(`/api/v1/unions/${unionId}/agreements`).set(bearer(admin)).send({ number, signedOn: termStart, termStart, termEnd, expectedHeadcount: 1, expectedAmountFen: 0, creditLimitFen });

  const deposit = async (unionId: string, amountFen: number, ref: string) =>
    t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ amountFen, bankReference: ref, receivedOn: await day(0) }).expect(201);

  /** A flat campaign of `fen` for the one member, approved: the HTTP status and body. */
  async function approve(unionId: string, name: string, fen: number): Promise<{ status: number; body: { error?: { code: string } } }> {
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '2 hours' AS closes`);
    const c = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(admin)).send({ name, amountMode: 'flat', pointsPerMemberFen: fen, opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() }).expect(201);
    return t.http.post(`/api/v1/campaigns/${c.body.id}/approve`).set(bearer(admin)).send({});
  }

  const agreements = async (unionId: string): Promise<Record<string, { status: string; inForce: boolean }>> =>
    Object.fromEntries((await t.http.get(`/api/v1/unions/${unionId}/agreements`).set(bearer(admin)).expect(200)).body.items.map((a: { number: string; status: string; inForce: boolean }) => [a.number, { status: a.status, inForce: a.inForce }]));
  const budget = async (unionId: string) => (await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(admin)).expect(200)).body;
  const ledgerLimit = async (accountId: string): Promise<number> => (await t.app.get(LedgerQueryService).account(accountId)).overdraftLimit;

  /** A day passes for this union: every term moves one day back. */
  const nextDay = (unionId: string) => ds.query(`UPDATE union_agreements SET term_start = term_start - 1, term_end = term_end - 1 WHERE union_id = $1`, [unionId]);

  /** The switch job as the worker runs it; `moved` is set when it found itself early and waited again. */
  async function runSwitch(unionId: string, on: string): Promise<{ moved: boolean; result?: unknown }> {
    const processor = new AgreementCreditProcessor(credit(), noop);
    const job = { name: 'credit-switch', data: { unionId, on }, moveToDelayed: jest.fn().mockResolvedValue(undefined) };
    try {
      return { moved: false, result: await processor.process(job as never, 'token') };
    } catch (err) {
      if (err instanceof DelayedError) return { moved: job.moveToDelayed.mock.calls.length === 1 };
      throw err;
    }
  }
  const reconciler = () => new AgreementCreditReconciler(ds, credit(), t.app.get(LedgerQueryService), noop);

  it('keeps the current agreement in force, and its credit limit, when a renewal is signed ahead of time', async () => {
    const u = await union('1');
    await sign(u.id, 'XY1-A', await day(-100), await day(0), 1_000_000).expect(201);
    await deposit(u.id, 100_000, 'XY1-DEP-1');
    expect((await budget(u.id)).creditLimitFen).toBe(1_000_000);

    const renewal = await sign(u.id, 'XY1-B', await day(1), await day(365), 3_000_000).expect(201);
    expect(renewal.body).toMatchObject({ number: 'XY1-B', status: 'upcoming', inForce: false });
    expect(await agreements(u.id)).toEqual({ 'XY1-A': { status: 'active', inForce: true }, 'XY1-B': { status: 'upcoming', inForce: false } });
    // the budget keeps A's limit: 100,000 deposited + 1,000,000 credit
    expect(await budget(u.id)).toMatchObject({ creditLimitFen: 1_000_000, availableFen: 1_100_000 });
    expect(await ledgerLimit(u.budgetAccountId)).toBe(1_000_000);
    // approval still works under A, within A's limit, not B's
    expect((await approve(u.id, '续签前', 600_000)).status).toBe(200);
    const over = await approve(u.id, '超出A额度', 600_000);
    expect(over.status).toBe(422);
    expect(over.body.error?.code).toBe('INSUFFICIENT_BUDGET');
    await assertConservation(ds, 'renewal signed ahead of time');
  });

  it('switches to the renewal, and its credit limit, the day its term starts (job early: waits; job lost: the reconciler)', async () => {
    const u = await union('2');
    await sign(u.id, 'XY2-A', await day(-100), await day(0), 1_000_000).expect(201);
    await sign(u.id, 'XY2-B', await day(1), await day(365), 3_000_000).expect(201);
    // the switch jobs were enqueued through the outbox, delayed to 00:00 Beijing time of B's start and of the day after its end
    const jobs: { job_id: string; delay_ms: string; payload: { on: string } }[] = await ds.query(`SELECT job_id, delay_ms, payload FROM outbox WHERE queue = 'union-credit' AND payload->>'unionId' = $1 ORDER BY job_id`, [u.id]);
    expect(jobs.map((j) => j.payload.on).sort()).toEqual([await day(1), await day(366)].sort());
    expect(jobs.every((j) => Number(j.delay_ms) > 0 && Number(j.delay_ms) <= 367 * 86_400_000)).toBe(true);
    expect(jobs.map((j) => j.job_id)).toContain(`credit.${u.id}.${await day(1)}`);

    // the job arriving early (by the database clock) changes nothing and waits again; the reconciler sees nothing to do
    expect(await runSwitch(u.id, await day(1))).toEqual({ moved: true });
    expect((await reconciler().reconcile()).corrected).not.toContain(u.id);
    expect(await ledgerLimit(u.budgetAccountId)).toBe(1_000_000);

    // a day passes: B's term starts today, A's ended yesterday
    await nextDay(u.id);
    expect(await agreements(u.id)).toEqual({ 'XY2-A': { status: 'superseded', inForce: false }, 'XY2-B': { status: 'active', inForce: true } });
    const ran = await runSwitch(u.id, await day(0));
    expect(ran).toMatchObject({ moved: false, result: { targetFen: 3_000_000, limitFen: 3_000_000, changed: true } });
    expect(await budget(u.id)).toMatchObject({ creditLimitFen: 3_000_000, availableFen: 3_000_000 });
    // run again (a duplicate job): nothing changes
    expect((await runSwitch(u.id, await day(0))).result).toMatchObject({ limitFen: 3_000_000, changed: false });
    expect((await approve(u.id, 'B额度内', 2_500_000)).status).toBe(200);

    // the same switch with the job lost: the reconciler applies it
    const v = await union('3');
    await sign(v.id, 'XY3-A', await day(-100), await day(0), 200_000).expect(201);
    await sign(v.id, 'XY3-B', await day(1), await day(365), 700_000).expect(201);
    await nextDay(v.id);
    expect(await ledgerLimit(v.budgetAccountId)).toBe(200_000);
    expect((await reconciler().reconcile()).corrected).toContain(v.id);
    expect(await ledgerLimit(v.budgetAccountId)).toBe(700_000);
    // approval applies the in-force limit itself, even before any job or reconciler
    const w = await union('4');
    await sign(w.id, 'XY4-A', await day(-100), await day(0), 0).expect(201);
    await sign(w.id, 'XY4-B', await day(1), await day(365), 500_000).expect(201);
    await nextDay(w.id);
    expect((await approve(w.id, '未跑任务', 400_000)).status).toBe(200);
    expect(await ledgerLimit(w.budgetAccountId)).toBe(500_000);
    await assertConservation(ds, 'renewal takes over');
  });

  it('leaves no agreement in force, and removes the credit limit, when a term ends with no successor', async () => {
    const u = await union('5');
    await sign(u.id, 'XY5-A', await day(-100), await day(0), 500_000).expect(201);
    expect((await ds.query(`SELECT payload->>'on' AS on FROM outbox WHERE queue = 'union-credit' AND payload->>'unionId' = $1`, [u.id])).map((r: { on: string }) => r.on)).toEqual([await day(1)]);
    // spend 200,000 on credit
    expect((await approve(u.id, '赊账', 200_000)).status).toBe(200);
    await nextDay(u.id);
    expect(await agreements(u.id)).toEqual({ 'XY5-A': { status: 'expired', inForce: false } });
    const refused = await approve(u.id, '到期后', 1);
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('NO_AGREEMENT_IN_FORCE');
    // the end job: the limit falls to what is owed (the guard keeps holding), so nothing more is available on credit
    expect((await runSwitch(u.id, await day(0))).result).toMatchObject({ targetFen: 0, owedFen: 200_000, limitFen: 200_000, changed: true });
    // the budget as the admin reads it: no agreement, no credit; the ledger's limit holds what is owed
    expect(await budget(u.id)).toMatchObject({ balanceFen: -200_000, creditLimitFen: 0, availableFen: -200_000, owedFen: 200_000 });
    expect(await ledgerLimit(u.budgetAccountId)).toBe(200_000);
    // a deposit pays part of the debt: the reconciler lowers the limit with it, then removes it
    await deposit(u.id, 150_000, 'XY5-DEP-1');
    expect((await reconciler().reconcile()).corrected).toContain(u.id);
    expect(await budget(u.id)).toMatchObject({ balanceFen: -50_000, creditLimitFen: 0, availableFen: -50_000 });
    expect(await ledgerLimit(u.budgetAccountId)).toBe(50_000);
    await deposit(u.id, 100_000, 'XY5-DEP-2');
    await reconciler().reconcile();
    expect(await budget(u.id)).toMatchObject({ balanceFen: 50_000, creditLimitFen: 0, availableFen: 50_000 });
    expect(await ledgerLimit(u.budgetAccountId)).toBe(0);
    // signing now with a limit below what is owed is refused when it takes effect at once
    const v = await union('6');
    await sign(v.id, 'XY6-A', await day(-10), await day(10), 300_000).expect(201);
    expect((await approve(v.id, '赊账', 300_000)).status).toBe(200);
    expect((await sign(v.id, 'XY6-B', await day(0), await day(30), 100_000).expect(422)).body.error.code).toBe('CREDIT_LIMIT_BELOW_OWED');
    // a renewal starting later with a lower limit is accepted; at its start the limit holds what is then owed
    await sign(v.id, 'XY6-C', await day(11), await day(60), 100_000).expect(201);
    for (let i = 0; i < 11; i++) await nextDay(v.id);
    expect((await runSwitch(v.id, await day(0))).result).toMatchObject({ targetFen: 100_000, limitFen: 300_000 });
    expect(await budget(v.id)).toMatchObject({ creditLimitFen: 100_000, availableFen: -200_000 });
    expect(await ledgerLimit(v.budgetAccountId)).toBe(300_000);
    // what approval counts is the agreement's credit, not the ledger's limit held at what is owed
    const short = await approve(v.id, '超额', 1);
    expect(short.status).toBe(422);
    expect(short.body.error).toMatchObject({ code: 'INSUFFICIENT_BUDGET', details: { availableFen: -200_000, creditLimitFen: 100_000 } });
    await assertConservation(ds, 'term ended');
  });

  it('never applies a stale limit: a switch waits for a signing in progress, and two switches agree', async () => {
    const u = await union('7');
    await sign(u.id, 'XY7-A', await day(-100), await day(0), 1_000_000).expect(201);
    await sign(u.id, 'XY7-B', await day(1), await day(365), 3_000_000).expect(201);
    await nextDay(u.id); // B starts today; its switch is due
    // a signing in progress (its transaction holds the union row, has recorded C covering today and set C's limit)
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await qr.query(`SELECT 1 FROM unions WHERE organization_id = $1 FOR UPDATE`, [u.id]);
      await qr.query(
        `INSERT INTO union_agreements (union_id, number, signed_on, term_start, term_end, expected_headcount, expected_amount_fen, credit_limit_fen)
         VALUES ($1, 'XY7-C', $2, $2, $3, 1, 0, 2000000)`,
        [u.id, await day(0), await day(30)],
      );
      await qr.query(`UPDATE ledger_accounts SET overdraft_limit = 2000000 WHERE id = $1`, [u.budgetAccountId]);
      // two switch runs beside it: they must wait for the signing, then see C
      const runs = Promise.all([runSwitch(u.id, await day(0)), runSwitch(u.id, await day(0))]);
      await eventually(async () => (await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`))[0].n >= 2, 10000, 'the switches waiting for the union row');
      await qr.commitTransaction();
      const results = (await runs).map((r) => r.result as { limitFen: number; changed: boolean });
      expect(results.map((r) => r.limitFen)).toEqual([2_000_000, 2_000_000]);
    } finally {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      await qr.release();
    }
    expect(await ledgerLimit(u.budgetAccountId)).toBe(2_000_000);
    expect(await agreements(u.id)).toEqual({ 'XY7-A': { status: 'superseded', inForce: false }, 'XY7-B': { status: 'superseded', inForce: false }, 'XY7-C': { status: 'active', inForce: true } });
    await assertConservation(ds, 'switch beside a signing');
  });
});
