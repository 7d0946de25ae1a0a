import { QueueRegistry, QUEUES, Role, TransactionRunner } from '@huigong/common';
import { AccountType, LedgerService } from '@huigong/ledger';
import { ACTIVATION_NOTIFIER, LoggingActivationNotifier, PointsQueryService } from '@huigong/points';
import { INestApplicationContext } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import { bearer, eventually, startTestApp, startTestWorker, TestApp } from './support/test-app';

const PW = 'long-enough-password';

/** A roster file: `n` members spread over three workshops, phones 139xxxxxxxx. */
function rosterCsv(n: number, opts: { prefix?: string; changed?: Map<number, string> } = {}): string {
  const groups = ['一车间', '二车间', '三车间'];
  const lines = ['employee_no,name,phone,group,join_date'];
  for (let i = 1; i <= n; i++) {
    const phone = opts.changed?.get(i) ?? `139${String(10_000_000 + i).slice(-8)}`;
    lines.push(`${opts.prefix ?? 'TS'}${String(i).padStart(5, '0')},职工${i},${phone},${groups[i % 3]},20${String(10 + (i % 14)).padStart(2, '0')}-0${(i % 9) + 1}-1${i % 9}`);
  }
  return lines.join('\n');
}

/**
 * The union's own books, from raw SQL: what it deposited (plus approved adjustments) is what its
 * funding account paid out, and all of it is in its budget, its campaign pools, its members' grants
 * and the escrow of their orders.
 */
async function assertUnionBooks(ds: DataSource, unionId: string): Promise<Record<string, number>> {
  const [mine] = await ds.query(
    `SELECT (SELECT coalesce(sum(amount_fen), 0) FROM union_deposits WHERE union_id = $1)::bigint AS deposits,
            (SELECT coalesce(sum(CASE direction WHEN 'increase' THEN amount_fen ELSE -amount_fen END), 0)
               FROM budget_adjustments WHERE union_id = $1 AND status = 'approved')::bigint AS adjustments`,
    [unionId],
  );
  const rows: { type: string; balance: string }[] = await ds.query(
    `SELECT a.type, (coalesce(sum(CASE WHEN t.credit_account_id = a.id THEN t.amount ELSE -t.amount END), 0))::text AS balance
       FROM ledger_accounts a LEFT JOIN ledger_transfers t ON t.credit_account_id = a.id OR t.debit_account_id = a.id
      WHERE a.organization_id = $1 GROUP BY a.type`,
    [unionId],
  );
  const by: Record<string, number> = {};
  rows.forEach((r) => (by[r.type] = Number(r.balance)));
  const paidIn = Number(mine.deposits) + Number(mine.adjustments);
  expect(-(by.union_funding ?? 0)).toBe(paidIn);
  expect((by.union_budget ?? 0) + (by.campaign_pool ?? 0) + (by.worker_grant ?? 0) + (by.order_escrow ?? 0)).toBe(paidIn);
  return by;
}

describe('points allocation: union → agreement → deposit → roster → campaign → distribution → activation → close (e2e)', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let ds: DataSource;
  let admin: string;
  let admin2: string;
  let auditor: string;
  let demoUnionAdmin: string;
  let demoWorker: string;
  let unionAdmin: string;
  let unionId: string;
  let campaignA: string;
  const members = new Map<string, { id: string; phone: string; group: string }>();
  let m1: { id: string; token: string; userId: string };
  let m2: { id: string; token: string; userId: string };
  let escrowAccountId: string;

  const conserved = (step: string) => assertConservation(ds, step);

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    [admin, auditor, demoUnionAdmin, demoWorker] = await Promise.all(['admin', 'auditor', 'union-admin', 'worker'].map((u) => t.login(u)));
    const [platform] = await ds.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ organizationId: platform.id, username: 'admin2', displayName: '第二管理员', password: PW, roles: [Role.PlatformAdmin] })
      .expect(201);
    admin2 = await t.login('admin2', PW);
    await conserved('the demo data');
  });

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  it('onboards a union under its federation with its first admin, scoped to it', async () => {
    const orgs = await t.http.get('/api/v1/organizations?type=union').set(bearer(admin)).expect(200);
    const federation = orgs.body.items.find((o: { name: string }) => o.name === '青岛市总工会');
    const res = await t.http
      .post('/api/v1/unions')
      .set(bearer(admin))
      .send({ name: '青岛啤酒厂工会', parentId: federation.id, regionCode: '370203', cityRegionCode: '370200', contactName: '刘主席', admin: { username: 'tsingtao-admin', displayName: '啤酒厂工会管理员', password: PW } })
      .expect(201);
    unionId = res.body.id;
    expect(res.body).toMatchObject({ name: '青岛啤酒厂工会', parentId: federation.id, admin: { username: 'tsingtao-admin' }, budget: { balanceFen: 0, creditLimitFen: 0, owedFen: 0 } });
    unionAdmin = await t.login('tsingtao-admin', PW);

    const mine = await t.http.get('/api/v1/unions').set(bearer(unionAdmin)).expect(200);
    expect(mine.body.items.map((u: { id: string }) => u.id)).toEqual([unionId]);
    // the federation's admin would see it; the sibling union's admin does not
    const refused = await t.http.get(`/api/v1/unions/${unionId}`).set(bearer(demoUnionAdmin)).expect(403);
    expect(refused.body.error.code).toBe('OUT_OF_SCOPE');
    await t.http.post('/api/v1/unions').set(bearer(unionAdmin)).send({ name: 'x' }).expect(403);
    expect((await t.http.post('/api/v1/unions').set(bearer(auditor)).send({ name: 'x' }).expect(403)).body.error.code).toBe('AUDITOR_READ_ONLY');
    expect((await t.http.post('/api/v1/unions').set(bearer(admin)).send({ organizationId: unionId }).expect(409)).body.error.code).toBe('UNION_ALREADY_ONBOARDED');
    await conserved('onboarding');
  });

  it('records the agreement and deposits: a bank reference recorded five times at once posts once', async () => {
    const [{ today }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today`);
    const year = today.slice(0, 4);
    await t.http
      .post(`/api/v1/unions/${unionId}/agreements`)
      .set(bearer(admin))
      .send({ number: `HG-${year}-TSB-001`, signedOn: `${year}-01-02`, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: 600, expectedAmountFen: 30_000_000, creditLimitFen: 1_000_000, documentRef: 'contracts/TSB-001.pdf' })
      .expect(201);
    await t.http.post(`/api/v1/unions/${unionId}/agreements`).set(bearer(unionAdmin)).send({}).expect(403);

    const deposit = { amountFen: 10_000_000, bankReference: 'BOC-20250106-0001', receivedOn: today };
    const results = await Promise.all(Array.from({ length: 5 }, () => t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send(deposit)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.body.replayed === false)).toHaveLength(1);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [`deposit:${unionId}:BOC-20250106-0001`]);
    expect(n).toBe(1);
    const conflict = await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ ...deposit, amountFen: 1 }).expect(409);
    expect(conflict.body.error.code).toBe('DEPOSIT_REFERENCE_CONFLICT');
    // a date that is not on the calendar, and one after today (China time, the database's clock): refused by field, nothing recorded
    const [{ tomorrow }] = await ds.query(`SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date + 1)::text AS tomorrow`);
    for (const receivedOn of ['2025-02-30', tomorrow]) {
      const refused = await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ ...deposit, bankReference: `BOC-BAD-${receivedOn}`, receivedOn }).expect(400);
      expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [expect.objectContaining({ field: 'receivedOn' })] } });
    }
    expect((await ds.query(`SELECT count(*)::int AS n FROM union_deposits WHERE union_id = $1`, [unionId]))[0].n).toBe(1);

    const budget = await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin)).expect(200);
    expect(budget.body).toMatchObject({ balanceFen: 10_000_000, creditLimitFen: 1_000_000, availableFen: 11_000_000, owedFen: 0, depositedFen: 10_000_000 });
    const listed = await t.http.get(`/api/v1/unions/${unionId}/deposits`).set(bearer(auditor)).expect(200);
    expect(listed.body).toMatchObject({ totalFen: 10_000_000, items: [{ bankReference: 'BOC-20250106-0001', amountFen: 10_000_000 }] });
    const agreements = await t.http.get(`/api/v1/unions/${unionId}/agreements`).set(bearer(unionAdmin)).expect(200);
    expect(agreements.body.items).toEqual([expect.objectContaining({ status: 'active', creditLimitFen: 1_000_000 })]);
    const statement = await t.http.get(`/api/v1/unions/${unionId}/budget/statement`).set(bearer(unionAdmin)).expect(200);
    expect(statement.body.items).toEqual([expect.objectContaining({ kind: 'union.deposit', credit: 10_000_000, balance: 10_000_000 })]);
    await conserved('deposits');
    await assertUnionBooks(ds, unionId);
  });

  it('posts a manual adjustment only after a second platform admin approves it', async () => {
    const req = await t.http.post(`/api/v1/unions/${unionId}/adjustments`).set(bearer(admin)).send({ direction: 'decrease', amountFen: 300_000, reason: '银行手续费更正' }).expect(201);
    expect(req.body.status).toBe('pending');
    const own = await t.http.post(`/api/v1/adjustments/${req.body.id}/approve`).set(bearer(admin)).send({}).expect(403);
    expect(own.body.error.code).toBe('SECOND_APPROVER_REQUIRED');
    expect((await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(admin)).expect(200)).body.balanceFen).toBe(10_000_000);
    const approve = (id: string, note: string) => t.http.post(`/api/v1/adjustments/${id}/approve`).set(bearer(admin2)).set('Idempotency-Key', `approve-${req.body.id}`).send({ note });
    const ok = await approve(req.body.id, '已核对回单').expect(200);
    expect(ok.body).toMatchObject({ status: 'approved', decidedBy: expect.any(String), ledgerEntryId: expect.any(String) });
    // the response was lost: a retry with the key (the id spelled in upper case) gets the first answer and posts nothing
    expect((await approve(req.body.id.toUpperCase(), '已核对回单').expect(200)).body).toEqual(ok.body);
    expect((await approve(req.body.id, '另一个说明').expect(409)).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [`adjustment:${req.body.id}`]))[0].n).toBe(1);
    expect((await t.http.post(`/api/v1/adjustments/${req.body.id}/reject`).set(bearer(admin)).send({}).expect(409)).body.error.code).toBe('ADJUSTMENT_ALREADY_DECIDED');

    const inc = await t.http.post(`/api/v1/unions/${unionId}/adjustments`).set(bearer(admin)).send({ direction: 'increase', amountFen: 50_000, reason: '重复录入，驳回' }).expect(201);
    await t.http.post(`/api/v1/adjustments/${inc.body.id}/reject`).set(bearer(admin2)).send({ note: '无依据' }).expect(200);
    await t.http.post(`/api/v1/unions/${unionId}/adjustments`).set(bearer(unionAdmin)).send({ direction: 'increase', amountFen: 1, reason: 'self-service' }).expect(403);
    await t.http.get('/api/v1/adjustments').set(bearer(unionAdmin)).expect(403);
    const own2 = await t.http.get(`/api/v1/unions/${unionId}/adjustments`).set(bearer(unionAdmin)).expect(200);
    expect(own2.body.items.map((a: { status: string }) => a.status).sort()).toEqual(['approved', 'rejected']);
    const pending = await t.http.get('/api/v1/adjustments?status=pending').set(bearer(auditor)).expect(200);
    expect(pending.body.items).toEqual([]);

    expect((await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(admin)).expect(200)).body.balanceFen).toBe(9_700_000);
    await conserved('adjustments');
    await assertUnionBooks(ds, unionId);
  });

  it('imports the roster: a dry run writes nothing, bad rows come back per line, a re-import changes nothing', async () => {
    const good = rosterCsv(600);
    const bad = ['TS90001,坏手机,1234,一车间,2019-01-01', 'TS90002,坏日期,13912345678,一车间,2019-02-30', 'TS00001,重复工号,13912345679,一车间,2019-01-01', 'TS90003,,13912345670,一车间,'];
    const file = `${good}\n${bad.join('\n')}`;
    const dry = await t.http.post(`/api/v1/unions/${unionId}/members/import?dryRun=true`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(file).expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, totalRows: 604, validRows: 600, created: 600, updated: 0, unchanged: 0, rejected: 4 });
    expect(dry.body.errors).toEqual([
      { line: 602, field: 'phone', reason: expect.any(String), employeeNo: 'TS90001' },
      { line: 603, field: 'join_date', reason: expect.any(String), employeeNo: 'TS90002' },
      { line: 604, field: 'employee_no', reason: 'duplicates line 2', employeeNo: 'TS00001' },
      { line: 605, field: 'name', reason: 'is required', employeeNo: 'TS90003' },
    ]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM members WHERE union_id = $1`, [unionId]))[0].n).toBe(0);

    const real = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(file).expect(200);
    expect(real.body).toMatchObject({ dryRun: false, created: 600, updated: 0, unchanged: 0, rejected: 4 });
    const versions = async () => (await ds.query(`SELECT string_agg(xmin::text, ',' ORDER BY id) AS v FROM members WHERE union_id = $1`, [unionId]))[0].v;
    const before = await versions();
    const again = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(file).expect(200);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 600, rejected: 4 });
    expect(await versions()).toBe(before); // not a single row rewritten

    const changed = rosterCsv(600, { changed: new Map([[5, '13700000005'], [6, '13700000006']]) });
    const upd = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(changed).expect(200);
    expect(upd.body).toMatchObject({ created: 0, updated: 2, unchanged: 598, rejected: 0 });
    expect(upd.body.changes).toEqual([
      { line: 6, employeeNo: 'TS00005', action: 'update', fields: ['phone'] },
      { line: 7, employeeNo: 'TS00006', action: 'update', fields: ['phone'] },
    ]);

    const bodyTypes = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).send({ csv: 'x' }).expect(415);
    expect(bodyTypes.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const header = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send('id,name\n1,x').expect(422);
    expect(header.body.error.code).toBe('INVALID_CSV_HEADER');
    await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(demoUnionAdmin)).set('Content-Type', 'text/csv').send(good).expect(403);

    const list = await t.http.get(`/api/v1/unions/${unionId}/members?group=${encodeURIComponent('一车间')}&limit=200`).set(bearer(unionAdmin)).expect(200);
    expect(list.body.total).toBe(200);
    const all = await t.http.get(`/api/v1/unions/${unionId}/members?limit=200&offset=0`).set(bearer(auditor)).expect(200);
    expect(all.body.total).toBe(600);
    for (let offset = 0; offset < 600; offset += 200) {
      const page = await t.http.get(`/api/v1/unions/${unionId}/members?limit=200&offset=${offset}`).set(bearer(unionAdmin)).expect(200);
      for (const m of page.body.items) members.set(m.employeeNo, { id: m.id, phone: m.phone, group: m.group });
    }
    const patched = await t.http.patch(`/api/v1/unions/${unionId}/members/${members.get('TS00003')!.id}`).set(bearer(unionAdmin)).send({ name: '职工三号', phone: '139-0000-0003' }).expect(200);
    expect(patched.body).toMatchObject({ name: '职工三号', phone: '13900000003' });
    members.get('TS00003')!.phone = '13900000003';
    await t.http.get(`/api/v1/unions/${unionId}/members`).set(bearer(demoWorker)).expect(403);
    await conserved('roster import');
  });

  it('refuses an approval beyond the budget with the shortfall, and beyond the annual welfare cap', async () => {
    await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(unionAdmin)).send({ annualCapFen: 60_000, note: '本单位每人每年 600 元' }).expect(200);
    const cap = await t.http.get(`/api/v1/unions/${unionId}/welfare-cap`).set(bearer(unionAdmin)).expect(200);
    expect(cap.body.annualCapFen).toBe(60_000); // below the demo's Shandong (37) rule of 150,000
    expect(cap.body.rules.map((r: { scope: string; regionPrefix: string | null }) => [r.scope, r.regionPrefix])).toEqual([
      ['platform', '37'],
      ['union', null],
    ]);
    const visible = await t.http.get('/api/v1/welfare-rules').set(bearer(unionAdmin)).expect(200);
    expect(visible.body.items.map((r: { scope: string; unionId: string | null }) => [r.scope, r.unionId]).sort()).toEqual([
      ['platform', null],
      ['platform', null],
      ['union', unionId],
    ]);
    await t.http.put('/api/v1/welfare-rules/platform').set(bearer(unionAdmin)).send({ annualCapFen: 1 }).expect(403);
    const platformRule = visible.body.items.find((r: { scope: string }) => r.scope === 'platform');
    await t.http.delete(`/api/v1/welfare-rules/${platformRule.id}`).set(bearer(unionAdmin)).expect(403);
    await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(demoUnionAdmin)).send({ annualCapFen: 1 }).expect(403);
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '2 hours' AS closes`);
    const window = { opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() };

    const big = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).send({ name: '全员大礼包', amountMode: 'flat', pointsPerMemberFen: 30_000, ...window }).expect(201);
    const refused = await t.http.post(`/api/v1/campaigns/${big.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(422);
    // 600 × 30,000 = 18,000,000 needed; 9,700,000 balance + 1,000,000 credit available
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_BUDGET', details: { requiredFen: 18_000_000, availableFen: 10_700_000, shortfallFen: 7_300_000 } });
    const still = await t.http.get(`/api/v1/campaigns/${big.body.id}`).set(bearer(unionAdmin)).expect(200);
    expect(still.body).toMatchObject({ status: 'draft', totalFen: 0, poolAccountId: null });
    expect((await ds.query(`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = $1`, [big.body.id]))[0].n).toBe(0);

    const greedy = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).send({ name: '超标福利', amountMode: 'flat', pointsPerMemberFen: 60_001, eligibleGroups: ['一车间'], ...window }).expect(201);
    const overCap = await t.http.post(`/api/v1/campaigns/${greedy.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(422);
    expect(overCap.body.error).toMatchObject({ code: 'WELFARE_CAP_EXCEEDED', details: { annualCapFen: 60_000, violations: 200 } });
    expect(overCap.body.error.details.examples[0]).toMatchObject({ alreadyFen: 0, thisCampaignFen: 60_001 });
    await t.http.post(`/api/v1/campaigns/${greedy.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '超过年度上限' }).expect(200);
    await t.http.post(`/api/v1/campaigns/${big.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '预算不足' }).expect(200);
    await conserved('refused approvals');
  });

  it('binds a child union to a cap its parent set: the child may add a stricter one, not raise or remove the parent’s', async () => {
    const [federation] = await ds.query(`SELECT id FROM organizations WHERE name = '青岛市总工会'`);
    await t.http
      .post('/api/v1/users')
      .set(bearer(admin))
      .send({ organizationId: federation.id, username: 'federation-admin', displayName: '市总工会管理员', password: PW, roles: [Role.UnionAdmin] })
      .expect(201);
    const fedAdmin = await t.login('federation-admin', PW);
    const capOf = async () => (await t.http.get(`/api/v1/unions/${unionId}/welfare-cap`).set(bearer(unionAdmin)).expect(200)).body;
    const unionRows = () => ds.query(`SELECT id, set_by_organization_id, annual_cap_fen::int AS fen, note FROM welfare_rules WHERE scope = 'union' ORDER BY id`);

    // the child's own 60,000 stands; the federation sets 50,000 for it: a rule of its own beside the child's
    const set = await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(fedAdmin)).send({ annualCapFen: 50_000, note: '市总：每人每年 500 元' }).expect(200);
    expect(set.body).toMatchObject({ scope: 'union', unionId, setByOrganizationId: federation.id, annualCapFen: 50_000 });
    const fedRuleId = set.body.id;
    let cap = await capOf();
    expect(cap.annualCapFen).toBe(50_000);
    const ownRule = cap.rules.find((r: { setByOrganizationId: string | null }) => r.setByOrganizationId === unionId);
    expect(ownRule).toMatchObject({ scope: 'union', unionId, annualCapFen: 60_000 });
    expect(cap.rules.find((r: { id: string }) => r.id === fedRuleId)).toMatchObject({ setByOrganizationId: federation.id, annualCapFen: 50_000 });
    const before = await unionRows();

    // the child's admin can neither raise it nor remove it, and nothing is written
    const raised = await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(unionAdmin)).send({ annualCapFen: 500_000 }).expect(403);
    expect(raised.body.error).toMatchObject({ code: 'WELFARE_RULE_SET_ABOVE', details: { ruleId: fedRuleId, setByOrganizationId: federation.id, annualCapFen: 50_000, requestedFen: 500_000 } });
    const removed = await t.http.delete(`/api/v1/welfare-rules/${fedRuleId}`).set(bearer(unionAdmin)).expect(403);
    expect(removed.body.error).toMatchObject({ code: 'WELFARE_RULE_SET_ABOVE', details: { ruleId: fedRuleId, setByOrganizationId: federation.id } });
    expect(await unionRows()).toEqual(before);
    expect((await capOf()).annualCapFen).toBe(50_000);
    // a sibling union's admin is outside the scope altogether
    expect((await t.http.delete(`/api/v1/welfare-rules/${fedRuleId}`).set(bearer(demoUnionAdmin)).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');

    // approval sees the lowest cap: the federation's 50,000, below the child's own 60,000
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '2 hours' AS closes`);
    const window = { opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() };
    const overFed = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).send({ name: '超过市总上限', amountMode: 'flat', pointsPerMemberFen: 50_001, eligibleGroups: ['一车间'], ...window }).expect(201);
    const refused = await t.http.post(`/api/v1/campaigns/${overFed.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(422);
    expect(refused.body.error).toMatchObject({ code: 'WELFARE_CAP_EXCEEDED', details: { annualCapFen: 50_000, violations: 200 } });
    expect(refused.body.error.details.examples[0]).toMatchObject({ alreadyFen: 0, thisCampaignFen: 50_001 });
    await t.http.post(`/api/v1/campaigns/${overFed.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '超过年度上限' }).expect(200);

    // the child may set a stricter cap of its own (its own rule, the federation's untouched), and it wins
    const stricter = await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(unionAdmin)).send({ annualCapFen: 40_000 }).expect(200);
    expect(stricter.body).toMatchObject({ id: ownRule.id, setByOrganizationId: unionId, annualCapFen: 40_000 });
    cap = await capOf();
    expect(cap.annualCapFen).toBe(40_000);
    expect(cap.rules.find((r: { id: string }) => r.id === fedRuleId)).toMatchObject({ annualCapFen: 50_000 });
    const overOwn = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).send({ name: '超过本单位上限', amountMode: 'flat', pointsPerMemberFen: 40_001, eligibleGroups: ['一车间'], ...window }).expect(201);
    const refusedOwn = await t.http.post(`/api/v1/campaigns/${overOwn.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(422);
    expect(refusedOwn.body.error).toMatchObject({ code: 'WELFARE_CAP_EXCEEDED', details: { annualCapFen: 40_000 } });
    await t.http.post(`/api/v1/campaigns/${overOwn.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '超过年度上限' }).expect(200);

    // the federation changes its own rule (same row) and removes it; then the child may go back to 60,000
    const changed = await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(fedAdmin)).send({ annualCapFen: 45_000 }).expect(200);
    expect(changed.body).toMatchObject({ id: fedRuleId, setByOrganizationId: federation.id, annualCapFen: 45_000 });
    expect((await capOf()).annualCapFen).toBe(40_000);
    await t.http.delete(`/api/v1/welfare-rules/${fedRuleId}`).set(bearer(fedAdmin)).expect(204);
    await t.http.put(`/api/v1/unions/${unionId}/welfare-rule`).set(bearer(unionAdmin)).send({ annualCapFen: 60_000, note: '本单位每人每年 600 元' }).expect(200);
    cap = await capOf();
    expect(cap.annualCapFen).toBe(60_000);
    expect(cap.rules.filter((r: { scope: string }) => r.scope === 'union').map((r: { id: string; setByOrganizationId: string }) => [r.id, r.setByOrganizationId])).toEqual([[ownRule.id, unionId]]);
    await conserved('welfare caps set above');
  });

  it('approves a campaign once (idempotently), and the worker distributes it and opens the window', async () => {
    const [{ opens, closes }] = await ds.query(`SELECT now() + interval '1 second' AS opens, now() + interval '2 hours' AS closes`);
    const created = await t.http
      .post(`/api/v1/unions/${unionId}/campaigns`)
      .set(bearer(unionAdmin))
      .send({
        name: '2025 春节慰问',
        purpose: 'Spring Festival',
        amountMode: 'flat',
        pointsPerMemberFen: 20_000,
        eligibleGroups: ['一车间', '二车间'],
        allowedCategoryIds: ['food', 'farm-produce'],
        opensAt: new Date(opens).toISOString(),
        closesAt: new Date(closes).toISOString(),
      })
      .expect(201);
    campaignA = created.body.id;
    expect(created.body).toMatchObject({ status: 'draft', allowedActions: ['approve', 'cancel'] });

    const twice = await Promise.all([1, 2].map(() => t.http.post(`/api/v1/campaigns/${campaignA}/approve`).set(bearer(unionAdmin)).set('Idempotency-Key', 'approve-spring-0001').send({ note: '委员会通过' })));
    expect(twice.map((r) => r.status)).toEqual([200, 200]);
    expect(twice[0].body).toMatchObject({ totalFen: 8_000_000, memberCount: 400 });
    const third = await t.http.post(`/api/v1/campaigns/${campaignA}/approve`).set(bearer(unionAdmin)).send({}).expect(409);
    expect(third.body.error.code).toBe('INVALID_TRANSITION');
    const reused = await t.http.post(`/api/v1/campaigns/${campaignA}/approve`).set(bearer(unionAdmin)).set('Idempotency-Key', 'approve-spring-0001').send({ note: 'other' }).expect(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [`reserve:${campaignA}`]))[0].n).toBe(1);
    await conserved('approval');

    const open = await eventually(
      async () => {
        const c = (await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin))).body;
        return c.status === 'open' && c.distribution.status === 'done' ? c : null;
      },
      60_000,
      'campaign A distributed and open',
    );
    expect(open.distribution).toMatchObject({ totalMembers: 400, creditedMembers: 400, creditedFen: 8_000_000, percent: 100 });
    expect(open.poolBalanceFen).toBe(0);
    expect(open.history.map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual([
      ['create', expect.any(String)],
      ['approve', twice[0].body.createdBy],
      ['start_distribution', 'system:distribution'],
      ['open_window', expect.stringMatching(/^system:/)],
    ]);
    // every eligible member exactly once, 20,000 fen each, by raw SQL on the ledger
    const [g] = await ds.query(
      `SELECT count(*)::int AS entries, count(DISTINCT t.credit_account_id)::int AS accounts, min(t.amount)::int AS min, max(t.amount)::int AS max
         FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id WHERE e.idempotency_key LIKE $1`,
      [`grant:${campaignA}:%`],
    );
    expect(g).toEqual({ entries: 400, accounts: 400, min: 20_000, max: 20_000 });
    const [{ wrong }] = await ds.query(
      `SELECT count(*)::int AS wrong FROM campaign_members cm JOIN members m ON m.id = cm.member_id
        WHERE cm.campaign_id = $1 AND (cm.state <> 'credited' OR m.group_name NOT IN ('一车间', '二车间'))`,
      [campaignA],
    );
    expect(wrong).toBe(0);
    await conserved('distribution');
    await assertUnionBooks(ds, unionId);
  });

  it('lets members activate with their code and find the points credited before', async () => {
    const csvRes = await t.http.get(`/api/v1/unions/${unionId}/activation-codes.csv?only=new`).set(bearer(unionAdmin)).expect(200);
    expect(csvRes.headers['content-type']).toMatch(/text\/csv/);
    const codes: Record<string, string>[] = parse(csvRes.text, { columns: true, bom: true });
    expect(codes).toHaveLength(600);
    const one = codes.find((c) => c.employee_no === 'TS00003')!; // 一车间 (3 % 3 = 0 → 一车间)
    expect(one).toMatchObject({ phone: '13900000003', activation_code: expect.stringMatching(/^[A-HJKMNP-Z2-9]{8}$/) });
    const again = await t.http.get(`/api/v1/unions/${unionId}/activation-codes.csv?only=new`).set(bearer(unionAdmin)).expect(200);
    expect(parse(again.text, { columns: true, bom: true })).toHaveLength(0);

    const wrong = await t.http.post('/api/v1/members/activate').send({ phone: one.phone, employeeNo: 'TS00003', activationCode: 'AAAAAAAA', username: 'zhigong3', password: PW }).expect(401);
    expect(wrong.body.error.code).toBe('INVALID_ACTIVATION');
    const ok = await t.http.post('/api/v1/members/activate').send({ phone: one.phone, employeeNo: 'TS00003', activationCode: one.activation_code.toLowerCase(), username: 'zhigong3', password: PW }).expect(200);
    expect(ok.body).toMatchObject({ memberId: members.get('TS00003')!.id, accessToken: expect.any(String), user: { username: 'zhigong3', roles: ['worker'], organizationId: unionId } });
    m1 = { id: ok.body.memberId, token: ok.body.accessToken, userId: ok.body.user.id };
    await t.http.post('/api/v1/members/activate').send({ phone: one.phone, employeeNo: 'TS00003', activationCode: one.activation_code, username: 'zhigong3b', password: PW }).expect(401);

    const mine = await t.http.get('/api/v1/me/points').set(bearer(m1.token)).expect(200);
    expect(mine.body).toMatchObject({ memberId: m1.id, unionId, spendableFen: 20_000, balanceFen: 20_000 });
    expect(mine.body.campaigns).toEqual([
      expect.objectContaining({ campaignId: campaignA, balanceFen: 20_000, grantedFen: 20_000, spendable: true, allowedCategoryIds: ['food', 'farm-produce'], status: 'open' }),
    ]);
    expect(mine.body.history).toEqual([expect.objectContaining({ kind: 'campaign.grant', amountFen: 20_000, campaignId: campaignA })]);
    const [holder] = await ds.query(`SELECT a.holder_user_id FROM ledger_accounts a JOIN campaign_members cm ON cm.grant_account_id = a.id WHERE cm.member_id = $1`, [m1.id]);
    expect(holder.holder_user_id).toBe(m1.userId);

    // the notifier path, for a member of 二车间
    const m2Row = members.get('TS00004')!; // 4 % 3 = 1 → 二车间
    const sent = await t.http.post(`/api/v1/unions/${unionId}/activation-codes/send`).set(bearer(unionAdmin)).send({ only: 'all', memberIds: [m2Row.id] }).expect(200);
    expect(sent.body).toEqual({ issued: 1, sent: 1, failed: [] });
    const notifier = t.app.get<LoggingActivationNotifier>(ACTIVATION_NOTIFIER);
    const notice = notifier.sent.find((n) => n.memberId === m2Row.id)!;
    expect(notice).toMatchObject({ phone: m2Row.phone, unionName: '青岛啤酒厂工会', code: expect.any(String) });
    const ok2 = await t.http.post('/api/v1/members/activate').send({ phone: m2Row.phone, employeeNo: 'TS00004', activationCode: notice.code, username: 'zhigong4', password: PW }).expect(200);
    m2 = { id: ok2.body.memberId, token: ok2.body.accessToken, userId: ok2.body.user.id };
    await t.http.get('/api/v1/me/points').set(bearer(admin)).expect(403);
    await conserved('activation');
  });

  it('credits a member added after approval in a new distribution round', async () => {
    const created = await t.http.post(`/api/v1/unions/${unionId}/members`).set(bearer(unionAdmin)).send({ employeeNo: 'TS09001', name: '新职工', phone: '13600000001', group: '一车间', joinDate: '2025-01-02' }).expect(201);
    const dup = await t.http.post(`/api/v1/unions/${unionId}/members`).set(bearer(unionAdmin)).send({ employeeNo: 'TS09001', name: '重复', phone: '13600000002' }).expect(409);
    expect(dup.body.error.code).toBe('EMPLOYEE_NO_TAKEN');
    const added = await t.http.post(`/api/v1/campaigns/${campaignA}/members`).set(bearer(unionAdmin)).set('Idempotency-Key', 'add-newcomer-0001').send({ memberIds: [created.body.id] }).expect(200);
    expect(added.body).toEqual({ added: 1, reservedFen: 20_000, round: 1 });
    const replay = await t.http.post(`/api/v1/campaigns/${campaignA}/members`).set(bearer(unionAdmin)).set('Idempotency-Key', 'add-newcomer-0001').send({ memberIds: [created.body.id] }).expect(200);
    expect(replay.body).toEqual(added.body);
    await eventually(
      async () => (await ds.query(`SELECT 1 FROM campaign_members WHERE campaign_id = $1 AND member_id = $2 AND state = 'credited'`, [campaignA, created.body.id])).length > 0,
      30_000,
      'the newcomer credited',
    );
    const c = (await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin)).expect(200)).body;
    expect(c).toMatchObject({ totalFen: 8_020_000, memberCount: 401, poolBalanceFen: 0 });
    await eventually(async () => (await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin))).body.distribution.status === 'done', 30_000, 'round 1 done');
    members.set('TS09001', { id: created.body.id, phone: '13600000001', group: '一车间' });
    await conserved('a later member');
    await assertUnionBooks(ds, unionId);
  });

  it('gives the ordering engineer spendable grants (by the database clock) and refund targets', async () => {
    const points = t.app.get(PointsQueryService);
    const ledger = t.app.get(LedgerService);
    // a user's active member (a member id is not a user id)
    const found = await t.app.get(TransactionRunner).run((em) => points.checkoutMembersOf(em, [m1.userId, m1.id]));
    expect([...found.keys()]).toEqual([m1.userId]);
    expect(found.get(m1.userId)).toMatchObject({ memberId: m1.id, unionId });
    await t.app.get(TransactionRunner).run(async (em) => {
      const grants = await points.spendableGrants(em, m1.id);
      expect(grants).toEqual([
        expect.objectContaining({ campaignId: campaignA, campaignName: '2025 春节慰问', unionId, balance: 20_000, allowedCategoryIds: ['food', 'farm-produce'], perMemberCapFen: null }),
      ]);
      expect(await points.refundTarget(em, grants[0].grantAccountId)).toEqual({ accountId: grants[0].grantAccountId, reason: 'grant' });
      // an order: 5,000 fen from the grant into escrow (as the ordering context will post it)
      const escrow = await ledger.openAccount(em, { type: AccountType.OrderEscrow, ownerType: 'test_order', ownerId: 'order-1', organizationId: unionId });
      escrowAccountId = escrow.id;
      await ledger.post(em, {
        kind: 'order.place',
        idempotencyKey: 'test-order-1',
        reference: 'order:test-1',
        actor: m1.userId,
        transfers: [{ debitAccountId: grants[0].grantAccountId, creditAccountId: escrow.id, amount: 5_000 }],
      });
    });
    const mine = await t.http.get('/api/v1/me/points').set(bearer(m1.token)).expect(200);
    expect(mine.body.spendableFen).toBe(15_000);
    expect(mine.body.history.map((h: { amountFen: number }) => h.amountFen)).toEqual([-5_000, 20_000]);
    await conserved('an order');
  });

  it('shows a member the latest 50 movements of their points, newest first, and says when older ones exist', async () => {
    const ledger = t.app.get(LedgerService);
    const grant = (await t.http.get('/api/v1/me/points').set(bearer(m1.token)).expect(200)).body.campaigns[0].grantAccountId;
    // 30 small orders and 30 refunds: net nothing, 60 more lines than the grant and the first order
    await t.app.get(TransactionRunner).run(async (em) => {
      for (let i = 1; i <= 60; i++) {
        const out = i % 2 === 1;
        await ledger.post(em, {
          kind: out ? 'order.place' : 'order.refund',
          idempotencyKey: `history-${i}`,
          reference: `order:history-${i}`,
          actor: m1.userId,
          transfers: [out ? { debitAccountId: grant, creditAccountId: escrowAccountId, amount: i } : { debitAccountId: escrowAccountId, creditAccountId: grant, amount: i - 1 }],
        });
      }
    });
    const mine = await t.http.get('/api/v1/me/points').set(bearer(m1.token)).expect(200);
    expect(mine.body.history).toHaveLength(50);
    expect(mine.body.historyTruncated).toBe(true);
    // the newest is the 60th movement (a refund of 59), then the 59th (an order of 59), …
    expect(mine.body.history.slice(0, 3).map((h: { amountFen: number }) => h.amountFen)).toEqual([59, -59, 57]);
    expect(mine.body.history.map((h: { kind: string }) => h.kind)).not.toContain('campaign.grant');
    // net nothing: the later tests find the balance as it was
    await t.http.get('/api/v1/me/points').set(bearer(m1.token)).expect(200).expect((r) => expect(r.body.spendableFen).toBe(15_000));
    await conserved('history');
  });

  it('lets a member leave: unspent points return to the pool, the account stops working', async () => {
    const poolBefore = (await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin))).body.poolBalanceFen;
    const leave = (memberId: string, reason: string) => t.http.post(`/api/v1/unions/${unionId}/members/${memberId}/leave`).set(bearer(unionAdmin)).set('Idempotency-Key', `leave-${m2.id}`).send({ reason });
    const res = await leave(m2.id, '调离').expect(200);
    expect(res.body).toMatchObject({ returnedFen: 20_000, returns: [{ campaignId: campaignA, amountFen: 20_000, to: 'campaign_pool' }], member: { status: 'left', leaveReason: '调离' } });
    // the response was lost: a retry with the key (the id spelled in upper case) gets the first answer, returns nothing twice
    expect((await leave(m2.id.toUpperCase(), '调离').expect(200)).body).toEqual(res.body);
    expect((await leave(m2.id, '退休').expect(409)).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [`leave:${m2.id}:${campaignA}`]))[0].n).toBe(1);
    expect((await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin))).body.poolBalanceFen).toBe(poolBefore + 20_000);
    expect((await t.http.get('/api/v1/me/points').set(bearer(m2.token)).expect(401)).body.error.code).toBe('UNAUTHORIZED');
    expect((await t.http.post(`/api/v1/unions/${unionId}/members/${m2.id}/leave`).set(bearer(unionAdmin)).send({}).expect(409)).body.error.code).toBe('MEMBER_ALREADY_LEFT');
    const reimport = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(`employee_no,name,phone,group,join_date\nTS00004,职工4,${m2Row()},二车间,`).expect(200);
    expect(reimport.body.errors[0]).toMatchObject({ field: 'employee_no', reason: expect.stringContaining('left') });
    await conserved('a member leaving');
    await assertUnionBooks(ds, unionId);

    function m2Row() {
      return members.get('TS00004')!.phone;
    }
  });

  it('closes the window: unspent grants expire to the pool and the pool returns to the budget', async () => {
    const budgetBefore = (await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body.balanceFen;
    const [{ grants }] = await ds.query(
      `SELECT coalesce(sum(CASE WHEN t.credit_account_id = cm.grant_account_id THEN t.amount ELSE -t.amount END), 0)::bigint AS grants
         FROM campaign_members cm JOIN ledger_transfers t ON t.credit_account_id = cm.grant_account_id OR t.debit_account_id = cm.grant_account_id
        WHERE cm.campaign_id = $1`,
      [campaignA],
    );
    const c = (await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin))).body;
    // 400 + 1 credited − 5,000 spent − 20,000 returned by the leaver
    expect(Number(grants)).toBe(401 * 20_000 - 5_000 - 20_000);
    // time passes: the window's end is now (the test cannot wait two hours), and the delayed close job is due
    await ds.query(`UPDATE campaigns SET closes_at = now() WHERE id = $1`, [campaignA]);
    const job = await eventually(() => t.app.get(QueueRegistry).get(QUEUES.campaignWindow).getJob(`close.${campaignA}`), 30_000, 'the relayed close job');
    await job.promote();
    const settled = await eventually(
      async () => {
        const x = (await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(unionAdmin))).body;
        return x.status === 'settled' ? x : null;
      },
      60_000,
      'campaign A settled',
    );
    expect(settled).toMatchObject({ expiredFen: Number(grants), returnedFen: Number(grants) + c.poolBalanceFen, poolBalanceFen: 0 });
    expect(settled.history.slice(-2).map((h: { action: string }) => h.action)).toEqual(['close_window', 'settle']);
    const budgetAfter = (await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body.balanceFen;
    expect(budgetAfter).toBe(budgetBefore + Number(grants) + c.poolBalanceFen);
    const [{ left }] = await ds.query(
      `SELECT count(*)::int AS left FROM campaign_members cm WHERE cm.campaign_id = $1 AND cm.grant_account_id IS NOT NULL
          AND (coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = cm.grant_account_id), 0)
             - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = cm.grant_account_id), 0)) <> 0`,
      [campaignA],
    );
    expect(left).toBe(0);
    const mine = await t.http.get('/api/v1/me/points').set(bearer(m1.token)).expect(200);
    expect(mine.body).toMatchObject({ spendableFen: 0, balanceFen: 0 });
    expect(mine.body.campaigns[0]).toMatchObject({ status: 'settled', spendable: false, grantedFen: 20_000 });
    // a refund of the escrowed 5,000 would now go to the union budget
    const points = t.app.get(PointsQueryService);
    const grantId = mine.body.campaigns[0].grantAccountId;
    const target = await t.app.get(TransactionRunner).run((em) => points.refundTarget(em, grantId));
    expect(target).toEqual({ accountId: expect.any(String), reason: 'union_budget' });
    expect(await rawBalance(ds, escrowAccountId)).toBe(5_000);
    // the close is idempotent: running it again moves nothing
    const entries = (await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1`, [`campaign:${campaignA}`]))[0].n;
    await worker.get(QueueRegistry).get(QUEUES.campaignWindow).add('close-window', { campaignId: campaignA }, { jobId: `close-again.${campaignA}` });
    await eventually(async () => (await worker.get(QueueRegistry).get(QUEUES.campaignWindow).getJob(`close-again.${campaignA}`))?.isCompleted(), 30_000, 'second close');
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1`, [`campaign:${campaignA}`]))[0].n).toBe(entries);
    await conserved('the close');
    await assertUnionBooks(ds, unionId);
  });

  it('cancels a draft, and an approved campaign with its pool returned', async () => {
    const [{ opens, closes, later }] = await ds.query(`SELECT now() AS opens, now() + interval '3 hours' AS closes, now() + interval '1 hour' AS later`);
    const base = { amountMode: 'flat', pointsPerMemberFen: 1_000, eligibleGroups: ['三车间'], opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() };
    const draft = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).send({ name: '草稿', ...base }).expect(201);
    expect((await t.http.post(`/api/v1/campaigns/${draft.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '不办了' }).expect(200)).body.status).toBe('cancelled');

    const budgetBefore = (await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body.balanceFen;
    // scheduled distribution an hour from now: the campaign stays approved until then
    const sched = await t.http.post(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).send({ name: '定时发放', distributeAt: new Date(later).toISOString(), ...base }).expect(201);
    const approved = await t.http.post(`/api/v1/campaigns/${sched.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', totalFen: 200_000, poolBalanceFen: 200_000 });
    expect((await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body.balanceFen).toBe(budgetBefore - 200_000);
    await conserved('a scheduled approval');
    const cancelled = await t.http.post(`/api/v1/campaigns/${sched.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '改期' }).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', poolBalanceFen: 0, returnedFen: 200_000 });
    expect((await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body.balanceFen).toBe(budgetBefore);
    expect((await t.http.post(`/api/v1/campaigns/${sched.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: 'again' }).expect(409)).body.error.code).toBe('INVALID_TRANSITION');
    // its delayed distribution job, should it run, finds a cancelled campaign and does nothing
    const job = await eventually(() => t.app.get(QueueRegistry).get(QUEUES.distribution).getJob(`distribute.${sched.body.id}.0`), 30_000, 'the relayed job');
    await job.promote();
    await eventually(async () => (await t.app.get(QueueRegistry).get(QUEUES.distribution).getJob(`distribute.${sched.body.id}.0`))?.isCompleted(), 30_000, 'the stale job');
    expect((await ds.query(`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = $1 AND state = 'credited'`, [sched.body.id]))[0].n).toBe(0);
    await conserved('cancellation');
    await assertUnionBooks(ds, unionId);
  });

  it('takes per-member amounts from a CSV, with a per-row report and the per-member cap', async () => {
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '3 hours' AS closes`);
    const c = await t.http
      .post(`/api/v1/unions/${unionId}/campaigns`)
      .set(bearer(unionAdmin))
      .send({ name: '劳模奖励', amountMode: 'per_member', perMemberCapFen: 30_000, opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() })
      .expect(201);
    const file = ['employee_no,points', 'TS00010,100.5', 'TS00011,300', 'TS00012,300.01', 'TS00013,abc', 'NOBODY,10', 'TS00010,5', `TS00004,10`].join('\n');
    const dry = await t.http.put(`/api/v1/campaigns/${c.body.id}/member-amounts?dryRun=true`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(file).expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, totalRows: 7, validRows: 2, rejected: 5, totalFen: 40_050 });
    expect(dry.body.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([
      [4, 'points'],
      [5, 'points'],
      [6, 'employee_no'],
      [7, 'employee_no'],
      [8, 'employee_no'],
    ]);
    expect((await t.http.get(`/api/v1/campaigns/${c.body.id}`).set(bearer(unionAdmin))).body.totalFen).toBe(0);
    await t.http.put(`/api/v1/campaigns/${c.body.id}/member-amounts`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(file).expect(200);
    expect((await t.http.get(`/api/v1/campaigns/${c.body.id}`).set(bearer(unionAdmin))).body).toMatchObject({ totalFen: 40_050, memberCount: 2 });
    await t.http.post(`/api/v1/campaigns/${c.body.id}/approve`).set(bearer(unionAdmin)).send({}).expect(200);
    await eventually(async () => (await t.http.get(`/api/v1/campaigns/${c.body.id}`).set(bearer(unionAdmin))).body.status === 'open', 60_000, 'per-member campaign open');
    const rows = (await t.http.get(`/api/v1/campaigns/${c.body.id}/members?state=credited`).set(bearer(auditor)).expect(200)).body.items;
    expect(rows.map((r: { employeeNo: string; amountFen: number; balanceFen: number }) => [r.employeeNo, r.amountFen, r.balanceFen])).toEqual([
      ['TS00010', 10_050, 10_050],
      ['TS00011', 30_000, 30_000],
    ]);
    await conserved('per-member amounts');
  });

  it('never overdraws the budget when approvals race (and approves a campaign once when five admins click)', async () => {
    await t.http.delete(`/api/v1/welfare-rules/${(await t.http.get(`/api/v1/unions/${unionId}/welfare-cap`).set(bearer(unionAdmin))).body.rules.find((r: { scope: string }) => r.scope === 'union').id}`).set(bearer(unionAdmin)).expect(204);
    const budget = (await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body;
    // four campaigns for 三车间 (200 members), each needing 40% of what may be allocated: two fit
    const perMember = Math.floor((budget.availableFen * 0.4) / 200);
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '3 hours' AS closes`);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await t.http
        .post(`/api/v1/unions/${unionId}/campaigns`)
        .set(bearer(unionAdmin))
        .send({ name: `并发 ${i}`, amountMode: 'flat', pointsPerMemberFen: perMember, eligibleGroups: ['三车间'], opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() })
        .expect(201);
      ids.push(c.body.id);
    }
    const results = await Promise.all(ids.map((id) => t.http.post(`/api/v1/campaigns/${id}/approve`).set(bearer(unionAdmin)).send({})));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 422, 422]);
    expect(results.filter((r) => r.status === 422).every((r) => r.body.error.code === 'INSUFFICIENT_BUDGET')).toBe(true);
    const after = (await t.http.get(`/api/v1/unions/${unionId}/budget`).set(bearer(unionAdmin))).body;
    expect(after.balanceFen).toBe(budget.balanceFen - 2 * perMember * 200);
    expect(after.balanceFen).toBeGreaterThanOrEqual(-after.creditLimitFen);

    const [{ o2, c2 }] = await ds.query(`SELECT now() AS o2, now() + interval '3 hours' AS c2`);
    const once = await t.http
      .post(`/api/v1/unions/${unionId}/campaigns`)
      .set(bearer(unionAdmin))
      .send({ name: '五人同时审批', amountMode: 'flat', pointsPerMemberFen: 100, opensAt: new Date(o2).toISOString(), closesAt: new Date(c2).toISOString() })
      .expect(201);
    const clicks = await Promise.all(Array.from({ length: 5 }, () => t.http.post(`/api/v1/campaigns/${once.body.id}/approve`).set(bearer(unionAdmin)).send({})));
    expect(clicks.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [`reserve:${once.body.id}`]))[0].n).toBe(1);
    await conserved('racing approvals');
    await assertUnionBooks(ds, unionId);
  });

  it('scopes every read and write: other unions’ admins, workers and auditors', async () => {
    expect((await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(demoUnionAdmin)).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');
    await t.http.get(`/api/v1/unions/${unionId}/campaigns`).set(bearer(demoUnionAdmin)).expect(403);
    await t.http.post(`/api/v1/unions/${unionId}/members/${m1.id}/leave`).set(bearer(demoUnionAdmin)).send({}).expect(403);
    await t.http.get(`/api/v1/unions/${unionId}/activation-codes.csv`).set(bearer(demoUnionAdmin)).expect(403);
    await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(m1.token)).expect(403);
    await t.http.get(`/api/v1/campaigns/${campaignA}`).set(bearer(auditor)).expect(200);
    expect((await t.http.post(`/api/v1/campaigns/${campaignA}/cancel`).set(bearer(auditor)).send({ reason: 'x' }).expect(403)).body.error.code).toBe('AUDITOR_READ_ONLY');
    // the demo worker sees their own union's campaign, not this one
    const demo = await t.http.get('/api/v1/me/points').set(bearer(demoWorker)).expect(200);
    expect(demo.body.campaigns.map((c: { campaignId: string }) => c.campaignId)).not.toContain(campaignA);
    expect(demo.body.spendableFen).toBe(50_000);
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    for (const path of ['/api/v1/unions', '/api/v1/campaigns/{id}/approve', '/api/v1/members/activate', '/api/v1/me/points', '/api/v1/unions/{unionId}/members/import']) {
      for (const op of Object.values(doc.paths[path] as Record<string, { 'x-roles'?: string[] }>)) expect(op['x-roles']?.length).toBeGreaterThan(0);
    }
    await conserved('the end');
  });
});
