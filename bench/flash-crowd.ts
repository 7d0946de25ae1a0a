// npm run bench -- flash-crowd [--members 10000] [--seconds 25] [--connections 64] [--hot 5] [--hot-stock 200]
//                              [--tail 3000] [--products 3000] [--baseline-seconds 20] [--no-baseline] [--same-thread] [--keep]
//                              [--profile FILE.cpuprofile] [--no-calibrate] [--invalid-bodies]
//
// The Spring Festival window opens: 10,000 members with points order at once, many of them the
// same few popular items. A database of its own gets a union, its roster (CSV import) and an open
// campaign distributed to every member (the points context's own import and distribution paths),
// the demo catalog (the catalog's bulk seeder) with a few hot SKUs cut to limited stock plus a long
// tail, and the members' accounts and access tokens. The API starts in this process on a free
// port; 64 keep-alive HTTP connections (in a worker thread, so their JavaScript does not share the
// server's event loop) place checkouts for ~25 s. Prints orders per second, p50/p95/p99, the
// refusals by code, an oversell check (stock + sold = initial for every SKU: must be 0 off),
// ledger conservation, PostgreSQL's pgbench TPC-B baseline (64 and 16 clients) before and after on
// the same server with the ratio, the CPU split during the load (API thread, load generator, other
// Node threads, the bench database's PostgreSQL backends; whole machine) and WAL per checkout, a
// calibration (empty transactions with a checkout's number of round trips, from Node, same pool),
// the rerun command, and one JSON line. --invalid-bodies sends every checkout with quantity 0: each is
// refused 400 by validation after the HTTP parse, the auth guard and the rate limiter, before any
// checkout work — the API's CPU per request then is the floor any checkout path in it pays.
import 'reflect-metadata';
import { CatalogDemoSeeder, StockService, mulberry32 } from '@huigong/catalog';
import { dropDatabase, loadConfig, migrateDatabase, Role, TransactionRunner, withDatabase } from '@huigong/common';
import { AuthService, OrganizationsService, PasswordService, UsersService } from '@huigong/identity';
import { CampaignWindowService, DistributionRunner } from '@huigong/points';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Session } from 'node:inspector';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/create-api-app';

const RERUN = 'npm run bench -- flash-crowd';
const DB_NAME = 'huigong_bench_flash';
const PASSWORD = 'bench-password-123';
const POINTS_PER_MEMBER = 50_000;

interface Sample {
  ms: number;
  status: number;
  code: string | null;
  orders: number;
  hot: boolean;
}

interface SkuRef {
  id: string;
  priceFen: number;
}

interface LoadPlan {
  port: number;
  tokens: string[];
  hot: SkuRef[];
  tail: SkuRef[];
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** --invalid-bodies: every line's quantity 0, so each request is refused by validation (the HTTP floor) */
  invalid: boolean;
}

/** seeded, so the request mix is the same on every run */
const rng = mulberry32;

const ADDRESS = { recipient: '王师傅', phone: '13805320000', regionCode: '370202', detail: '青岛市市北区港华路 1 号' };

/** 40 %: a hot SKU (plus maybe one from the tail); otherwise 1–3 tail SKUs, 1–2 of each. */
function basket(r: () => number, plan: LoadPlan): { lines: { skuId: string; quantity: number }[]; hot: boolean } {
  const lines = new Map<string, number>();
  const hot = plan.hot.length > 0 && r() < 0.4;
  if (hot) {
    lines.set(plan.hot[Math.floor(r() * plan.hot.length)].id, 1);
    if (r() < 0.5) lines.set(plan.tail[Math.floor(r() * plan.tail.length)].id, 1);
  } else {
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) lines.set(plan.tail[Math.floor(r() * plan.tail.length)].id, 1 + Math.floor(r() * 2));
  }
  return { lines: [...lines].map(([skuId, quantity]) => ({ skuId, quantity: plan.invalid ? 0 : quantity })), hot };
}

function post(agent: http.Agent, port: number, token: string, key: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/checkout',
        method: 'POST',
        agent,
        headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': key, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** The crowd: `connections` loops, each placing its next checkout when the previous one answered; members in turn. */
async function runLoad(plan: LoadPlan): Promise<{ samples: Sample[]; seconds: number; threadTicks: number }> {
  // this thread's own CPU, read here: a worker thread's /proc entry is gone once it has exited
  const ticks0 = ticksOf('/proc/thread-self/stat');
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  const samples: Sample[] = [];
  let next = 0;
  const loop = async (c: number, until: number, record: boolean) => {
    const r = rng(7000 + c);
    while (performance.now() < until) {
      const token = plan.tokens[next++ % plan.tokens.length];
      const { lines, hot } = basket(r, plan);
      const t0 = performance.now();
      const res = await post(agent, plan.port, token, randomUUID(), JSON.stringify({ lines, address: ADDRESS }));
      const ms = performance.now() - t0;
      if (!record) continue;
      let code: string | null = null;
      let orders = 0;
      try {
        const body = JSON.parse(res.text);
        if (res.status === 201) orders = body.orders.length;
        else code = body.error?.code ?? `HTTP_${res.status}`;
      } catch {
        code = `HTTP_${res.status}`;
      }
      samples.push({ ms, status: res.status, code, orders, hot });
    }
  };
  // a short warm-up (JIT, connection pools) that is not measured: a few hundred members' first orders
  const warmEnd = performance.now() + plan.warmupSeconds * 1000;
  await Promise.all(Array.from({ length: plan.connections }, (_, i) => loop(i, warmEnd, false)));
  const start = performance.now();
  await Promise.all(Array.from({ length: plan.connections }, (_, i) => loop(i, start + plan.seconds * 1000, true)));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { samples, seconds, threadTicks: ticksOf('/proc/thread-self/stat') - ticks0 };
}

function loadInWorker(plan: LoadPlan): Promise<{ samples: Sample[]; seconds: number; threadTicks: number }> {
  return new Promise((done, fail) => {
    const worker = new Worker(__filename, { workerData: plan });
    worker.once('message', done);
    worker.once('error', fail);
  });
}

/**
 * Round trips of a checkout placed alone before group commit (auth lookup, BEGIN, member, key claim
 * + member lock, SKUs, grants, grant balances, escrow accounts, ledger post, orders insert (+ key
 * response), stock lock, stock decrement, COMMIT), kept so that the calibration stays comparable
 * with earlier runs. A group of checkouts now makes about ten round trips for all of its members.
 */
const CHECKOUT_ROUND_TRIPS = 13;

/**
 * What the machine allows a transaction of N round trips from Node (the same pg pool size and
 * concurrency as the API) that does nothing: on a 2-core VM, round trips, not SQL, set the pace.
 */
async function roundTripCeiling(url: string, concurrency: number, poolSize: number, roundTrips: number): Promise<number> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  let n = 0;
  const seconds = 8;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          for (let i = 0; i < roundTrips - 2; i++) await c.query('SELECT $1::int', [i]);
          await c.query('COMMIT');
        } finally {
          c.release();
        }
        n++;
      }
    }),
  );
  await pool.end();
  return round(n / seconds, 1);
}

/** --profile FILE: a CPU profile of the API's thread during the load only (open it in Chrome DevTools). */
async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<void>((done, fail) => session.post(method, (err) => (err ? fail(err) : done())));
  await post('Profiler.enable');
  await post('Profiler.start');
  return session;
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const profile = await new Promise<unknown>((done, fail) => session.post('Profiler.stop', (err, r) => (err ? fail(err) : done(r.profile))));
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  console.log(`CPU profile of the API thread during the load: ${file}`);
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

/** CPU ticks (utime + stime) of a process or thread from /proc. */
function ticksOf(path: string): number {
  try {
    const f = readFileSync(path, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/**
 * Where the CPU goes during the load: this process's threads (the API's main thread, the load
 * generator's worker thread, the rest: libuv pool, GC, compiler) and the PostgreSQL processes of the
 * bench database plus the server's WAL writer / checkpointer / bgwriter; and the WAL written.
 */
async function cpuSnapshot(ds: DataSource, db: string) {
  const pids: { pid: number; backend_type: string }[] = await ds.query(
    `SELECT pid, backend_type FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`,
    [db],
  );
  const [{ lsn }] = await ds.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
  const threads = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    const comm = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
    threads.set(`${t}:${comm}`, ticksOf(`/proc/self/task/${t}/stat`));
  }
  const machine = machineTicks();
  return { at: performance.now(), lsn, idle: machine.total - machine.busy, total: machine.total, pg: new Map(pids.map((p) => [p.pid, ticksOf(`/proc/${p.pid}/stat`)])), threads };
}

function lsnBytes(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt('0x' + hi) << 32n) + BigInt('0x' + lo);
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Baseline {
  clients: number;
  seconds: number;
  tps: number;
  latencyMs: number;
  /** the whole machine's busy cores while pgbench ran (its client and PostgreSQL, and anything else) */
  machineBusyCores: number;
}

/** /proc/stat's first line: busy and total ticks of all cores */
function machineTicks(): { busy: number; total: number } {
  const c = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = c.reduce((x, y) => x + y, 0);
  return { busy: total - c[3] - c[4], total };
}

function pgbenchBaseline(seconds: number, clients: number[]): Baseline[] {
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  const tool = process.env.PGBENCH_BASELINE ?? resolve(dir, '../shared/tools/pgbench-baseline');
  // one client count a call, so that each one's CPU is its own
  return clients.map((c) => {
    let t0 = machineTicks();
    let w0 = performance.now();
    let r = spawnSync(tool, ['-T', String(seconds), String(c)], { encoding: 'utf8' });
    // the server is shared with other work: when its connections are all taken, wait a little and retry
    for (let attempt = 1; r.status !== 0 && /too many clients/.test(r.stderr) && attempt <= 5; attempt++) {
      spawnSync('sleep', ['5']);
      // only the attempt that ran counts towards the CPU figure
      t0 = machineTicks();
      w0 = performance.now();
      r = spawnSync(tool, ['-T', String(seconds), String(c)], { encoding: 'utf8' });
    }
    if (r.status !== 0) throw new Error(`pgbench-baseline failed (${r.status}): ${r.stderr}`);
    const t1 = machineTicks();
    const wall = (performance.now() - w0) / 1000;
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`pgbench-baseline printed no figure: ${r.stdout}`);
    // busy ticks over the call's wall time (100 ticks a second per core); the tool's few setup queries are inside
    return { ...(JSON.parse(line) as Omit<Baseline, 'machineBusyCores'>), machineBusyCores: round((t1.busy - t0.busy) / 100 / wall, 2) };
  });
}

function latency(samples: Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { n: samples.length, p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), p99: round(percentile(ms, 99)), max: round(ms[ms.length - 1] ?? NaN) };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const members = Number(a.members ?? 10_000);
  const seconds = Number(a.seconds ?? 25);
  const connections = Number(a.connections ?? 64);
  const hotCount = Number(a.hot ?? 5);
  const hotStock = Number(a['hot-stock'] ?? 200);
  const tailCount = Number(a.tail ?? 3000);
  const products = Number(a.products ?? 3000);
  const baselineSeconds = Number(a['baseline-seconds'] ?? 20);
  const withBaseline = a['no-baseline'] !== 'true';
  const url = withDatabase(process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', DB_NAME);
  console.log(`flash-crowd: ${members} members, ${hotCount} hot SKUs × ${hotStock} in stock + a tail of ${tailCount}, ${connections} connections for ${seconds} s`);

  // the baseline runs while this process holds no connections (the server's max_connections is shared)
  const baseClients = [64, 16];
  const before = withBaseline ? pgbenchBaseline(baselineSeconds, baseClients) : [];
  await dropDatabase(url);
  await migrateDatabase(url);
  process.env.DB_POOL_SIZE ??= '24';
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-only-secret-bench-only-secret-123',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: '{hg-bench-flash}',
    OUTBOX_RELAY: 'off',
    // every simulated member comes from this one address
    CHECKOUT_RATE_LIMIT_IP: process.env.CHECKOUT_RATE_LIMIT_IP ?? '10000000',
    CHECKOUT_RATE_LIMIT_USER: process.env.CHECKOUT_RATE_LIMIT_USER ?? '1000000',
  });
  const { app } = await createApiApp(config);
  app.useLogger(['error', 'warn']);
  await app.init();
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/api/v1`;
  const ds = app.get(DataSource);
  const tx = app.get(TransactionRunner);
  const api = async (method: string, path: string, token: string | null, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
      body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : String(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- seeding talks to our own API; its DTOs are checked there
    const json: any = await res.json().catch(() => null);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  // ---- seed: platform admin, catalog, union, roster, campaign, accounts ----
  const seedStart = performance.now();
  const adminId = await tx.run(async (em) => {
    const platform = await app.get(OrganizationsService).platform(em);
    return (await app.get(UsersService).create(null, { organizationId: platform.id, username: 'bench-admin', displayName: '压测管理员', password: PASSWORD, roles: [Role.PlatformAdmin] }, em)).id;
  });
  const catalog = await tx.run((em) => app.get(CatalogDemoSeeder).seed(em, { products }));
  const admin = (await api('POST', '/auth/login', null, { username: 'bench-admin', password: PASSWORD })).accessToken as string;
  const union = await api('POST', '/unions', admin, { name: '青岛港集团工会', regionCode: '370202', cityRegionCode: '370200', admin: { username: 'bench-union-admin', displayName: '工会管理员', password: PASSWORD } });
  const unionAdmin = (await api('POST', '/auth/login', null, { username: 'bench-union-admin', password: PASSWORD })).accessToken as string;
  const [{ day }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS day`);
  const year = day.slice(0, 4);
  await api('POST', `/unions/${union.id}/agreements`, admin, { number: `HG-${year}-BENCH`, signedOn: `${year}-01-02`, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: members, expectedAmountFen: members * POINTS_PER_MEMBER, creditLimitFen: 0 });
  await api('POST', `/unions/${union.id}/deposits`, admin, { amountFen: members * POINTS_PER_MEMBER, bankReference: 'BENCH-0001', receivedOn: day });
  const roster = ['employee_no,name,phone,group,join_date'];
  for (let i = 1; i <= members; i++) roster.push(`QDG${String(i).padStart(6, '0')},职工${i},13${String(800_000_000 + i).padStart(9, '0')},装卸${(i % 10) + 1}队,2016-05-01`);
  await api('POST', `/unions/${union.id}/members/import`, unionAdmin, roster.join('\n'), 'text/csv');
  const [{ opens, closes }] = await ds.query(`SELECT now() - interval '1 minute' AS opens, now() + interval '3 hours' AS closes`);
  const campaign = await api('POST', `/unions/${union.id}/campaigns`, unionAdmin, {
    name: '2026 春节慰问',
    purpose: 'Spring Festival',
    amountMode: 'flat',
    pointsPerMemberFen: POINTS_PER_MEMBER,
    opensAt: new Date(opens).toISOString(),
    closesAt: new Date(closes).toISOString(),
  });
  await api('POST', `/campaigns/${campaign.id}/approve`, unionAdmin, {});
  // the worker's jobs, run here: distribute to every member, then open the window
  const distributed = await app.get(DistributionRunner).run(campaign.id);
  await app.get(CampaignWindowService).open(campaign.id);
  // Accounts for every member. Activation hashes each member's own password (argon2id, ~50 ms of
  // CPU each); for 10,000 bench members one hash is shared and the link is what activation writes.
  const hash = await app.get(PasswordService).hash(PASSWORD);
  await ds.query(
    `WITH u AS (
       INSERT INTO users (organization_id, username, display_name, password_hash, roles)
       SELECT m.union_id, 'bench-' || lower(m.employee_no), m.name, $2, ARRAY['worker'] FROM members m WHERE m.union_id = $1
       RETURNING id, username
     )
     UPDATE members m SET user_id = u.id, activated_at = now() FROM u WHERE u.username = 'bench-' || lower(m.employee_no) AND m.union_id = $1`,
    [union.id, hash],
  );
  const userIds: string[] = (await ds.query(`SELECT user_id FROM members WHERE union_id = $1 ORDER BY employee_no`, [union.id])).map((r: { user_id: string }) => r.user_id);
  // log every member in up front (the token path of login, minus 10,000 password checks)
  const auth = app.get(AuthService);
  const tokens: string[] = new Array(userIds.length);
  for (let i = 0; i < userIds.length; i += 50) {
    await Promise.all(userIds.slice(i, i + 50).map(async (id, j) => (tokens[i + j] = (await auth.issueForUser(id)).accessToken)));
  }
  // hot SKUs: a few popular items cut to limited stock; the tail: everything else that is buyable
  const buyable: { id: string; price_fen: string; stock: number }[] = await ds.query(
    `SELECT k.id, k.price_fen, k.stock FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = k.supplier_id
      JOIN categories c ON c.id = p.category_id
     WHERE p.status = 'active' AND s.status = 'approved' AND NOT c.forbidden AND k.price_fen BETWEEN 500 AND 15000 AND k.stock >= 50
     ORDER BY k.id`,
  );
  if (buyable.length < hotCount + 10) throw new Error(`only ${buyable.length} buyable SKUs: seed more products`);
  const r = rng(42);
  const shuffled = buyable.map((s) => ({ s, k: r() })).sort((x, y) => x.k - y.k).map((x) => x.s);
  const hot: SkuRef[] = shuffled.slice(0, hotCount).map((s) => ({ id: s.id, priceFen: Number(s.price_fen) }));
  const tail: SkuRef[] = shuffled.slice(hotCount, hotCount + tailCount).map((s) => ({ id: s.id, priceFen: Number(s.price_fen) }));
  await tx.run(async (em) => {
    for (const s of hotCount ? shuffled.slice(0, hotCount) : []) await app.get(StockService).adjust(em, s.id, hotStock - s.stock, 'flash sale allotment', adminId);
  });
  await vacuumAnalyzeSeeded(ds);
  const initial = new Map<string, number>((await ds.query(`SELECT id, stock FROM skus`)).map((x: { id: string; stock: number }) => [x.id, x.stock]));
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(
    `seeded in ${round(seedSeconds, 1)} s: ${catalog.products} products (${catalog.skus} SKUs), ${members} members credited ${POINTS_PER_MEMBER} fen each (${distributed.credited} grants), ${tokens.length} members logged in`,
  );

  // ---- measure ----
  const [{ entriesBefore }] = await ds.query(`SELECT count(*)::int AS "entriesBefore" FROM ledger_entries`);
  const plan: LoadPlan = { port, tokens, hot, tail, connections, seconds, warmupSeconds: 2, invalid: a['invalid-bodies'] === 'true' };
  const profiling = a.profile ? await startProfile() : null;
  // the load generator's worker thread is started after this snapshot: its ticks are all load (warm-up included)
  const cpu0 = await cpuSnapshot(ds, DB_NAME);
  const sameThread = a['same-thread'] === 'true';
  const { samples, seconds: measured, threadTicks: loadTicks } = sameThread ? await runLoad(plan) : await loadInWorker(plan);
  const cpu1 = await cpuSnapshot(ds, DB_NAME);
  if (profiling) await stopProfile(profiling, a.profile);

  // ---- check ----
  const sold = new Map<string, number>(
    (await ds.query(
      `SELECT l.sku_id, sum(l.quantity)::int AS n FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE o.state NOT IN ('cancelled', 'rejected', 'returned') GROUP BY l.sku_id`,
    )).map((x: { sku_id: string; n: number }) => [x.sku_id, x.n]),
  );
  const now = new Map<string, number>((await ds.query(`SELECT id, stock FROM skus`)).map((x: { id: string; stock: number }) => [x.id, x.stock]));
  let oversoldUnits = 0;
  let mismatchedSkus = 0;
  for (const [id, init] of initial) {
    const s = sold.get(id) ?? 0;
    const left = now.get(id)!;
    if (left + s !== init) mismatchedSkus++;
    if (s > init || left < 0) oversoldUnits += Math.max(s - init, -left);
  }
  // the books, from raw SQL: no guarded account (grant, pool, budget) below its limit; every order's
  // escrow holds exactly its total; every member's grant + what their orders took = what was credited
  const [{ negative }] = await ds.query(
    `WITH flows AS (SELECT credit_account_id AS a, amount FROM ledger_transfers UNION ALL SELECT debit_account_id, -amount FROM ledger_transfers)
     SELECT count(*)::int AS negative FROM (SELECT f.a, sum(f.amount) AS b FROM flows f GROUP BY f.a) x JOIN ledger_accounts la ON la.id = x.a
      WHERE la.guard = 'debits_le_credits' AND x.b < -la.overdraft_limit`,
  );
  const balanceSql = (col: string) =>
    `(coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = ${col}), 0) - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = ${col}), 0))`;
  const [{ escrowOff }] = await ds.query(`SELECT count(*)::int AS "escrowOff" FROM orders o WHERE ${balanceSql('o.escrow_account_id')} <> o.total_fen`);
  const [{ grantsOff }] = await ds.query(
    `SELECT count(*)::int AS "grantsOff" FROM campaign_members cm
      WHERE cm.campaign_id = $1 AND ${balanceSql('cm.grant_account_id')}
            + coalesce((SELECT sum(p.amount_fen) FROM order_payments p WHERE p.grant_account_id = cm.grant_account_id), 0) <> cm.amount_fen`,
    [campaign.id],
  );
  const booksOk = negative === 0 && escrowOff === 0 && grantsOff === 0;
  const [{ entriesAfter }] = await ds.query(`SELECT count(*)::int AS "entriesAfter" FROM ledger_entries`);
  // checkouts committed together share a transaction (CheckoutService's group commit): its xid on their entries
  const [{ txs, placedAll }] = await ds.query(
    `SELECT count(DISTINCT e.xid)::int AS txs, count(*)::int AS "placedAll" FROM checkouts c JOIN ledger_entries e ON e.id = c.ledger_entry_id`,
  );
  await app.close();
  const ceiling = a['no-calibrate'] === 'true' ? null : await roundTripCeiling(url, connections, Number(process.env.DB_POOL_SIZE), CHECKOUT_ROUND_TRIPS);
  const after = withBaseline ? pgbenchBaseline(baselineSeconds, baseClients) : [];

  const ok = samples.filter((s) => s.status === 201);
  const orders = ok.reduce((n, s) => n + s.orders, 0);
  const codes: Record<string, number> = {};
  for (const s of samples) if (s.code) codes[s.code] = (codes[s.code] ?? 0) + 1;
  const all = latency(samples);
  const placed = latency(ok);
  const checkoutsPerSecond = round(ok.length / measured, 1);
  const ordersPerSecond = round(orders / measured, 1);
  const requestsPerSecond = round(samples.length / measured, 1);
  const hotSold = hot.reduce((n, h) => n + (sold.get(h.id) ?? 0), 0);
  const tps64 = (bs: Baseline[]) => bs.find((b) => b.clients === 64)?.tps ?? NaN;
  const baseline64 = withBaseline ? round((tps64(before) + tps64(after)) / 2, 1) : NaN;
  const ratio = withBaseline ? round(checkoutsPerSecond / baseline64, 3) : null;

  console.log('');
  console.log('| checkout requests | count | per s | p50 ms | p95 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log(`| all | ${all.n} | ${requestsPerSecond} | ${all.p50} | ${all.p95} | ${all.p99} | ${all.max} |`);
  console.log(`| placed (201) | ${placed.n} | ${checkoutsPerSecond} | ${placed.p50} | ${placed.p95} | ${placed.p99} | ${placed.max} |`);
  console.log('');
  console.log(`orders placed: ${orders} (${ordersPerSecond}/s; a checkout with SKUs of two suppliers is two orders); ledger entries posted: ${entriesAfter - entriesBefore}`);
  console.log(`group commit: ${placedAll} checkouts (warm-up included) in ${txs} transactions, ${round(placedAll / Math.max(1, txs), 1)} per transaction`);
  let cpuSplit: Record<string, number> = {};
  let cpuCeiling: Record<string, number> = {};
  {
    // CPU split over the load (warm-up included, so per request is over every request answered in it);
    // backends the pool opened during the load count from 0
    const hz = 100;
    const ms = (ticks: number) => (ticks * 1000) / hz;
    let main = 0;
    let other = 0;
    for (const [k, v] of cpu1.threads) {
      const d = v - (cpu0.threads.get(k) ?? 0);
      if (k.startsWith(`${process.pid}:`)) main += d;
      else other += d;
    }
    // the load generator's thread (gone by now) measured itself; with --same-thread it is inside `main`
    const loadGen = sameThread ? 0 : loadTicks;
    let pgBackends = 0;
    for (const [pid, v] of cpu1.pg) pgBackends += v - (cpu0.pg.get(pid) ?? 0);
    const wall = (cpu1.at - cpu0.at) / 1000;
    const requestsIn = samples.length * (wall / measured);
    const per = (t: number) => round(ms(t) / requestsIn, 2);
    const wal = Number(lsnBytes(cpu1.lsn) - lsnBytes(cpu0.lsn));
    const machineBusy = round((cpu1.total - cpu0.total - (cpu1.idle - cpu0.idle)) / hz / wall, 2);
    cpuSplit = { apiMainMsPerRequest: per(main), loadGeneratorMsPerRequest: per(loadGen), otherNodeThreadsMsPerRequest: per(other), postgresMsPerRequest: per(pgBackends), machineBusyCores: machineBusy, walBytesPerCheckout: Math.round(wal / Math.max(1, placedAll)) };
    console.log(
      `CPU over ${round(wall, 1)} s (≈${Math.round(requestsIn)} requests): API main thread ${round(ms(main) / 1000 / wall, 2)} cores (${per(main)} ms/request), load generator ${round(ms(loadGen) / 1000 / wall, 2)} (${per(loadGen)}), other Node threads ${round(ms(other) / 1000 / wall, 2)} (${per(other)}), PostgreSQL ${round(ms(pgBackends) / 1000 / wall, 2)} (${per(pgBackends)}); whole machine ${machineBusy} cores busy; WAL ${round(wal / 1e6, 1)} MB (server-wide), ${Math.round(wal / Math.max(1, placedAll))} B per checkout`,
    );
  }
  console.log(`refusals: ${Object.entries(codes).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`);
  console.log(`hot SKUs: ${hotSold} of ${hotCount * hotStock} sold`);
  console.log(`oversell check: ${oversoldUnits} units oversold, ${mismatchedSkus} SKUs where stock + sold ≠ initial (of ${initial.size}) — ${oversoldUnits === 0 && mismatchedSkus === 0 ? 'OK' : 'BROKEN'}`);
  console.log(`ledger (raw SQL): ${negative} guarded accounts below their limit, ${escrowOff} orders whose escrow ≠ their total, ${grantsOff} grants where balance + spent ≠ credited — ${booksOk ? 'OK' : 'BROKEN'}`);
  if (withBaseline) {
    for (const c of baseClients) {
      const b = before.find((x) => x.clients === c);
      const f = after.find((x) => x.clients === c);
      console.log(`pgbench TPC-B, ${c} clients: ${b?.tps} tps before, ${f?.tps} tps after`);
    }
    console.log(`checkouts/s ÷ pgbench tps (64 clients, mean of before and after ${baseline64}): ${ratio}`);
    if (cpuSplit.postgresMsPerRequest !== undefined && ok.length > 0) {
      // What this machine leaves the API at the aim: PostgreSQL and the load generator share its cores
      // with the API, so at half pgbench's rate (and this run's mix of placed and refused requests)
      // every request may cost all processes together cores × 1000 / requests-per-second ms of CPU.
      const cores = availableParallelism();
      const placedShare = ok.length / samples.length;
      const fixedMs = cpuSplit.postgresMsPerRequest + cpuSplit.loadGeneratorMsPerRequest;
      const apiMs = round(cpuSplit.apiMainMsPerRequest + cpuSplit.otherNodeThreadsMsPerRequest, 2);
      const aimRequests = (0.5 * baseline64) / placedShare;
      const budgetMs = (cores * 1000) / aimRequests;
      const zeroApiPlaced = ((cores * 1000) / fixedMs) * placedShare;
      cpuCeiling = { cores, apiBudgetMsPerRequestAtAim: round(budgetMs - fixedMs, 2), apiMsPerRequest: apiMs, zeroApiCheckoutsPerSecond: round(zeroApiPlaced, 1), zeroApiRatio: round(zeroApiPlaced / baseline64, 3) };
      // the same question from the other side: machine CPU per unit of work, pgbench's and ours
      const busy64 = [before, after].map((bs) => bs.find((b) => b.clients === 64)?.machineBusyCores ?? NaN);
      const tpcbMs = ((busy64[0] + busy64[1]) / 2) * 1000 / baseline64;
      const checkoutMs = (cpuSplit.machineBusyCores * 1000) / checkoutsPerSecond;
      cpuCeiling.machineMsPerTpcbTransaction = round(tpcbMs, 3);
      cpuCeiling.machineMsPerCheckout = round(checkoutMs, 3);
      console.log(
        `machine CPU a unit of work: ${round(tpcbMs, 3)} ms a TPC-B transaction (pgbench @64, ${busy64.join(' / ')} cores busy before / after), ${round(checkoutMs, 3)} ms a placed checkout (refused requests' share included, ${cpuSplit.machineBusyCores} cores busy) — CPU-bound, checkouts/s ÷ tps could reach ${round(tpcbMs / checkoutMs, 3)}`,
      );
      console.log(
        `CPU ceiling on ${cores} cores: the aim (${round(0.5 * baseline64, 1)} checkouts/s, ${Math.round(aimRequests)} requests/s at this run's ${round(placedShare * 100, 1)} % placed) allows ${round(budgetMs, 2)} ms of CPU a request in all; PostgreSQL and the load generator took ${round(fixedMs, 2)}, leaving the API ${cpuCeiling.apiBudgetMsPerRequestAtAim} ms (it used ${apiMs}); with an API that cost nothing: ${cpuCeiling.zeroApiCheckoutsPerSecond} checkouts/s, ${cpuCeiling.zeroApiRatio} × pgbench`,
      );
    }
  }
  if (ceiling !== null) {
    console.log(
      `calibration: empty transactions of ${CHECKOUT_ROUND_TRIPS} round trips (a checkout's count) from Node over the same connection pool: ${ceiling}/s — checkouts reach ${round(checkoutsPerSecond / ceiling, 2)} of that`,
    );
  }
  console.log(`aim: ≥ 0.5 × pgbench and p99 < 100 ms — ratio ${ratio ?? 'n/a'} ${ratio !== null && ratio >= 0.5 ? 'met' : 'not met'}, p99 ${all.p99} ms ${all.p99 < 100 ? 'met' : 'not met'}`);
  console.log(`rerun: ${RERUN}${a.members ? ` --members ${members}` : ''}${a.seconds ? ` --seconds ${seconds}` : ''}${a.connections ? ` --connections ${connections}` : ''}${plan.invalid ? ' --invalid-bodies' : ''}`);

  if (a.keep !== 'true') await dropDatabase(url);
  else console.log(`kept database ${DB_NAME}`);
  console.log(
    JSON.stringify({
      bench: 'flash-crowd',
      members,
      connections,
      seconds: round(measured, 1),
      seedSeconds: round(seedSeconds, 1),
      hotSkus: hotCount,
      hotStock,
      tailSkus: tail.length,
      requests: samples.length,
      requestsPerSecond,
      checkouts: ok.length,
      checkoutsPerSecond,
      checkoutsPerTransaction: round(placedAll / Math.max(1, txs), 1),
      orders,
      ordersPerSecond,
      p50Ms: all.p50,
      p95Ms: all.p95,
      p99Ms: all.p99,
      maxMs: all.max,
      placedP50Ms: placed.p50,
      placedP95Ms: placed.p95,
      placedP99Ms: placed.p99,
      refusals: codes,
      hotSold,
      oversoldUnits,
      mismatchedSkus,
      ledgerBooksOk: booksOk,
      pgbenchTps64Before: tps64(before) || null,
      pgbenchTps64After: tps64(after) || null,
      pgbenchTps16Before: before.find((b) => b.clients === 16)?.tps ?? null,
      pgbenchTps16After: after.find((b) => b.clients === 16)?.tps ?? null,
      checkoutsPerPgbenchTps: ratio,
      roundTripCeilingTps: ceiling,
      loadThread: a['same-thread'] === 'true' ? 'same' : 'worker',
      ...cpuSplit,
      ...cpuCeiling,
    }),
  );
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  runLoad(workerData as LoadPlan).then(
    (r) => parentPort!.postMessage(r),
    (err) => {
      throw err;
    },
  );
}

/**
 * What autovacuum does after the seed's bulk load (statistics, visibility map), on the tables the seed
 * filled only. The tables the load fills (orders, checkouts, lines, …) stay as a fresh deployment has
 * them, never vacuumed: a plain `VACUUM ANALYZE` records them as empty (reltuples 0), and with
 * autovacuum off on this server (conf.d/90-ci.conf) nothing re-analyzes them during the load, so every
 * plan made early — the foreign-key checks' cached plans above all — keeps a sequential scan of a table
 * that grows to thousands of rows (measured: 2,683 scans of `orders` reading 8.8 M rows in 8 s of load).
 * In production autovacuum keeps their statistics current as they grow.
 */
async function vacuumAnalyzeSeeded(ds: DataSource): Promise<void> {
  const tables: { name: string }[] = await ds.query(
    `SELECT quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`,
  );
  const filled: string[] = [];
  for (const { name } of tables) {
    const [{ any }] = await ds.query(`SELECT EXISTS (SELECT 1 FROM ${name}) AS any`);
    if (any) filled.push(name);
  }
  if (filled.length) await ds.query(`VACUUM ANALYZE ${filled.join(', ')}`);
}

