// `npm run bench -- distribution [--sizes 100000,1000000] [--chunk 5000] [--parallel 2] [--verify] [--keep]`
//
// Issue 5's figure: the time to credit every member of an approved campaign — DistributionRunner.run,
// the real distribution code (chunked transactions, two in flight by default: select the pending rows,
// LedgerService.distribute opening the grant accounts and posting one entry per member, then under
// the progress row the pool's debit, the rows marked credited and the progress), from the run's start
// to the last commit. The approval (the snapshot of who
// gets what and the pool's reserve) is timed and shown separately. Beside it, for each roster size, a
// raw COPY of the same number of rows into a table shaped like ledger_transfers (same indexes) in the
// same run, and PostgreSQL's own pgbench baseline before and after. After each size the ledger is
// checked with SQL (one entry and one grant per member, the pool emptied, the totals conserved);
// with --verify the sealer then seals everything and LedgerVerifier verifies the whole ledger (both
// timed; off by default: sealing a million entries takes minutes). Also times a 15,000-row roster
// import (and its no-op re-import). Prints a table; the last line is one JSON object with the
// figures. Uses its own database (BENCH_DATABASE_URL, default huigong_bench_distribution on the local
// server), dropped at the end unless --keep.
import 'reflect-metadata';
import { AuthUser, CoreModule, dropDatabase, loadConfig, migrateDatabase, Role, TransactionRunner, withDatabase } from '@huigong/common';
import { IdentityModule, OrganizationsService, OrganizationType, UsersService } from '@huigong/identity';
import { LedgerSealer, LedgerVerifier } from '@huigong/ledger';
import { DEFAULT_CHUNK_SIZE, DEFAULT_PARALLEL_CHUNKS, DistributionRunner, PointsModule } from '@huigong/points';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
// the points context's own use cases (this is its benchmark, not another context)
import { RecordDepositService } from '../libs/points/src/budget/record-deposit.service';
import { ApproveCampaignService } from '../libs/points/src/campaigns/approve-campaign.service';
import { CreateCampaignService } from '../libs/points/src/campaigns/create-campaign.service';
import { RosterImportService } from '../libs/points/src/roster/roster-import.service';
import { SignAgreementService } from '../libs/points/src/unions/sign-agreement.service';
import { UnionAccountsService } from '../libs/points/src/unions/union-accounts.service';

@Module({})
class BenchModule {
  static register(config: ReturnType<typeof loadConfig>): DynamicModule {
    return { module: BenchModule, imports: [CoreModule.forRoot(config, 'cli'), IdentityModule, PointsModule] };
  }
}

interface Baseline {
  clients: number;
  seconds: number;
  tps: number;
  latencyMs: number;
}

const GRANT_FEN = 100;
const root = process.cwd(); // npm run bench runs from the repository root

function baseline(): Baseline | null {
  // PGBENCH_BASELINE: where the tool is when the checkout is not next to shared/ (a worktree)
  const script = process.env.PGBENCH_BASELINE ?? join(root, '..', 'shared', 'tools', 'pgbench-baseline');
  const r = spawnSync(script, ['-T', process.env.BENCH_BASELINE_SECONDS ?? '20', '16'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.warn(`pgbench baseline unavailable: ${r.stderr || r.error}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, chunk: { type: 'string' }, parallel: { type: 'string' }, keep: { type: 'boolean' }, verify: { type: 'boolean' } } });
  const sizes = (values.sizes ?? '100000,1000000').split(',').map(Number);
  const chunkSize = Number(values.chunk ?? DEFAULT_CHUNK_SIZE);
  // chunks in flight at once (DistributionRunner's default unless given)
  const parallel = Number(values.parallel ?? DEFAULT_PARALLEL_CHUNKS);
  const url = process.env.BENCH_DATABASE_URL ?? withDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'huigong_bench_distribution');
  await dropDatabase(url);
  await migrateDatabase(url);
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', NODE_ENV: 'development', QUEUE_PREFIX: '{hg-bench}' });
  console.log(`distribution benchmark: sizes ${sizes.join(', ')}, chunks of ${chunkSize}, ${parallel} in flight, database ${new URL(url).pathname.slice(1)}`);
  console.log('pgbench baseline (16 clients) before ...');
  const before = baseline();

  const app = await NestFactory.createApplicationContext(BenchModule.register(config), { logger: ['error', 'warn'] });
  const tmp = mkdtempSync(join(tmpdir(), 'hg-bench-'));
  const results: Record<string, number>[] = [];
  let roster: Record<string, number> = {};
  let verification: Record<string, number | boolean> | null = null;
  try {
    const ds = app.get(DataSource);
    const admin = await platformAdmin(app);
    for (const n of sizes) {
      const unionId = await fundedUnion(app, admin, `基准工会 ${n}`, n * GRANT_FEN);
      // the roster, bulk-inserted (setup, not measured)
      await ds.query(
        `INSERT INTO members (union_id, employee_no, name, phone, group_name)
         SELECT $1, 'B' || lpad(g::text, 8, '0'), '职工' || g, '13' || lpad(g::text, 9, '0'), 'g' || (g % 10) FROM generate_series(1, $2) g`,
        [unionId, n],
      );
      await ds.query('ANALYZE members');
      const [{ opens, closes }] = await ds.query(`SELECT now() AS opens, now() + interval '30 days' AS closes`);
      const campaign = await app.get(CreateCampaignService).create(admin, unionId, {
        name: `基准 ${n}`,
        amountMode: 'flat',
        pointsPerMemberFen: GRANT_FEN,
        opensAt: new Date(opens).toISOString(),
        closesAt: new Date(closes).toISOString(),
      });
      const approve = await timed(() => app.get(ApproveCampaignService).approve(admin, campaign.id));
      await ds.query('ANALYZE campaign_members');
      const dist = await timed(() => app.get(DistributionRunner).run(campaign.id, { chunkSize, parallel }));
      const [check] = await ds.query(
        `SELECT (SELECT count(*) FROM campaign_members WHERE campaign_id = $1 AND state = 'credited')::int AS credited,
                (SELECT count(*) FROM ledger_entries WHERE reference = $2 AND kind = 'campaign.grant')::int AS entries`,
        [campaign.id, `campaign:${campaign.id}`],
      );
      if (check.credited !== n || check.entries !== n || dist.result.credited !== n) throw new Error(`expected ${n} grants, got ${JSON.stringify(check)}`);
      // fresh statistics first: campaign_members was analyzed when every grant_account_id was NULL,
      // and with those the planner nests a loop over a million rows (the check then ran for hours)
      await ds.query('ANALYZE campaign_members, ledger_accounts, ledger_transfers');
      // conservation (set-based, seconds at a million): each grant account received exactly its
      // member's amount from the pool in transfers and its cached totals say so; the pool's cached
      // debits equal its transfers out, and it is empty
      const [books] = await ds.query(
        `WITH c AS (SELECT pool_account_id AS pool FROM campaigns WHERE id = $1),
              t AS (SELECT t.credit_account_id AS acc, sum(t.amount) AS fen FROM ledger_transfers t, c WHERE t.debit_account_id = c.pool GROUP BY 1)
         SELECT (SELECT count(*) FROM campaign_members cm JOIN ledger_accounts a ON a.id = cm.grant_account_id LEFT JOIN t ON t.acc = cm.grant_account_id
                  WHERE cm.campaign_id = $1 AND (t.fen IS DISTINCT FROM cm.amount_fen OR a.credits_posted <> cm.amount_fen OR a.debits_posted <> 0))::int AS wrong_grants,
                (SELECT a.credits_posted - a.debits_posted FROM ledger_accounts a, c WHERE a.id = c.pool)::text AS pool,
                (SELECT a.debits_posted = (SELECT sum(fen) FROM t) FROM ledger_accounts a, c WHERE a.id = c.pool) AS pool_debits_match`,
        [campaign.id],
      );
      if (books.wrong_grants !== 0 || books.pool !== '0' || books.pool_debits_match !== true) throw new Error(`the books do not balance after ${n} grants: ${JSON.stringify(books)}`);

      const copySeconds = rawCopy(url, tmp, n);
      const r = {
        members: n,
        approveSeconds: round(approve.seconds),
        distributionSeconds: round(dist.seconds),
        grantsPerSecond: Math.round(n / dist.seconds),
        chunks: dist.result.chunks,
        copySeconds: round(copySeconds),
        copyRowsPerSecond: Math.round(n / copySeconds),
        slowerThanCopy: round(dist.seconds / copySeconds),
        grantsPerSecondPerBaselineTps: before ? round(n / dist.seconds / before.tps) : null,
      } as Record<string, number>;
      results.push(r);
      console.log(
        `${String(n).padStart(9)} members: approve ${r.approveSeconds}s, distribution ${r.distributionSeconds}s = ${r.grantsPerSecond} grants/s (${r.chunks} chunks); ` +
          `raw COPY of ${n} rows ${r.copySeconds}s = ${r.copyRowsPerSecond} rows/s; distribution/COPY time ratio ${r.slowerThanCopy}`,
      );
    }
    if (values.verify) {
      const sealer = app.get(LedgerSealer);
      const seal = await timed(async () => {
        let entries = 0;
        for (let r = await sealer.sealPending({ maxEntries: 100_000 }); r.entries > 0; r = await sealer.sealPending({ maxEntries: 100_000 })) entries += r.entries;
        return entries;
      });
      const check = await timed(() => app.get(LedgerVerifier).verify({ record: false }));
      verification = { sealedEntries: seal.result, sealSeconds: round(seal.seconds), verifiedEntries: check.result.entries, verifySeconds: round(check.seconds), ok: check.result.ok };
      console.log(`sealed ${seal.result} entries in ${verification.sealSeconds}s; verification of ${check.result.entries} entries in ${verification.verifySeconds}s: ${check.result.ok ? 'ok' : `FAILED ${JSON.stringify(check.result.firstProblem)}`}`);
      if (!check.result.ok) throw new Error('the ledger does not verify');
    }
    roster = await rosterImport(app, admin);
    console.log(`roster import of ${roster.rows} rows: ${roster.importSeconds}s; re-import of the same file (no change): ${roster.reimportSeconds}s`);
  } finally {
    await app.close();
    rmSync(tmp, { recursive: true, force: true });
    if (!values.keep) await dropDatabase(url);
  }

  console.log('pgbench baseline (16 clients) after ...');
  const after = baseline();
  console.log('');
  console.log('members     distribution s   grants/s   raw COPY s   COPY rows/s   ratio   grants/s ÷ pgbench tps');
  for (const r of results) {
    console.log(
      `${String(r.members).padEnd(11)} ${String(r.distributionSeconds).padStart(14)} ${String(r.grantsPerSecond).padStart(10)} ${String(r.copySeconds).padStart(12)} ${String(r.copyRowsPerSecond).padStart(13)} ${String(r.slowerThanCopy).padStart(7)}   ${r.grantsPerSecondPerBaselineTps}`,
    );
  }
  console.log(`pgbench 16 clients: before ${before?.tps ?? 'n/a'} tps, after ${after?.tps ?? 'n/a'} tps`);
  console.log('rerun: npm run bench -- distribution' + (values.sizes ? ` --sizes ${values.sizes}` : '') + (values.chunk ? ` --chunk ${values.chunk}` : '') + (values.verify ? ' --verify' : ''));
  console.log(JSON.stringify({ bench: 'distribution', chunkSize, parallel, grantFen: GRANT_FEN, baselineBefore: before, baselineAfter: after, results, verification, roster }));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** COPY of n rows into a table shaped like ledger_transfers, with the same three indexes, via psql. */
function rawCopy(url: string, dir: string, n: number): number {
  const file = join(dir, `copy-${n}.csv`);
  const lines: string[] = [];
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) {
    lines.push(`${i},${i},1,${1_000_000 + i},${GRANT_FEN}`);
    if (lines.length === 100_000) parts.push(lines.splice(0).join('\n'));
  }
  if (lines.length) parts.push(lines.join('\n'));
  writeFileSync(file, `${parts.join('\n')}\n`);
  const table = `bench_copy_${n}`;
  execFileSync('psql', ['-X', '-q', url, '-c', `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id bigint PRIMARY KEY, entry_id bigint NOT NULL, debit_account_id bigint NOT NULL, credit_account_id bigint NOT NULL, amount bigint NOT NULL CHECK (amount > 0), created_at timestamptz NOT NULL DEFAULT now()); CREATE INDEX ON ${table} (entry_id); CREATE INDEX ON ${table} (debit_account_id, id) INCLUDE (amount); CREATE INDEX ON ${table} (credit_account_id, id) INCLUDE (amount);`]);
  const start = process.hrtime.bigint();
  execFileSync('psql', ['-X', '-q', url, '-c', `\\copy ${table} (id, entry_id, debit_account_id, credit_account_id, amount) FROM '${file}' WITH (FORMAT csv)`]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  execFileSync('psql', ['-X', '-q', url, '-c', `DROP TABLE ${table}`]);
  return seconds;
}

async function platformAdmin(app: INestApplicationContext): Promise<AuthUser> {
  return app.get(TransactionRunner).run(async (em) => {
    const platform = await app.get(OrganizationsService).platform(em);
    const user = await app.get(UsersService).create(null, { organizationId: platform.id, username: 'bench-admin', displayName: 'bench', password: 'bench-password-123', roles: [Role.PlatformAdmin] }, em);
    return { id: user.id, username: user.username, organizationId: platform.id, organizationType: 'platform', roles: [Role.PlatformAdmin] };
  });
}

async function fundedUnion(app: INestApplicationContext, admin: AuthUser, name: string, fen: number): Promise<string> {
  const unionId = await app.get(TransactionRunner).run(async (em) => {
    const org = await app.get(OrganizationsService).create(em, { type: OrganizationType.Union, name, parentId: admin.organizationId });
    await app.get(UnionAccountsService).ensureProfile(em, org.id, { onboardedBy: admin.id });
    return org.id;
  });
  const [{ today, start, end }] = await app.get(DataSource).query(
    `SELECT d::text AS today, (d - 1)::text AS start, (d + 365)::text AS end FROM (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d) t`,
  );
  await app.get(SignAgreementService).sign(admin, unionId, { number: `BENCH-${unionId.slice(0, 8)}`, signedOn: start, termStart: start, termEnd: end, expectedHeadcount: 0, expectedAmountFen: fen, creditLimitFen: 0 });
  await app.get(RecordDepositService).record(admin, unionId, { amountFen: fen, bankReference: `BENCH-${unionId.slice(0, 8)}`, receivedOn: today });
  return unionId;
}

async function rosterImport(app: INestApplicationContext, admin: AuthUser): Promise<Record<string, number>> {
  const rows = 15_000;
  const unionId = await fundedUnion(app, admin, '基准工会 名册', 1);
  const lines = ['employee_no,name,phone,group,join_date'];
  for (let i = 1; i <= rows; i++) lines.push(`R${String(i).padStart(6, '0')},职工${i},139${String(i).padStart(8, '0')},车间${i % 20},2015-0${(i % 9) + 1}-15`);
  const csv = lines.join('\n');
  const roster = app.get(RosterImportService);
  const first = await timed(() => roster.import(admin, unionId, csv, false));
  const again = await timed(() => roster.import(admin, unionId, csv, false));
  if (first.result.created !== rows || again.result.unchanged !== rows) throw new Error('roster import did not do what it should');
  return { rows, importSeconds: round(first.seconds), reimportSeconds: round(again.seconds) };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
