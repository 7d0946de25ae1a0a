// npm run bench -- soak [--members 2000] [--connections 16] [--products 2000] [--baseline-seconds 10] [--no-baseline] [--keep]
//   duration: SOAK_SECONDS (default 600, ten minutes)
//
// A soak run: mixed traffic for a long while, to show that memory stays flat, nothing fails beyond
// the expected refusals, and the ledger verifies at the end. A database of its own gets the demo
// catalog, a union with a roster, an open campaign distributed to every member (the points
// context's own paths, as flash-crowd does) and staff accounts for the suppliers. The API runs in
// this process on a free port (so its heap is this isolate's heap); the worker runs as its own
// process (dist/apps/worker: outbox relay, sealing, auto-confirm); the traffic comes from a worker
// thread: login, browse, search, product pages, points, order lists, checkout, cancel, supplier
// accept/ship/deliver, member confirm, reviews, union admin and platform views. Every few seconds
// the API's heap (after a full GC) and RSS and the worker's RSS are sampled. At the end: requests
// by action and status, refusals by code (expected ones vs unexpected), latency, memory start/end
// and slope, the ledger verification, pgbench TPC-B before and after, the rerun command, and one
// JSON line.
import 'reflect-metadata';
import { CatalogDemoSeeder, mulberry32 } from '@huigong/catalog';
import { dropDatabase, loadConfig, migrateDatabase, Role, TransactionRunner, withDatabase } from '@huigong/common';
import { AuthService, OrganizationsService, PasswordService, UsersService } from '@huigong/identity';
import { LedgerVerifier } from '@huigong/ledger';
import { CampaignWindowService, DistributionRunner } from '@huigong/points';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fork } from 'node:child_process';
import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/create-api-app';

const RERUN = 'npm run bench -- soak';
const DB_NAME = 'huigong_bench_soak';
const PASSWORD = 'bench-password-123';
const POINTS_PER_MEMBER = 300_000;
const SAMPLE_EVERY_MS = 5_000;
const ADDRESS = { recipient: '王师傅', phone: '13805320000', regionCode: '370202', detail: '青岛市市北区港华路 1 号' };
const SEARCH_WORDS = ['大米', '茶', '海参', '苹果', '青岛', '花生', '啤酒', '虾', '礼盒', '崂山'];

/** Refusals a real crowd produces and the API answers by design; anything else counts as unexpected. */
const EXPECTED_REFUSALS = new Set(['OUT_OF_STOCK', 'INSUFFICIENT_POINTS', 'LIMIT_EXCEEDED', 'NOT_ELIGIBLE', 'SKU_NOT_AVAILABLE', 'RATE_LIMITED', 'WINDOW_CLOSED']);

type Action = 'login' | 'browse' | 'search' | 'product' | 'points' | 'my_orders' | 'checkout' | 'cancel' | 'fulfil' | 'confirm' | 'review' | 'union_admin' | 'platform';
/** weights of the mix: mostly reading, a steady stream of orders moving through their lifecycle */
const MIX: [Action, number][] = [
  ['login', 2],
  ['browse', 16],
  ['search', 14],
  ['product', 10],
  ['points', 12],
  ['my_orders', 6],
  ['checkout', 16],
  ['cancel', 3],
  ['fulfil', 8],
  ['confirm', 5],
  ['review', 3],
  ['union_admin', 3],
  ['platform', 2],
];

interface Plan {
  port: number;
  seconds: number;
  connections: number;
  members: { username: string; token: string }[];
  supplierTokens: Record<string, string>;
  unionAdmin: string;
  admin: string;
  unionId: string;
  campaignId: string;
  skus: string[];
  products: string[];
}

interface Tally {
  requests: number;
  byAction: Record<string, Record<string, number>>;
  codes: Record<string, number>;
  unexpected: Record<string, number>;
  networkErrors: number;
  latencies: number[];
  seconds: number;
}

interface PlacedRef {
  orderId: string;
  memberIdx: number;
  supplierOrg: string;
  lineId: string;
}

/** The traffic, run in a process of its own so it never shares the API's event loop or memory. */
async function runTraffic(plan: Plan): Promise<Tally> {
  const base = `http://127.0.0.1:${plan.port}/api/v1`;
  const tally: Tally = { requests: 0, byAction: {}, codes: {}, unexpected: {}, networkErrors: 0, latencies: [], seconds: 0 };
  // orders moving through their lifecycle; each is taken by one loop at a time, so steps never race
  const placed: PlacedRef[] = [];
  const delivered: PlacedRef[] = [];
  const completed: PlacedRef[] = [];
  const total = MIX.reduce((n, [, w]) => n + w, 0);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the traffic reads a few fields of our own API's answers
  type Json = any;
  const call = async (action: Action, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; json: Json } | null> => {
    const t0 = performance.now();
    let status = 0;
    let json: Json = null;
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = res.status;
      json = await res.json().catch(() => null);
    } catch {
      tally.networkErrors++;
    }
    tally.requests++;
    if (tally.latencies.length < 2_000_000) tally.latencies.push(performance.now() - t0);
    const per = (tally.byAction[action] ??= {});
    per[String(status)] = (per[String(status)] ?? 0) + 1;
    if (status >= 400 || status === 0) {
      const code = json?.error?.code ?? `HTTP_${status}`;
      tally.codes[code] = (tally.codes[code] ?? 0) + 1;
      if (status >= 500 || status === 0 || !EXPECTED_REFUSALS.has(code)) {
        const key = `${action} ${status} ${code}`;
        tally.unexpected[key] = (tally.unexpected[key] ?? 0) + 1;
      }
      return null;
    }
    return { status, json };
  };

  const step = async (r: () => number): Promise<void> => {
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    let x = r() * total;
    const action = MIX.find(([, w]) => (x -= w) < 0)![0];
    const mi = Math.floor(r() * plan.members.length);
    const member = plan.members[mi];
    switch (action) {
      case 'login':
        await call(action, 'POST', '/auth/login', null, { username: member.username, password: PASSWORD });
        return;
      case 'browse':
        await call(action, 'GET', `/catalog/products?limit=20&offset=${Math.floor(r() * 10) * 20}&sort=${pick(['sales', 'price_asc', 'price_desc', 'rating'])}`, member.token);
        return;
      case 'search':
        await call(action, 'GET', `/catalog/products?q=${encodeURIComponent(pick(SEARCH_WORDS))}&limit=20`, member.token);
        return;
      case 'product':
        await call(action, 'GET', `/catalog/products/${pick(plan.products)}`, member.token);
        return;
      case 'points':
        await call(action, 'GET', '/me/points', member.token);
        return;
      case 'my_orders':
        await call(action, 'GET', '/me/orders?limit=20', member.token);
        return;
      case 'checkout': {
        const lines = new Map<string, number>();
        for (let i = 1 + Math.floor(r() * 2); i > 0; i--) lines.set(pick(plan.skus), 1 + Math.floor(r() * 2));
        const res = await call(action, 'POST', '/checkout', member.token, { lines: [...lines].map(([skuId, quantity]) => ({ skuId, quantity })), address: ADDRESS });
        for (const o of res?.json?.orders ?? []) placed.push({ orderId: o.id, memberIdx: mi, supplierOrg: o.supplierOrganizationId, lineId: o.lines[0].id });
        return;
      }
      case 'cancel': {
        const o = placed.shift();
        if (!o) return;
        await call(action, 'POST', `/me/orders/${o.orderId}/cancel`, plan.members[o.memberIdx].token, {});
        return;
      }
      case 'fulfil': {
        const o = placed.shift();
        if (!o) return;
        const sup = plan.supplierTokens[o.supplierOrg];
        if (!(await call(action, 'POST', `/supplier/orders/${o.orderId}/accept`, sup, {}))) return;
        if (!(await call(action, 'POST', `/supplier/orders/${o.orderId}/ship`, sup, { carrier: '顺丰速运', trackingNo: `SF${Math.floor(r() * 1e10)}` }))) return;
        if (await call(action, 'POST', `/supplier/orders/${o.orderId}/deliver`, sup, {})) delivered.push(o);
        return;
      }
      case 'confirm': {
        const o = delivered.shift();
        if (!o) return;
        if (await call(action, 'POST', `/me/orders/${o.orderId}/confirm`, plan.members[o.memberIdx].token, {})) completed.push(o);
        return;
      }
      case 'review': {
        const o = completed.shift();
        if (!o) return;
        await call(action, 'POST', `/me/orders/${o.orderId}/lines/${o.lineId}/review`, plan.members[o.memberIdx].token, { stars: r() < 0.95 ? 5 : 2, text: '包装完好，送货很快' });
        return;
      }
      case 'union_admin': {
        const which = r();
        if (which < 0.5) await call(action, 'GET', `/unions/${plan.unionId}/members?limit=20&offset=${Math.floor(r() * 50) * 20}`, plan.unionAdmin);
        else if (which < 0.8) await call(action, 'GET', `/campaigns/${plan.campaignId}`, plan.unionAdmin);
        else await call(action, 'GET', `/unions/${plan.unionId}`, plan.unionAdmin);
        return;
      }
      case 'platform':
        await call(action, 'GET', '/orders?limit=20', plan.admin);
        return;
    }
  };

  const start = performance.now();
  const until = start + plan.seconds * 1000;
  await Promise.all(
    Array.from({ length: plan.connections }, async (_, c) => {
      const r = mulberry32(9000 + c);
      while (performance.now() < until) await step(r);
    }),
  );
  tally.seconds = (performance.now() - start) / 1000;
  return tally;
}

// The traffic runs in its own process, so the API process's memory (sampled here) is the API's alone.
const IS_TRAFFIC = process.env.SOAK_TRAFFIC_PROCESS === '1';
if (IS_TRAFFIC) {
  process.once('message', (plan: Plan) => {
    runTraffic(plan).then(
      (t) => process.send!(t, () => process.exit(0)),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}

function trafficInChild(plan: Plan): Promise<Tally> {
  return new Promise((done, fail) => {
    const child = fork(__filename, [], { env: { ...process.env, SOAK_TRAFFIC_PROCESS: '1' }, serialization: 'advanced' });
    child.once('message', (t) => done(t as Tally));
    child.once('error', fail);
    child.once('exit', (code) => code !== 0 && fail(new Error(`traffic process exited with ${code}`)));
    child.send(plan);
  });
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

interface Baseline {
  clients: number;
  seconds: number;
  tps: number;
  latencyMs: number;
}

function pgbenchBaseline(seconds: number, clients: number[]): Baseline[] {
  // ../shared/tools next to the repository (from a git worktree, further up)
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  let tool = process.env.PGBENCH_BASELINE || resolve(dir, '../shared/tools/pgbench-baseline');
  for (let up = resolve(dir, '..'); !existsSync(tool) && resolve(up, '..') !== up; up = resolve(up, '..')) tool = resolve(up, 'shared/tools/pgbench-baseline');
  let r = spawnSync(tool, ['-T', String(seconds), ...clients.map(String)], { encoding: 'utf8' });
  for (let attempt = 1; r.status !== 0 && /too many clients/.test(r.stderr) && attempt <= 5; attempt++) {
    spawnSync('sleep', ['5']);
    r = spawnSync(tool, ['-T', String(seconds), ...clients.map(String)], { encoding: 'utf8' });
  }
  if (r.status !== 0) throw new Error(`pgbench-baseline failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Baseline);
}

function rssOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const seconds = Number(process.env.SOAK_SECONDS || a.seconds || 600);
  const membersWanted = Number(a.members ?? 2000);
  const connections = Number(a.connections ?? 16);
  const products = Number(a.products ?? 2000);
  const baselineSeconds = Number(a['baseline-seconds'] ?? 10);
  const withBaseline = a['no-baseline'] !== 'true';
  const baseClients = [16, 64];
  const url = withDatabase(process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', DB_NAME);
  console.log(`soak: ${seconds} s of mixed traffic, ${connections} connections, ${membersWanted} members, ${products} products`);

  const before = withBaseline ? pgbenchBaseline(baselineSeconds, baseClients) : [];
  await dropDatabase(url);
  await migrateDatabase(url);
  process.env.DB_POOL_SIZE ??= '20';
  const env = {
    ...process.env,
    DATABASE_URL: url,
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-only-secret-bench-only-secret-123',
    ACCESS_TOKEN_TTL_SECONDS: String(Math.max(3600, seconds * 2)),
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: '{hg-bench-soak}',
    // every simulated person comes from this one address
    LOGIN_RATE_LIMIT: '100000',
    CHECKOUT_RATE_LIMIT_IP: '10000000',
    // members keep their own limit (20 a minute by default): a refusal there is an expected RATE_LIMITED
  };
  const config = loadConfig(env);
  // the worker's relay starts in its own process; this one only serves HTTP
  process.env.OUTBOX_RELAY = 'off';
  process.env.LEDGER_SEALER = 'off';
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

  // ---- seed ----
  const seedStart = performance.now();
  await tx.run(async (em) => {
    const platform = await app.get(OrganizationsService).platform(em);
    return (await app.get(UsersService).create(null, { organizationId: platform.id, username: 'bench-admin', displayName: '压测管理员', password: PASSWORD, roles: [Role.PlatformAdmin] }, em)).id;
  });
  const catalog = await tx.run((em) => app.get(CatalogDemoSeeder).seed(em, { products }));
  const admin = (await api('POST', '/auth/login', null, { username: 'bench-admin', password: PASSWORD })).accessToken as string;
  const union = await api('POST', '/unions', admin, { name: '青岛港集团工会', regionCode: '370202', cityRegionCode: '370200', admin: { username: 'bench-union-admin', displayName: '工会管理员', password: PASSWORD } });
  const unionAdmin = (await api('POST', '/auth/login', null, { username: 'bench-union-admin', password: PASSWORD })).accessToken as string;
  const [{ day }] = await ds.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS day`);
  const year = day.slice(0, 4);
  await api('POST', `/unions/${union.id}/agreements`, admin, { number: `HG-${year}-SOAK`, signedOn: `${year}-01-02`, termStart: `${year}-01-01`, termEnd: `${year}-12-31`, expectedHeadcount: membersWanted, expectedAmountFen: membersWanted * POINTS_PER_MEMBER, creditLimitFen: 0 });
  await api('POST', `/unions/${union.id}/deposits`, admin, { amountFen: membersWanted * POINTS_PER_MEMBER, bankReference: 'SOAK-0001', receivedOn: day });
  const roster = ['employee_no,name,phone,group,join_date'];
  for (let i = 1; i <= membersWanted; i++) roster.push(`QDG${String(i).padStart(6, '0')},职工${i},13${String(800_000_000 + i).padStart(9, '0')},装卸${(i % 10) + 1}队,2016-05-01`);
  await api('POST', `/unions/${union.id}/members/import`, unionAdmin, roster.join('\n'), 'text/csv');
  const [{ opens, closes }] = await ds.query(`SELECT now() - interval '1 minute' AS opens, now() + make_interval(secs => $1) AS closes`, [seconds + 3600]);
  const campaign = await api('POST', `/unions/${union.id}/campaigns`, unionAdmin, {
    name: '2026 春节慰问',
    purpose: 'soak',
    amountMode: 'flat',
    pointsPerMemberFen: POINTS_PER_MEMBER,
    opensAt: new Date(opens).toISOString(),
    closesAt: new Date(closes).toISOString(),
  });
  await api('POST', `/campaigns/${campaign.id}/approve`, unionAdmin, {});
  await app.get(DistributionRunner).run(campaign.id);
  await app.get(CampaignWindowService).open(campaign.id);
  // members' accounts share one argon2id hash (activation would hash 2,000 passwords); they log in with it during the run
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
  // one staff account per supplier
  await ds.query(
    `INSERT INTO users (organization_id, username, display_name, password_hash, roles)
     SELECT s.organization_id, 'bench-sup-' || row_number() OVER (ORDER BY s.id), '发货员', $1, ARRAY['supplier_staff'] FROM suppliers s WHERE s.status = 'approved'`,
    [hash],
  );
  const auth = app.get(AuthService);
  const tokenOf = async (id: string) => (await auth.issueForUser(id)).accessToken;
  const memberRows: { id: string; username: string }[] = await ds.query(`SELECT u.id, u.username FROM members m JOIN users u ON u.id = m.user_id WHERE m.union_id = $1 ORDER BY m.employee_no`, [union.id]);
  const members: Plan['members'] = [];
  for (let i = 0; i < memberRows.length; i += 50) {
    members.push(...(await Promise.all(memberRows.slice(i, i + 50).map(async (m) => ({ username: m.username, token: await tokenOf(m.id) })))));
  }
  const supplierTokens: Record<string, string> = {};
  for (const s of (await ds.query(`SELECT id, organization_id FROM users WHERE username LIKE 'bench-sup-%'`)) as { id: string; organization_id: string }[]) {
    supplierTokens[s.organization_id] = await tokenOf(s.id);
  }
  const skus: string[] = (
    await ds.query(
      `SELECT k.id FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = k.supplier_id JOIN categories c ON c.id = p.category_id
        WHERE p.status = 'active' AND s.status = 'approved' AND NOT c.forbidden AND k.price_fen BETWEEN 500 AND 15000 AND k.stock >= 20 ORDER BY k.id`,
    )
  ).map((x: { id: string }) => x.id);
  const productIds: string[] = (await ds.query(`SELECT id FROM products WHERE status = 'active' ORDER BY id LIMIT 2000`)).map((x: { id: string }) => x.id);
  await ds.query('VACUUM ANALYZE');
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(`seeded in ${round(seedSeconds, 1)} s: ${catalog.products} products (${skus.length} buyable SKUs), ${members.length} members with ${POINTS_PER_MEMBER} fen each, ${Object.keys(supplierTokens).length} supplier accounts`);

  // ---- the worker process (outbox relay, sealing, auto-confirm), as deployed ----
  const workerMain = join(__dirname, '..', 'apps', 'worker', 'src', 'main.js');
  const worker: ChildProcess = spawn(process.execPath, [workerMain], { env: { ...env, OUTBOX_RELAY: 'on', LEDGER_SEALER: 'on' }, stdio: ['ignore', 'inherit', 'inherit'] });

  // ---- run, sampling memory ----
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const samples: { t: number; heap: number; rss: number; workerRss: number }[] = [];
  const t0 = performance.now();
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    samples.push({ t: (performance.now() - t0) / 1000, heap: m.heapUsed, rss: m.rss, workerRss: rssOf(worker.pid) });
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  const [{ entriesBefore }] = await ds.query(`SELECT count(*)::int AS "entriesBefore" FROM ledger_entries`);
  const tally = await trafficInChild({ port, seconds, connections, members, supplierTokens, unionAdmin, admin, unionId: union.id, campaignId: campaign.id, skus, products: productIds });
  clearInterval(timer);
  sample();

  // ---- the ledger at the end: every entry sealed by the worker, then verified from scratch ----
  const [{ entriesAfter }] = await ds.query(`SELECT count(*)::int AS "entriesAfter" FROM ledger_entries`);
  const verifier = app.get(LedgerVerifier);
  let verification = await verifier.verify();
  for (let i = 0; i < 60 && verification.ok && verification.unsealed > 0; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    verification = await verifier.verify();
  }
  worker.kill('SIGTERM');
  await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));
  await app.close();
  const after = withBaseline ? pgbenchBaseline(baselineSeconds, baseClients) : [];

  // ---- figures ----
  const steady = samples.filter((s) => s.t >= seconds * 0.25);
  const minutes = (xs: typeof samples) => xs.map((s) => s.t / 60);
  const heapSlope = round(slope(minutes(steady), steady.map((s) => s.heap / 1024 / 1024)), 2);
  const rssSlope = round(slope(minutes(steady), steady.map((s) => s.rss / 1024 / 1024)), 2);
  const workerRssSlope = round(slope(minutes(steady), steady.map((s) => s.workerRss / 1024 / 1024)), 2);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const lat = tally.latencies.sort((x, y) => x - y);
  const unexpectedCount = Object.values(tally.unexpected).reduce((n, v) => n + v, 0) + 0;
  const expectedCount = Object.entries(tally.codes).filter(([c]) => EXPECTED_REFUSALS.has(c)).reduce((n, [, v]) => n + v, 0);
  const rps = round(tally.requests / tally.seconds, 1);
  // a heap that grows less than 1 MB a minute once warm is flat for a process of this size
  // (a slope over less than two warm minutes is noise: say so rather than guess)
  const flat = Number.isFinite(heapSlope) && tally.seconds * 0.75 >= 120 ? Math.abs(heapSlope) < 1 : null;

  console.log('');
  console.log('| action | requests | 2xx | 4xx | 5xx |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [action] of MIX) {
    const s = tally.byAction[action] ?? {};
    const sum = (p: (code: number) => boolean) => Object.entries(s).filter(([k]) => p(Number(k))).reduce((n, [, v]) => n + v, 0);
    console.log(`| ${action} | ${sum(() => true)} | ${sum((c) => c >= 200 && c < 300)} | ${sum((c) => c >= 400 && c < 500)} | ${sum((c) => c >= 500 || c === 0)} |`);
  }
  console.log('');
  console.log(`requests: ${tally.requests} in ${round(tally.seconds, 1)} s (${rps}/s); latency p50 ${round(percentile(lat, 50))} ms, p95 ${round(percentile(lat, 95))} ms, p99 ${round(percentile(lat, 99))} ms`);
  console.log(`expected refusals: ${expectedCount} (${Object.entries(tally.codes).filter(([c]) => EXPECTED_REFUSALS.has(c)).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'})`);
  console.log(`unexpected: ${unexpectedCount}${unexpectedCount ? ` — ${Object.entries(tally.unexpected).map(([k, n]) => `${k} ×${n}`).join(', ')}` : ''}; network errors ${tally.networkErrors}`);
  console.log('');
  console.log('| memory (MB) | start | end | slope after warm-up (MB/min) |');
  console.log('|---|---:|---:|---:|');
  console.log(`| API heap (after GC) | ${mb(first.heap)} | ${mb(last.heap)} | ${heapSlope} |`);
  console.log(`| API process RSS | ${mb(first.rss)} | ${mb(last.rss)} | ${rssSlope} |`);
  console.log(`| worker process RSS | ${mb(first.workerRss)} | ${mb(last.workerRss)} | ${workerRssSlope} |`);
  console.log(`memory: ${flat === null ? 'too short to tell' : flat ? 'flat' : 'GROWING'} (${samples.length} samples every ${SAMPLE_EVERY_MS / 1000} s)`);
  console.log(`ledger: ${entriesAfter - entriesBefore} entries posted during the run; verification ${verification.ok ? 'OK' : `FAILED ${verification.firstProblem?.kind} ${verification.firstProblem?.id}: ${verification.firstProblem?.reason}`} (${verification.entries} entries, ${verification.unsealed} unsealed, ${verification.blocks} blocks)`);
  for (const c of withBaseline ? baseClients : []) {
    console.log(`pgbench TPC-B, ${c} clients: ${before.find((x) => x.clients === c)?.tps} tps before, ${after.find((x) => x.clients === c)?.tps} tps after`);
  }
  console.log(`rerun: SOAK_SECONDS=${seconds} ${RERUN}${a.members ? ` --members ${membersWanted}` : ''}${a.connections ? ` --connections ${connections}` : ''}${a.products ? ` --products ${products}` : ''}`);
  if (a.keep !== 'true') await dropDatabase(url);
  else console.log(`kept database ${DB_NAME}`);
  const tps = (bs: Baseline[], c: number) => bs.find((b) => b.clients === c)?.tps ?? null;
  console.log(
    JSON.stringify({
      bench: 'soak',
      durationSeconds: round(tally.seconds, 1),
      connections,
      members: members.length,
      requests: tally.requests,
      rps,
      p50Ms: round(percentile(lat, 50)),
      p95Ms: round(percentile(lat, 95)),
      p99Ms: round(percentile(lat, 99)),
      errorsByKind: tally.codes,
      expectedRefusals: expectedCount,
      unexpectedErrors: unexpectedCount + tally.networkErrors,
      unexpectedByKind: tally.unexpected,
      heapMb: { start: mb(first.heap), end: mb(last.heap), slopeMbPerMin: heapSlope },
      rssMb: { start: mb(first.rss), end: mb(last.rss), slopeMbPerMin: rssSlope },
      workerRssMb: { start: mb(first.workerRss), end: mb(last.workerRss), slopeMbPerMin: workerRssSlope },
      memoryFlat: flat,
      ledgerEntries: entriesAfter - entriesBefore,
      ledgerOk: verification.ok,
      pgbenchTps: withBaseline ? { before: { 16: tps(before, 16), 64: tps(before, 64) }, after: { 16: tps(after, 16), 64: tps(after, 64) } } : null,
      seedSeconds: round(seedSeconds, 1),
    }),
  );
  process.exit(verification.ok && unexpectedCount + tally.networkErrors === 0 ? 0 : 1);
}

if (!IS_TRAFFIC) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
