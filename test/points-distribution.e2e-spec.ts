import { AppError, Role, TransactionRunner } from '@huigong/common';
import { UsersService } from '@huigong/identity';
import { AccountType, DistributeInput, DistributeOptions, LedgerQueryService, LedgerService } from '@huigong/ledger';
import { CampaignWindowService, DistributionRunner, LAGGING_CAMPAIGNS_SQL, PointsQueryService, PointsReportingService, PointsTraceQueryService } from '@huigong/points';
import { CHUNK_SELECT_SQL } from '../libs/points/src/distribution/distribution-runner.service';
import { anyPending, FIRST_PENDING_SQL, onCampaignRange, walkCampaignRangeForTransaction } from '../libs/points/src/shared/campaign-range.util';
import { ActivateMemberService } from '../libs/points/src/roster/activate-member.service';
import { WELFARE_CAP_SQL, WelfareCapService } from '../libs/points/src/welfare/welfare-cap.service';
import { EntityManager } from 'typeorm';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { assertConservation } from './support/ledger-conservation';
import { bearer, eventually, startTestApp, TestApp } from './support/test-app';

const PW = 'long-enough-password';

/**
 * Distribution and the window's close under failure and concurrency, driven in-process (no worker:
 * the outbox's jobs stay in the outbox, so nothing runs behind the test's back).
 */
describe('distribution and close under crashes and races (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let admin: string;
  let unionId: string;
  let unionAdmin: string;
  let runner: DistributionRunner;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.dataSource;
    runner = t.app.get(DistributionRunner);
    admin = await t.login('admin');
    const [platform] = await ds.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    const res = await t.http.post('/api/v1/unions').set(bearer(admin)).send({ name: '青岛港湾机械工会', parentId: platform.id, regionCode: '370211', admin: { username: 'gwjx-admin', displayName: '管理员', password: PW } }).expect(201);
    unionId = res.body.id;
    unionAdmin = await t.login('gwjx-admin', PW);
    const [{ today, year }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today, extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int AS year`);
    await t.http
      .post(`/api/v1/unions/${unionId}/agreements`)
      .set(bearer(admin))
      .send({ number: 'GWJX-001', signedOn: today, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: 1500, expectedAmountFen: 0, creditLimitFen: 0 })
      .expect(201);
    await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send({ amountFen: 100_000_000, bankReference: 'GWJX-DEP-1', receivedOn: today }).expect(201);
    const lines = ['employee_no,name,phone,group,join_date'];
    for (let i = 1; i <= 1500; i++) lines.push(`GW${String(i).padStart(5, '0')},机械${i},137${String(i).padStart(8, '0')},${i <= 100 ? '码头' : '车间'},`);
    const imported = await t.http.post(`/api/v1/unions/${unionId}/members/import`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(lines.join('\n')).expect(200);
    expect(imported.body.created).toBe(1500);
  });

  afterAll(() => t?.close());

  async function draftCampaign(name: string, amountFen: number, opts: { groups?: string[]; closesIn?: string } = {}): Promise<string> {
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + $1::interval AS closes`, [opts.closesIn ?? '2 hours']);
    const c = await t.http
      .post(`/api/v1/unions/${unionId}/campaigns`)
      .set(bearer(unionAdmin))
      .send({ name, amountMode: 'flat', pointsPerMemberFen: amountFen, eligibleGroups: opts.groups, opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() })
      .expect(201);
    return c.body.id;
  }

  async function approvedCampaign(name: string, amountFen: number, opts: { groups?: string[]; closesIn?: string } = {}): Promise<string> {
    const id = await draftCampaign(name, amountFen, opts);
    await t.http.post(`/api/v1/campaigns/${id}/approve`).set(bearer(unionAdmin)).send({}).expect(200);
    return id;
  }

  /** The ledger entries whose key or reference names this id in any case, as raw SQL sees them. */
  async function entriesNaming(id: string): Promise<{ kind: string; idempotency_key: string; reference: string }[]> {
    return ds.query(
      `SELECT kind, idempotency_key, reference FROM ledger_entries
        WHERE strpos(lower(idempotency_key), $1) > 0 OR strpos(lower(reference), $1) > 0 ORDER BY id`,
      [id.toLowerCase()],
    );
  }

  /** Raw SQL: every member of the campaign credited exactly once with `amount`, the pool emptied into grants. */
  async function assertCreditedOnce(campaignId: string, members: number, amount: number): Promise<void> {
    const [g] = await ds.query(
      `SELECT count(*)::int AS entries, count(DISTINCT e.idempotency_key)::int AS keys, count(DISTINCT t.credit_account_id)::int AS accounts,
              coalesce(sum(t.amount), 0)::bigint AS fen
         FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id
        WHERE e.kind = 'campaign.grant' AND e.reference = $1`,
      [`campaign:${campaignId}`],
    );
    expect(g).toEqual({ entries: members, keys: members, accounts: members, fen: String(members * amount) });
    const [cm] = await ds.query(
      `SELECT count(*) FILTER (WHERE state = 'credited')::int AS credited, count(*)::int AS total,
              count(DISTINCT grant_account_id)::int AS accounts FROM campaign_members WHERE campaign_id = $1`,
      [campaignId],
    );
    expect(cm).toEqual({ credited: members, total: members, accounts: members });
    // each grant account received exactly its amount, once
    const [{ off }] = await ds.query(
      `SELECT count(*)::int AS off FROM campaign_members cm
        WHERE cm.campaign_id = $1 AND (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE credit_account_id = cm.grant_account_id) <> cm.amount_fen`,
      [campaignId],
    );
    expect(off).toBe(0);
    const [pool] = await ds.query(
      `SELECT (coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = c.pool_account_id), 0)
             - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = c.pool_account_id), 0))::bigint AS balance
         FROM campaigns c WHERE c.id = $1`,
      [campaignId],
    );
    expect(pool.balance).toBe('0');
  }

  it('re-runs a distribution that died half-way (after 3 or 4 of 8 chunks) and credits nobody twice', async () => {
    const id = await approvedCampaign('中断重跑', 1_000);
    await expect(
      runner.run(id, {
        chunkSize: 200,
        afterChunk: (n) => {
          if (n === 3) throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    const [half] = await ds.query(`SELECT status, credited_members, chunks, runs FROM campaign_distributions WHERE campaign_id = $1`, [id]);
    // two chunks are in flight: the 4th may have committed beside the 3rd, as it may before a crash
    expect([3, 4]).toContain(half.chunks);
    expect(half).toEqual({ status: 'running', credited_members: half.chunks * 200, chunks: half.chunks, runs: 1 });
    const progress = (await t.http.get(`/api/v1/campaigns/${id}`).set(bearer(unionAdmin)).expect(200)).body;
    expect(progress).toMatchObject({ status: 'distributing', distribution: { creditedMembers: half.chunks * 200, totalMembers: 1500 } });
    await assertConservation(ds, 'a crash half-way');

    const rerun = await runner.run(id, { chunkSize: 200 });
    expect(rerun).toMatchObject({ outcome: 'done', credited: 1500 - half.chunks * 200, campaignStatus: 'open' });
    // and once more: nothing left to do
    expect(await runner.run(id, { chunkSize: 200 })).toMatchObject({ outcome: 'done', credited: 0 });
    await assertCreditedOnce(id, 1500, 1_000);
    const [done] = await ds.query(`SELECT status, credited_members, runs FROM campaign_distributions WHERE campaign_id = $1`, [id]);
    expect(done).toEqual({ status: 'done', credited_members: 1500, runs: 3 });
    await assertConservation(ds, 'the re-run');
  });

  it('survives kill -9 of the worker process mid-distribution', async () => {
    const id = await approvedCampaign('强杀重跑', 2_000);
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join('test', 'support', 'distribution-child.ts'), id, '100', '150'], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: t.config.databaseUrl, REDIS_URL: t.config.redisUrl, QUEUE_PREFIX: t.config.queuePrefix, TS_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      await eventually(
        async () => (await ds.query(`SELECT credited_members FROM campaign_distributions WHERE campaign_id = $1 AND credited_members >= 300`, [id])).length > 0,
        120_000,
        `the child to credit 300 members (output: ${output})`,
      );
      child.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const [killed] = await ds.query(`SELECT credited_members FROM campaign_distributions WHERE campaign_id = $1`, [id]);
    expect(killed.credited_members).toBeGreaterThanOrEqual(300);
    expect(killed.credited_members).toBeLessThan(1500);
    // the killed process's open chunk (if any) rolled back with its connection
    await eventually(async () => (await ds.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'huigong-cli'`)).length === 0, 30_000, 'the killed process’s sessions to end');
    await assertConservation(ds, 'kill -9');
    const rerun = await runner.run(id, { chunkSize: 100 });
    expect(rerun.credited).toBe(1500 - killed.credited_members);
    await assertCreditedOnce(id, 1500, 2_000);
    await assertConservation(ds, 'the run after kill -9');
  }, 180_000);

  it('lets two runners work on one campaign at once and still credits each member once', async () => {
    const id = await approvedCampaign('双跑', 500);
    const results = await Promise.all([runner.run(id, { chunkSize: 150 }), runner.run(id, { chunkSize: 150 }), runner.run(id, { chunkSize: 150 })]);
    expect(results.reduce((s, r) => s + r.credited, 0)).toBe(1500);
    await assertCreditedOnce(id, 1500, 500);
    await assertConservation(ds, 'concurrent runners');
  });

  it('an order racing the close is wholly in or wholly out', async () => {
    // two campaigns for the same 100 members closing at the same moment; every order takes 1,000
    // fen from both grants in one entry, so a half-done order would show as unequal spending
    const a = await approvedCampaign('抢单 A', 10_000, { groups: ['码头'] });
    const b = await approvedCampaign('抢单 B', 10_000, { groups: ['码头'] });
    await runner.run(a);
    await runner.run(b);
    const points = t.app.get(PointsQueryService);
    const ledger = t.app.get(LedgerService);
    const tx = t.app.get(TransactionRunner);
    const windows = t.app.get(CampaignWindowService);
    const memberIds: string[] = (await ds.query(`SELECT member_id FROM campaign_members WHERE campaign_id = $1 ORDER BY member_id`, [a])).map((r: { member_id: string }) => r.member_id);
    const escrow = await tx.run((em) => ledger.openAccount(em, { type: AccountType.OrderEscrow, ownerType: 'race_test', ownerId: 'escrow', organizationId: unionId }));
    // the window closes a second from now by the database clock
    await ds.query(`UPDATE campaigns SET closes_at = now() + interval '1 second' WHERE id = ANY($1::uuid[])`, [[a, b]]);

    const outcomes = { in: 0, closed: 0, refused: 0 };
    let closing = true;
    let seq = 0;
    const shopper = async () => {
      while (closing) {
        const member = memberIds[seq++ % memberIds.length];
        const key = `race-order-${seq}`;
        try {
          const placed = await tx.run(async (em) => {
            const grants = (await points.spendableGrants(em, member)).filter((g) => g.campaignId === a || g.campaignId === b);
            if (grants.length < 2 || grants.some((g) => g.balance < 1_000)) return false;
            await ledger.post(em, {
              kind: 'order.place',
              idempotencyKey: key,
              reference: `order:${key}`,
              actor: null,
              metadata: { member },
              transfers: grants.map((g) => ({ debitAccountId: g.grantAccountId, creditAccountId: escrow.id, amount: 1_000 })),
            });
            return true;
          });
          outcomes[placed ? 'in' : 'closed']++;
        } catch (err) {
          if (!(err instanceof AppError) || err.code !== 'INSUFFICIENT_FUNDS') throw err;
          outcomes.refused++;
        }
      }
    };
    const close = (id: string) =>
      eventually(async () => {
        try {
          return await windows.close(id, { chunkSize: 30 });
        } catch (err) {
          if ((err as AppError).code === 'NOT_YET') return null;
          throw err;
        }
      }, 30_000, `closing ${id}`);
    const shoppers = Array.from({ length: 6 }, shopper);
    const closed = await Promise.all([close(a), close(b)]);
    closing = false;
    await Promise.all(shoppers);
    expect(closed.map((c) => c.campaignStatus)).toEqual(['settled', 'settled']);
    expect(outcomes.in).toBeGreaterThan(0);

    const orders: { id: string; transfers: number; created_at_ok: boolean }[] = await ds.query(
      `SELECT e.id, count(t.id)::int AS transfers, bool_and(e.created_at < c.closes_at) AS created_at_ok
         FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id JOIN campaigns c ON c.id = $1
        WHERE e.kind = 'order.place' AND e.idempotency_key LIKE 'race-order-%' GROUP BY e.id`,
      [a],
    );
    expect(orders).toHaveLength(outcomes.in);
    // whole orders only, and only those whose transaction began before the close (database clock)
    expect(orders.every((o) => o.transfers === 2 && o.created_at_ok)).toBe(true);
    // per member: spent equally from both grants; granted = spent + expired; nothing left behind
    const rows: { member_id: string; spent_a: string; spent_b: string; expired_a: string; expired_b: string; left: string }[] = await ds.query(
      `WITH g AS (
         SELECT cm.member_id, cm.campaign_id, cm.grant_account_id FROM campaign_members cm WHERE cm.campaign_id = ANY($1::uuid[]))
       SELECT g.member_id,
              sum(CASE WHEN g.campaign_id = $2 THEN (SELECT coalesce(sum(t.amount), 0) FROM ledger_transfers t JOIN ledger_entries e ON e.id = t.entry_id WHERE t.debit_account_id = g.grant_account_id AND e.kind = 'order.place') END)::text AS spent_a,
              sum(CASE WHEN g.campaign_id = $3 THEN (SELECT coalesce(sum(t.amount), 0) FROM ledger_transfers t JOIN ledger_entries e ON e.id = t.entry_id WHERE t.debit_account_id = g.grant_account_id AND e.kind = 'order.place') END)::text AS spent_b,
              sum(CASE WHEN g.campaign_id = $2 THEN (SELECT coalesce(sum(t.amount), 0) FROM ledger_transfers t JOIN ledger_entries e ON e.id = t.entry_id WHERE t.debit_account_id = g.grant_account_id AND e.kind = 'campaign.expire') END)::text AS expired_a,
              sum(CASE WHEN g.campaign_id = $3 THEN (SELECT coalesce(sum(t.amount), 0) FROM ledger_transfers t JOIN ledger_entries e ON e.id = t.entry_id WHERE t.debit_account_id = g.grant_account_id AND e.kind = 'campaign.expire') END)::text AS expired_b,
              sum((SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE credit_account_id = g.grant_account_id)
                - (SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE debit_account_id = g.grant_account_id))::text AS left
         FROM g GROUP BY g.member_id`,
      [[a, b], a, b],
    );
    expect(rows).toHaveLength(100);
    for (const r of rows) {
      expect(r.spent_a).toBe(r.spent_b);
      expect(Number(r.spent_a) + Number(r.expired_a)).toBe(10_000);
      expect(Number(r.spent_b) + Number(r.expired_b)).toBe(10_000);
      expect(r.left).toBe('0');
    }
    const spent = rows.reduce((s, r) => s + Number(r.spent_a) + Number(r.spent_b), 0);
    expect(spent).toBe(outcomes.in * 2_000);
    await assertConservation(ds, 'the race with the close');
  });

  /**
   * Runs each action inside the chunk that credits its member, after that chunk wrote its ledger rows
   * and before it takes the progress row (and debits the pool): the moment two chunks in flight leave
   * open. Returns the restore function, which also checks that every action ran.
   */
  function duringChunksOf(campaignId: string, actions: [memberId: string, action: () => Promise<unknown>][]): () => void {
    const ledger = t.app.get(LedgerService);
    const original = ledger.distribute.bind(ledger);
    const pending = new Map(actions);
    const spy = jest.spyOn(ledger, 'distribute').mockImplementation((em: EntityManager, input: DistributeInput, opts: DistributeOptions = {}) =>
      original(em, input, {
        ...opts,
        beforeDebit: async (h) => {
          for (const [memberId, action] of [...pending]) {
            if (!input.credits.some((c) => c.ownerId === `${campaignId}:${memberId}`)) continue;
            pending.delete(memberId);
            await action();
          }
          await opts.beforeDebit?.(h);
        },
      }),
    );
    return () => {
      spy.mockRestore();
      expect([...pending.keys()]).toEqual([]);
    };
  }

  it('marks its rows with HOT updates: no index of campaign_members names a column the mark sets, and new pages keep room', async () => {
    // a HOT update needs every changed column absent from every index (keys, INCLUDE, predicate,
    // expressions) and room on the row's page; an index on state, grant_account_id or credited_at
    // would make each mark write a new row version elsewhere and four index entries again
    const named: { index: string; col: string }[] = await ds.query(
      `SELECT c.relname AS index, a.attname AS col
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0
        WHERE i.indrelid = 'campaign_members'::regclass
          AND (a.attnum = ANY (i.indkey::int2[])
               OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ ('\\m' || a.attname || '\\M')
               OR coalesce(pg_get_expr(i.indexprs, i.indrelid), '') ~ ('\\m' || a.attname || '\\M'))
        ORDER BY 1, 2`,
    );
    expect(named.length).toBeGreaterThan(0); // the primary key and the member index are seen
    expect(named.filter((n) => ['state', 'grant_account_id', 'credited_at'].includes(n.col))).toEqual([]);
    const [{ fillfactor }] = await ds.query(
      `SELECT (SELECT split_part(o, '=', 2)::int FROM unnest(reloptions) o WHERE o LIKE 'fillfactor=%') AS fillfactor FROM pg_class WHERE oid = 'campaign_members'::regclass`,
    );
    expect(fillfactor).toBeLessThanOrEqual(50);
    // and a distribution credits through those rows as before: same pages (the new versions beside the old)
    const id = await approvedCampaign('热更新', 300, { groups: ['码头'] });
    const before: { block: string }[] = await ds.query(`SELECT DISTINCT (ctid::text::point)[0]::text AS block FROM campaign_members WHERE campaign_id = $1 ORDER BY 1`, [id]);
    await expect(runner.run(id, { chunkSize: 40 })).resolves.toMatchObject({ outcome: 'done', credited: 100 });
    const after: { block: string }[] = await ds.query(`SELECT DISTINCT (ctid::text::point)[0]::text AS block FROM campaign_members WHERE campaign_id = $1 ORDER BY 1`, [id]);
    expect(after).toEqual(before);
    await assertCreditedOnce(id, 100, 300);
    await assertConservation(ds, 'HOT mark');
  });

  it('asks "anything pending?", selects a chunk and reads the welfare cap\'s rows along the campaign\'s primary key, even with statistics that invite a seq scan of every campaign', async () => {
    // many campaigns in the table, the one asked about a large share of it, analysed with nothing
    // pending: the plain query is then planned as a seq scan of the whole table (the control below);
    // onCampaignRange must keep it on the primary key. Rolled back: rows, statistics and all.
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await qr.query(`SET LOCAL session_replication_role = replica`); // fake campaign ids: no FK check
      await qr.query(
        `INSERT INTO campaign_members (campaign_id, member_id, union_id, amount_fen, state, grant_account_id, credited_at)
         SELECT ('00000000-0000-4000-8000-' || lpad(c::text, 12, '0'))::uuid, gen_random_uuid(), $1, 100, 'credited', g, now()
           FROM generate_series(1, 4) c, generate_series(1, 5000) g`,
        [unionId],
      );
      const target = '0000000f-0000-4000-8000-000000000000';
      await qr.query(
        `INSERT INTO campaign_members (campaign_id, member_id, union_id, amount_fen, state, grant_account_id, credited_at)
         SELECT $2::uuid, gen_random_uuid(), $1, 100, 'credited', g, now() FROM generate_series(1, 20000) g ORDER BY 2`,
        [unionId, target],
      );
      await qr.query(`ANALYZE campaign_members`);
      const explain = async (sql: string, params: unknown[]): Promise<string> => ((await qr.query(`EXPLAIN ${sql}`, params)) as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
      const probe = () => explain(FIRST_PENDING_SQL, [target]);
      const chunk = () => explain(CHUNK_SELECT_SQL, [target, 5000, '00000000-0000-0000-0000-000000000000']);
      // the controls: unguarded, both are seq scans of every campaign's rows, so the checks below can fail
      expect(await probe()).toMatch(/Seq Scan on campaign_members/);
      expect(await chunk()).toMatch(/Seq Scan on campaign_members/);
      // guarded: the primary key in order, from the campaign's start (or the cursor), no sort
      const guarded = await onCampaignRange(qr.manager, probe, { walk: true });
      expect(guarded).toMatch(/Index Scan using campaign_members_pkey on campaign_members/);
      expect(guarded).toMatch(/Index Cond: \(campaign_id = /);
      expect(guarded).not.toMatch(/Seq Scan|Bitmap|Sort/);
      const [{ setting, bitmap }] = await qr.query(`SELECT current_setting('enable_seqscan') AS setting, current_setting('enable_bitmapscan') AS bitmap`);
      expect({ setting, bitmap }).toEqual({ setting: 'on', bitmap: 'on' }); // restored for the rest of the transaction
      await qr.query(`SAVEPOINT chunk_select`);
      await walkCampaignRangeForTransaction(qr.manager);
      const chunkPlan = await chunk();
      await qr.query(`ROLLBACK TO SAVEPOINT chunk_select`); // (the runner's select is its own transaction)
      expect(chunkPlan).toMatch(/Index Scan using campaign_members_pkey on campaign_members cm/);
      expect(chunkPlan).toMatch(/Index Cond: \(\(campaign_id = .*\) AND \(member_id > /);
      expect(chunkPlan).not.toMatch(/Seq Scan|Bitmap|Sort/);
      // the welfare cap's read of the campaign's pending rows, as WelfareCapService runs it: its plan is
      // taken on the way (same transaction, same settings); the same statement unguarded is the control
      await qr.query(`INSERT INTO welfare_rules (scope, union_id, set_by_organization_id, annual_cap_fen) VALUES ('union', $1, $1, 100000000) ON CONFLICT (union_id, set_by_organization_id) WHERE scope = 'union' DO NOTHING`, [unionId]);
      const capRuns: { plan: string; params: unknown[] }[] = [];
      const spying = new Proxy(qr.manager, {
        get: (target, prop, receiver) =>
          prop === 'query'
            ? async (sql: string, params: unknown[] = []) => {
                if (sql === WELFARE_CAP_SQL) capRuns.push({ plan: await explain(sql, params), params });
                return target.query(sql, params);
              }
            : Reflect.get(target, prop, receiver),
      });
      await t.app.get(WelfareCapService).assertWithinCap(spying, { id: target, unionId, opensAt: new Date() });
      expect(capRuns).toHaveLength(1);
      expect(await explain(WELFARE_CAP_SQL, capRuns[0].params)).toMatch(/Seq Scan on campaign_members/);
      expect(capRuns[0].plan).toMatch(/(Index Scan using|Bitmap Index Scan on) campaign_members_pkey/);
      expect(capRuns[0].plan).toMatch(/Index Cond: \(campaign_id = /);
      expect(capRuns[0].plan).not.toMatch(/Seq Scan on campaign_members/);
      await expect(anyPending(qr.manager, target)).resolves.toBe(false);
      await qr.query(`UPDATE campaign_members SET state = 'pending', grant_account_id = NULL, credited_at = NULL WHERE campaign_id = $1 AND grant_account_id = 12345`, [target]);
      await expect(anyPending(qr.manager, target)).resolves.toBe(true);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('a later round added through an upper-case campaign id in the URL is enqueued and credited under the stored id, and its grant is found again', async () => {
    const id = await approvedCampaign('大写编号', 120, { groups: ['码头'] });
    await expect(runner.run(id)).resolves.toMatchObject({ outcome: 'done', credited: 100 });
    const [extra] = await ds.query(
      `SELECT id FROM members WHERE union_id = $1 AND group_name = '车间' AND status = 'active'
          AND id NOT IN (SELECT member_id FROM campaign_members WHERE campaign_id = $2) ORDER BY id LIMIT 1`,
      [unionId, id],
    );
    const added = await t.http.post(`/api/v1/campaigns/${id.toUpperCase()}/members`).set(bearer(unionAdmin)).send({ memberIds: [extra.id] }).expect(200);
    expect(added.body).toMatchObject({ added: 1, round: 1 });
    const [topUp] = await ds.query(`SELECT idempotency_key, reference FROM ledger_entries WHERE kind = 'campaign.top_up' AND lower(reference) = $1`, [`campaign:${id}`]);
    expect(topUp).toEqual({ idempotency_key: `topup:${id}:1`, reference: `campaign:${id}` });
    const jobs = await ds.query(`SELECT job_id, payload->>'campaignId' AS campaign_id FROM outbox WHERE name = 'distribute' AND lower(payload->>'campaignId') = $1 ORDER BY job_id`, [id]);
    expect(jobs).toEqual([
      { job_id: `distribute.${id}.0`, campaign_id: id },
      { job_id: `distribute.${id}.1`, campaign_id: id },
    ]);
    // a job enqueued before the fix carried the URL's spelling: the run keys by the stored one anyway
    await expect(runner.run(id.toUpperCase())).resolves.toMatchObject({ outcome: 'done', credited: 1 });
    const [row] = await ds.query(
      `SELECT cm.grant_account_id::text AS grant_account_id, a.owner_id, e.idempotency_key
         FROM campaign_members cm JOIN ledger_accounts a ON a.id = cm.grant_account_id
         JOIN ledger_transfers t ON t.credit_account_id = a.id JOIN ledger_entries e ON e.id = t.entry_id
        WHERE cm.campaign_id = $1 AND cm.member_id = $2`,
      [id, extra.id],
    );
    expect(row).toMatchObject({ owner_id: `${id}:${extra.id}`, idempotency_key: `grant:${id}:${extra.id}` });
    const target = await t.app.get(TransactionRunner).run((em) => t.app.get(PointsQueryService).refundTarget(em, row.grant_account_id));
    expect(target).toEqual({ accountId: row.grant_account_id, reason: 'grant' });
    const traced = await t.app.get(PointsTraceQueryService).grants([row.grant_account_id]);
    expect(traced).toHaveLength(1);
    await assertCreditedOnce(id, 101, 120);
    await assertConservation(ds, 'upper-case campaign id');
  });

  it('the job reconciler names the distribution job that exists: members added while approved ride on round 0', async () => {
    const id = await approvedCampaign('对账轮次', 120, { groups: ['码头'] });
    const [extra] = await ds.query(
      `SELECT id FROM members WHERE union_id = $1 AND group_name = '车间' AND status = 'active'
          AND id NOT IN (SELECT member_id FROM campaign_members WHERE campaign_id = $2) ORDER BY id LIMIT 1`,
      [unionId, id],
    );
    // added before the first distribution ran: a transition of round 1, but no job of its own
    expect((await t.http.post(`/api/v1/campaigns/${id}/members`).set(bearer(unionAdmin)).send({ memberIds: [extra.id] }).expect(200)).body).toMatchObject({ round: 1 });
    expect((await ds.query(`SELECT job_id FROM outbox WHERE name = 'distribute' AND payload->>'campaignId' = $1`, [id])).map((r: { job_id: string }) => r.job_id)).toEqual([`distribute.${id}.0`]);
    const lagging = async () => (await ds.query(LAGGING_CAMPAIGNS_SQL, [10_000])).find((r: { id: string }) => r.id === id);
    // the first distribution under way (its job lost, say): the reconciler must name that job, round 0
    await ds.query(`UPDATE campaigns SET status = 'distributing' WHERE id = $1`, [id]);
    expect(await lagging()).toMatchObject({ kind: 'distribute', round: 0 });
    // once it is done and the campaign open, a later round's job is the one to name
    await expect(runner.run(id)).resolves.toMatchObject({ outcome: 'done' });
    await ds.query(`UPDATE campaigns SET status = 'open' WHERE id = $1`, [id]);
    const [other] = await ds.query(
      `SELECT id FROM members WHERE union_id = $1 AND group_name = '车间' AND status = 'active'
          AND id NOT IN (SELECT member_id FROM campaign_members WHERE campaign_id = $2) ORDER BY id LIMIT 1`,
      [unionId, id],
    );
    expect((await t.http.post(`/api/v1/campaigns/${id}/members`).set(bearer(unionAdmin)).send({ memberIds: [other.id] }).expect(200)).body).toMatchObject({ round: 2 });
    expect(await lagging()).toMatchObject({ kind: 'distribute', round: 2 });
    await expect(runner.run(id)).resolves.toMatchObject({ outcome: 'done' });
    expect(await lagging()).toBeUndefined();
    await assertConservation(ds, 'reconciler rounds');
  });

  it('keeps last_progress_at at or after every credit when two chunks commit out of order, so the credits report sees the later one', async () => {
    const id = await approvedCampaign('乱序提交', 250, { groups: ['码头'] });
    const ledger = t.app.get(LedgerService);
    const original = ledger.distribute.bind(ledger);
    // both chunks meet before their debits; the one whose transaction began first (earlier now())
    // then waits until the other has committed, and commits second
    const arrivals: { us: bigint; at: string }[] = [];
    let bothArrived!: () => void;
    const both = new Promise<void>((resolve) => (bothArrived = resolve));
    let committed!: () => void;
    const firstCommit = new Promise<void>((resolve) => (committed = resolve));
    const within = <T,>(p: Promise<T>, what: string) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), 15_000).unref())]);
    const spy = jest.spyOn(ledger, 'distribute').mockImplementation((em: EntityManager, input: DistributeInput, opts: DistributeOptions = {}) =>
      original(em, input, {
        ...opts,
        beforeDebit: async (h) => {
          // the chunk's now(): its credits' credited_at (text keeps the microseconds exactly)
          const [{ us, at }] = await em.query(`SELECT (extract(epoch FROM now()) * 1000000)::bigint::text AS us, now()::text AS at`);
          const me = { us: BigInt(us), at };
          arrivals.push(me);
          if (arrivals.length === 2) bothArrived();
          await within(both, 'the second chunk at the debit');
          const early = arrivals[0].us < arrivals[1].us ? arrivals[0] : arrivals[1];
          if (me === early) await within(firstCommit, 'the later chunk\'s commit');
          await opts.beforeDebit?.(h);
        },
      }),
    );
    let result;
    try {
      result = await runner.run(id, { chunkSize: 50, parallel: 2, afterChunk: () => committed() });
    } finally {
      spy.mockRestore();
    }
    expect(result).toMatchObject({ outcome: 'done', credited: 100, chunks: 2 });
    expect(arrivals).toHaveLength(2);
    expect(arrivals[0].us).not.toBe(arrivals[1].us); // two transactions, two start times: the order is real
    const [early, late] = arrivals[0].us < arrivals[1].us ? arrivals : [arrivals[1], arrivals[0]];
    const [d] = await ds.query(
      `SELECT (SELECT count(*)::int FROM campaign_members WHERE campaign_id = $1 AND credited_at = $2::timestamptz) AS early_rows,
              (SELECT count(*)::int FROM campaign_members WHERE campaign_id = $1 AND credited_at = $3::timestamptz) AS late_rows,
              d.last_progress_at >= $3::timestamptz AS covers_late
         FROM campaign_distributions d WHERE d.campaign_id = $1`,
      [id, early.at, late.at],
    );
    // the later-started chunk committed first; a plain now() in the earlier one's commit would have
    // set last_progress_at back to its start, before the later chunk's credits
    expect(d).toEqual({ early_rows: 50, late_rows: 50, covers_late: true });
    // the report for a period holding only the later chunk's credits finds them
    const [{ from, to }] = await ds.query(`SELECT $1::timestamptz::text AS from, ($1::timestamptz + interval '1 microsecond')::text AS to`, [late.at]);
    const figures = await t.app.get(PointsReportingService).creditsByUnion({ unionIds: [unionId], from, to });
    expect(figures).toEqual([{ unionId, membersCovered: 50, creditedFen: 50 * 250 }]);
    await assertCreditedOnce(id, 100, 250);
    await assertConservation(ds, 'chunks committed out of order');
  });

  it('two chunks in flight really overlap: the second chunk reaches its debit while the first waits before its own', async () => {
    const id = await approvedCampaign('并行重叠', 400, { groups: ['车间'] });
    // one chunk is one deferred-debit ledger call, which takes at most 5,000 credits
    await expect(runner.run(id, { chunkSize: 5001 })).rejects.toThrow(RangeError);
    const ledger = t.app.get(LedgerService);
    const original = ledger.distribute.bind(ledger);
    // a barrier in the hook before the debit: each chunk waits there until another chunk arrives.
    // With one chunk at a time (or the pool locked before the inserts) the second never arrives and
    // the first chunk's wait fails the run.
    let inside = 0;
    let overlaps = 0;
    let arrived: (() => void) | undefined;
    const spy = jest.spyOn(ledger, 'distribute').mockImplementation((em: EntityManager, input: DistributeInput, opts: DistributeOptions = {}) =>
      original(em, input, {
        ...opts,
        beforeDebit: async (h) => {
          inside++;
          if (arrived) {
            overlaps++;
            arrived();
            arrived = undefined;
          } else if (overlaps === 0) {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error('no second chunk arrived at the debit while the first waited')), 15_000);
              arrived = () => (clearTimeout(timer), resolve());
            });
          }
          inside--;
          await opts.beforeDebit?.(h);
        },
      }),
    );
    let result;
    try {
      result = await runner.run(id, { chunkSize: 200, parallel: 2 });
    } finally {
      spy.mockRestore();
    }
    expect(overlaps).toBe(1);
    expect(inside).toBe(0);
    expect(result).toMatchObject({ outcome: 'done', credited: 1400, chunks: 7 });
    await assertCreditedOnce(id, 1400, 400);
    await assertConservation(ds, 'two chunks overlapping');
  });

  it('two chunks in flight: a member who leaves or activates meanwhile is withdrawn or gets the grant, never half of it', async () => {
    const id = await approvedCampaign('并行中离开', 700, { groups: ['车间'] });
    const members: string[] = (await ds.query(`SELECT member_id FROM campaign_members WHERE campaign_id = $1 ORDER BY member_id`, [id])).map((r: { member_id: string }) => r.member_id);
    expect(members).toHaveLength(1400);
    const [leaver, joiner] = [members[250], members[450]];
    let left: { withdrawnPending: number } | undefined;
    let userId = '';
    const restore = duringChunksOf(id, [
      [leaver, async () => (left = (await t.http.post(`/api/v1/unions/${unionId}/members/${leaver}/leave`).set(bearer(unionAdmin)).send({ reason: '调离' }).expect(200)).body)],
      [
        joiner,
        () =>
          t.app.get(TransactionRunner).run(async (em) => {
            const user = await t.app.get(UsersService).create(null, { organizationId: unionId, username: `joiner-${Date.now()}`, displayName: '新激活', password: PW, roles: [Role.Worker] }, em);
            userId = user.id;
            await t.app.get(ActivateMemberService).linkUser(em, joiner, user.id);
          }),
      ],
    ]);
    let result;
    try {
      result = await runner.run(id, { chunkSize: 100 });
    } finally {
      restore();
    }
    expect(left).toMatchObject({ withdrawnPending: 1 });
    expect(result).toMatchObject({ outcome: 'done', credited: 1399, campaignStatus: 'open' });
    const [leaverRow] = await ds.query(`SELECT state, grant_account_id FROM campaign_members WHERE campaign_id = $1 AND member_id = $2`, [id, leaver]);
    expect(leaverRow).toEqual({ state: 'withdrawn', grant_account_id: null });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [`grant:${id}:${leaver}`]);
    expect(n).toBe(0);
    // the joiner's grant was opened before they activated, and still has them as holder
    const [holder] = await ds.query(
      `SELECT a.holder_user_id FROM campaign_members cm JOIN ledger_accounts a ON a.id = cm.grant_account_id WHERE cm.campaign_id = $1 AND cm.member_id = $2`,
      [id, joiner],
    );
    expect(holder.holder_user_id).toBe(userId);
    const [g] = await ds.query(
      `SELECT count(*)::int AS entries, coalesce(sum(t.amount), 0)::bigint AS fen FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id
        WHERE e.kind = 'campaign.grant' AND e.reference = $1`,
      [`campaign:${id}`],
    );
    expect(g).toEqual({ entries: 1399, fen: String(1399 * 700) });
    const [d] = await ds.query(`SELECT status, credited_members, total_members FROM campaign_distributions WHERE campaign_id = $1`, [id]);
    expect(d).toEqual({ status: 'done', credited_members: 1399, total_members: 1399 });
    const [pool] = await ds.query(`SELECT ledger_account_balance(pool_account_id)::bigint AS balance FROM campaigns WHERE id = $1`, [id]);
    expect(pool.balance).toBe('700'); // the leaver's share, never credited
    await assertConservation(ds, 'a leave and an activation during a distribution');
  });

  it('two chunks in flight: a close meanwhile stops the distribution, and nothing is credited after it', async () => {
    const id = await approvedCampaign('并行中关闭', 300, { groups: ['车间'] });
    const members: string[] = (await ds.query(`SELECT member_id FROM campaign_members WHERE campaign_id = $1 ORDER BY member_id`, [id])).map((r: { member_id: string }) => r.member_id);
    const windows = t.app.get(CampaignWindowService);
    let closed: { campaignStatus: string } | undefined;
    const restore = duringChunksOf(id, [
      [
        members[450],
        async () => {
          await ds.query(`UPDATE campaigns SET closes_at = now() WHERE id = $1`, [id]);
          closed = await windows.close(id);
        },
      ],
    ]);
    let result;
    try {
      result = await runner.run(id, { chunkSize: 100 });
    } finally {
      restore();
    }
    expect(closed).toMatchObject({ campaignStatus: 'settled' });
    expect(result).toMatchObject({ outcome: 'done', campaignStatus: 'settled' });
    // the chunk that saw the close (members 401–500) credited nobody; every other chunk all of its rows
    // or none (the one beside it in flight may have committed before the close took the progress row)
    expect(result!.credited % 100).toBe(0);
    expect(result!.credited).toBeGreaterThanOrEqual(300);
    const [cm] = await ds.query(
      `SELECT count(*) FILTER (WHERE state = 'credited')::int AS credited, count(*) FILTER (WHERE state = 'pending')::int AS pending,
              bool_and(state = 'withdrawn') FILTER (WHERE member_id >= $2 AND member_id <= $3) AS seen_close_withdrawn
         FROM campaign_members WHERE campaign_id = $1`,
      [id, members[400], members[499]],
    );
    expect(cm).toEqual({ credited: result!.credited, pending: 0, seen_close_withdrawn: true });
    const [g] = await ds.query(`SELECT count(*)::int AS entries FROM ledger_entries WHERE kind = 'campaign.grant' AND reference = $1`, [`campaign:${id}`]);
    expect(g.entries).toBe(result!.credited);
    const [pool] = await ds.query(`SELECT ledger_account_balance(pool_account_id)::bigint AS balance FROM campaigns WHERE id = $1`, [id]);
    expect(pool.balance).toBe('0'); // settled: every fen back in the union budget
    await assertConservation(ds, 'a close during a distribution');
  });

  it('approves and cancels through an upper-case campaign id under the stored id, and the other spelling is the same approval', async () => {
    const id = await draftCampaign('大写批准', 100, { groups: ['码头'] });
    const upper = id.toUpperCase();
    const approve = (spelling: string, key?: string) => {
      const req = t.http.post(`/api/v1/campaigns/${spelling}/approve`).set(bearer(unionAdmin));
      return (key ? req.set('Idempotency-Key', key) : req).send({});
    };
    const first = await approve(upper, `approve-${id}`).expect(200);
    expect(first.body).toMatchObject({ id, status: 'approved', totalFen: 100 * 100 });
    const [pool] = await ds.query(`SELECT a.owner_type, a.owner_id FROM campaigns c JOIN ledger_accounts a ON a.id = c.pool_account_id WHERE c.id = $1`, [id]);
    expect(pool).toEqual({ owner_type: 'campaign', owner_id: id });
    expect(await entriesNaming(id)).toEqual([{ kind: 'campaign.reserve', idempotency_key: `reserve:${id}`, reference: `campaign:${id}` }]);
    // the same request spelled in lower case: the first approval's answer, nothing posted again
    const replay = await approve(id, `approve-${id}`).expect(200);
    expect(replay.body).toMatchObject({ id, status: 'approved', totalFen: first.body.totalFen, poolAccountId: first.body.poolAccountId });
    // without a key, either spelling is refused by the lifecycle
    expect((await approve(id).expect(409)).body.error.code).toBe('INVALID_TRANSITION');
    expect((await approve(upper).expect(409)).body.error.code).toBe('INVALID_TRANSITION');
    expect(await entriesNaming(id)).toHaveLength(1);
    // the campaign's trace (by the stored id's reference) finds it
    expect((await t.app.get(LedgerQueryService).entriesByReference(`campaign:${id}`)).map((e) => e.kind)).toEqual(['campaign.reserve']);

    const cancel = (spelling: string) => t.http.post(`/api/v1/campaigns/${spelling}/cancel`).set(bearer(unionAdmin)).set('Idempotency-Key', `cancel-${id}`).send({ reason: '预算调整' });
    const cancelled = await cancel(upper).expect(200);
    expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });
    expect(await entriesNaming(id)).toEqual([
      { kind: 'campaign.reserve', idempotency_key: `reserve:${id}`, reference: `campaign:${id}` },
      { kind: 'campaign.cancel', idempotency_key: `cancel:${id}`, reference: `campaign:${id}` },
    ]);
    expect((await cancel(id).expect(200)).body).toMatchObject({ id, status: 'cancelled' });
    expect(await entriesNaming(id)).toHaveLength(2);
    const [{ balance }] = await ds.query(`SELECT ledger_account_balance(pool_account_id)::bigint AS balance FROM campaigns WHERE id = $1`, [id]);
    expect(balance).toBe('0');
    await assertConservation(ds, 'approve and cancel through an upper-case id');
  });

  it('a deposit and a leave through upper-case ids in the URL key their entries by the stored ids', async () => {
    const upperUnion = unionId.toUpperCase();
    const [{ today }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today`);
    const deposit = { amountFen: 5_000, bankReference: 'GWJX-DEP-UPPER', receivedOn: today };
    const first = await t.http.post(`/api/v1/unions/${upperUnion}/deposits`).set(bearer(admin)).send(deposit).expect(201);
    expect(first.body).toMatchObject({ unionId, replayed: false });
    const again = await t.http.post(`/api/v1/unions/${unionId}/deposits`).set(bearer(admin)).send(deposit).expect(201);
    expect(again.body).toMatchObject({ id: first.body.id, replayed: true });
    const deposits = await ds.query(`SELECT idempotency_key, reference FROM ledger_entries WHERE kind = 'union.deposit' AND strpos(idempotency_key, 'GWJX-DEP-UPPER') > 0`);
    expect(deposits).toEqual([{ idempotency_key: `deposit:${unionId}:GWJX-DEP-UPPER`, reference: `deposit:${first.body.id}` }]);

    const id = await approvedCampaign('大写离开', 100, { groups: ['码头'] });
    await expect(runner.run(id)).resolves.toMatchObject({ outcome: 'done' });
    const [{ member_id: memberId }] = await ds.query(`SELECT member_id FROM campaign_members WHERE campaign_id = $1 AND state = 'credited' ORDER BY member_id LIMIT 1`, [id]);
    const left = await t.http.post(`/api/v1/unions/${upperUnion}/members/${memberId.toUpperCase()}/leave`).set(bearer(unionAdmin)).send({ reason: '调离' }).expect(200);
    // (the member holds grants of this suite's other open campaigns too: one entry each)
    expect(left.body.returns).toContainEqual({ campaignId: id, amountFen: 100, to: 'campaign_pool' });
    const leaves: { idempotency_key: string; reference: string; member: string }[] = await ds.query(
      `SELECT idempotency_key, reference, metadata->>'memberId' AS member FROM ledger_entries WHERE kind = 'member.leave' AND lower(idempotency_key) LIKE $1`,
      [`leave:${memberId}:%`],
    );
    expect(leaves).toHaveLength(left.body.returns.length);
    expect(leaves).toContainEqual({ idempotency_key: `leave:${memberId}:${id}`, reference: `campaign:${id}`, member: memberId });
    expect(leaves.filter((l) => l.idempotency_key !== l.idempotency_key.toLowerCase() || l.member !== memberId)).toEqual([]);
    await assertConservation(ds, 'deposit and leave through upper-case ids');
  });

  it('onboards an existing union organization named in upper case: its accounts are owned by the stored id', async () => {
    const [platform] = await ds.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    const org = await t.http.post('/api/v1/organizations').set(bearer(admin)).send({ type: 'union', name: '青岛港湾大写工会', parentId: platform.id, regionCode: '370211' }).expect(201);
    const res = await t.http.post('/api/v1/unions').set(bearer(admin)).send({ organizationId: org.body.id.toUpperCase() }).expect(201);
    expect(res.body.id).toBe(org.body.id);
    const accounts = await ds.query(`SELECT type, owner_type, owner_id FROM ledger_accounts WHERE lower(owner_id) = $1 ORDER BY type`, [org.body.id]);
    expect(accounts).toEqual([
      { type: 'union_budget', owner_type: 'union', owner_id: org.body.id },
      { type: 'union_funding', owner_type: 'union', owner_id: org.body.id },
    ]);
  });

  it('adds members whose ids the body spells in upper case, and a retry spelling, ordering or repeating them otherwise is the same request', async () => {
    const id = await approvedCampaign('大写成员', 110, { groups: ['码头'] });
    const extras: { id: string }[] = await ds.query(
      `SELECT id FROM members WHERE union_id = $1 AND group_name = '车间' AND status = 'active'
          AND id NOT IN (SELECT member_id FROM campaign_members WHERE campaign_id = $2) ORDER BY id LIMIT 2`,
      [unionId, id],
    );
    const [a, b] = extras.map((m) => m.id);
    const add = (memberIds: string[], amountFen?: number) => t.http.post(`/api/v1/campaigns/${id}/members`).set(bearer(unionAdmin)).set('Idempotency-Key', `add-${id}`).send({ memberIds, amountFen });
    const first = await add([b.toUpperCase(), a]).expect(200);
    expect(first.body).toEqual({ added: 2, reservedFen: 220, round: 1 });
    // the response was lost: the retry names the same members otherwise and gets the first answer
    expect((await add([a.toUpperCase(), b, b.toUpperCase()]).expect(200)).body).toEqual(first.body);
    expect((await add([a, b], 120).expect(409)).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await entriesNaming(id)).filter((e) => e.kind === 'campaign.top_up')).toEqual([{ kind: 'campaign.top_up', idempotency_key: `topup:${id}:1`, reference: `campaign:${id}` }]);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = $1`, [id]);
    await expect(runner.run(id)).resolves.toMatchObject({ outcome: 'done', credited: n });
    await assertCreditedOnce(id, n, 110);
    await assertConservation(ds, 'members added through upper-case ids');
  });

  it('refuses per-member CSV amounts above the flat amount\'s bound row by row, so the campaign\'s total stays readable', async () => {
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '2 hours' AS closes`);
    const c = await t.http
      .post(`/api/v1/unions/${unionId}/campaigns`)
      .set(bearer(unionAdmin))
      .send({ name: '巨额奖励', amountMode: 'per_member', opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() })
      .expect(201);
    const nos: string[] = (await ds.query(`SELECT employee_no FROM members WHERE union_id = $1 AND status = 'active' ORDER BY employee_no DESC LIMIT 12`, [unionId])).map((r: { employee_no: string }) => r.employee_no);
    const upload = (file: string, dryRun = false) =>
      t.http.put(`/api/v1/campaigns/${c.body.id}/member-amounts${dryRun ? '?dryRun=true' : ''}`).set(bearer(unionAdmin)).set('Content-Type', 'text/csv').send(file).expect(200);
    // ten rows of ~10^15 fen used to add up past 2^53, and every read of the campaign then failed
    const fen = await upload(['employee_no,amount_fen', `${nos[0]},100000000`, `${nos[1]},100000001`, ...nos.slice(2).map((no) => `${no},999999999999999`)].join('\n'));
    expect(fen.body).toMatchObject({ validRows: 1, rejected: 11, totalFen: 100_000_000 });
    expect(fen.body.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual(Array.from({ length: 11 }, (_, i) => [i + 3, 'amount_fen']));
    const points = await upload(['employee_no,points', `${nos[0]},1000000`, `${nos[1]},1000000.01`, `${nos[2]},9999999999999`].join('\n'), true);
    expect(points.body).toMatchObject({ validRows: 1, rejected: 2, totalFen: 100_000_000 });
    expect(points.body.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([
      [3, 'points'],
      [4, 'points'],
    ]);
    expect((await t.http.get(`/api/v1/campaigns/${c.body.id}`).set(bearer(unionAdmin)).expect(200)).body).toMatchObject({ totalFen: 100_000_000, memberCount: 1 });
    await t.http.get(`/api/v1/unions/${unionId}/campaigns`).set(bearer(unionAdmin)).expect(200);
    await t.http.post(`/api/v1/campaigns/${c.body.id}/cancel`).set(bearer(unionAdmin)).send({ reason: '测试完毕' }).expect(200);
  });

  it('adds no members once the union has no agreement in force, as approval refuses', async () => {
    const [platform] = await ds.query(`SELECT id FROM organizations WHERE type = 'platform'`);
    const union = await t.http.post('/api/v1/unions').set(bearer(admin)).send({ name: '青岛港湾协议工会', parentId: platform.id, regionCode: '370211', admin: { username: 'gwxy-admin', displayName: '管理员', password: PW } }).expect(201);
    const u = union.body.id;
    const [{ today, year }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today, extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int AS year`);
    const sign = (number: string, y: number) =>
      t.http
        .post(`/api/v1/unions/${u}/agreements`)
        .set(bearer(admin))
        .send({ number, signedOn: today, termStart: `${y}-01-01`, termEnd: `${y}-12-31`, expectedHeadcount: 2, expectedAmountFen: 0, creditLimitFen: 0 })
        .expect(201);
    await sign('GWXY-001', year);
    await t.http.post(`/api/v1/unions/${u}/deposits`).set(bearer(admin)).send({ amountFen: 1_000_000, bankReference: 'GWXY-DEP-1', receivedOn: today }).expect(201);
    const member = async (employeeNo: string, phone: string, group: string) =>
      (await t.http.post(`/api/v1/unions/${u}/members`).set(bearer(admin)).send({ employeeNo, name: `职工${employeeNo}`, phone, group }).expect(201)).body.id as string;
    await member('XY001', '13900000101', '一队');
    const later = await member('XY002', '13900000102', '二队');
    const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '2 hours' AS closes`);
    const campaign = (name: string) =>
      t.http.post(`/api/v1/unions/${u}/campaigns`).set(bearer(admin)).send({ name, amountMode: 'flat', pointsPerMemberFen: 1_000, eligibleGroups: ['一队'], opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString() }).expect(201);
    const c = (await campaign('协议内')).body.id;
    await t.http.post(`/api/v1/campaigns/${c}/approve`).set(bearer(admin)).send({}).expect(200);
    // a renewal whose term starts next year leaves GWXY-001 in force; then GWXY-001's term ends
    // (moved back with SQL: a day passing): no agreement covers today
    await sign('GWXY-002', year + 1);
    await ds.query(`UPDATE union_agreements SET term_start = $2::date - 400, term_end = $2::date - 1 WHERE number = $1`, ['GWXY-001', today]);
    const budgetBefore = (await t.http.get(`/api/v1/unions/${u}/budget`).set(bearer(admin)).expect(200)).body.balanceFen;
    const refused = await t.http.post(`/api/v1/campaigns/${c}/members`).set(bearer(admin)).send({ memberIds: [later] }).expect(422);
    expect(refused.body.error).toMatchObject({ code: 'NO_AGREEMENT_IN_FORCE', details: { unionId: u } });
    // approval answers the same
    const other = (await campaign('协议外')).body.id;
    expect((await t.http.post(`/api/v1/campaigns/${other}/approve`).set(bearer(admin)).send({}).expect(422)).body.error.code).toBe('NO_AGREEMENT_IN_FORCE');
    expect((await t.http.get(`/api/v1/unions/${u}/budget`).set(bearer(admin)).expect(200)).body.balanceFen).toBe(budgetBefore);
    expect((await t.http.get(`/api/v1/campaigns/${c}`).set(bearer(admin)).expect(200)).body).toMatchObject({ memberCount: 1, totalFen: 1_000 });
    expect((await entriesNaming(c)).map((e) => e.kind)).toEqual(['campaign.reserve']);
    await assertConservation(ds, 'members refused without an agreement in force');
  });
});
