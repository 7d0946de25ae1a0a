// npm run bench -- catalog-search [--products 50000] [--seconds 20] [--clients 16] [--baseline-seconds 20]
//                                 [--no-baseline] [--no-floor] [--same-thread] [--keep] [--no-cache]
//
// Browsing at scale, over HTTP, through the whole API stack (guard, validation, services, SQL):
// a database of its own is seeded with N products from the demo generator through the catalog's bulk
// writer, the API starts in this process on a free port, and 16 keep-alive HTTP clients (in a worker
// thread, so their JavaScript does not share the server's event loop; --same-thread to compare) send
// a mix of keyword searches (大米, 崂山, 海参, 苹果, 茶, ...) and category pages for ~20 s. Prints
// requests per second and p50/p95/p99 overall and per kind, PostgreSQL's own pgbench TPC-B baseline
// before and after on the same server (with ratios), the rerun command, and one JSON line. For scale,
// the same clients then call GET /api/v1/me for a few seconds: the cost of the HTTP stack, the guard
// and its one query, with no catalog work — the floor under any route on the machine at that moment.
// The search-results cache is on, as in production (CATALOG_SEARCH_CACHE_TTL_MS, default 5 s; the
// request mix repeats pages, as shoppers do); --no-cache measures every search computed afresh.
// Also printed, for the mix and the floor: the machine's CPU per request by process (API thread,
// the clients' thread with GC and other threads, PostgreSQL) and the search cache's hit rate.
import 'reflect-metadata';
import { CatalogDemoSeeder, mulberry32, SearchResultsCache } from '@huigong/catalog';
import { dropDatabase, loadConfig, migrateDatabase, Role, TransactionRunner, withDatabase } from '@huigong/common';
import { OrganizationsService, OrganizationType, UsersService } from '@huigong/identity';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/create-api-app';

const RERUN = 'npm run bench -- catalog-search';
const DB_NAME = 'huigong_bench_catalog';
const PASSWORD = 'bench-password-123';
const KEYWORDS = ['大米', '崂山', '海参', '苹果', '茶', '牛奶', '蜂蜜', '青岛', '礼盒', '五常大米', '崂山绿茶', '啤酒', '枸杞', '花生油', '保温杯', '纸巾'];
const SORTS = ['sales', 'sales', 'sales', 'sales', 'sales', 'sales', 'sales', 'price_asc', 'price_desc', 'rating'];

interface Sample {
  kind: 'search' | 'category';
  ms: number;
  status: number;
}

interface ClientPlan {
  /** 'mix': the catalog requests; 'me': GET /api/v1/me, the same stack (guard, token, one query) doing nothing else */
  mode: 'mix' | 'me';
  port: number;
  token: string;
  clients: number;
  seconds: number;
  warmupSeconds: number;
  categoryIds: string[];
}

/** seeded, so the request mix is the same on every run */
const rng = mulberry32;

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

/** 60 % keyword searches, 40 % category pages; mostly first pages, sometimes deeper. */
function nextRequest(r: () => number, categoryIds: string[]): { kind: Sample['kind']; path: string } {
  const params = new URLSearchParams({ limit: '20', sort: pick(r, SORTS), offset: String(r() < 0.8 ? 0 : 20 * (1 + Math.floor(r() * 4))) });
  if (r() < 0.6) {
    params.set('q', pick(r, KEYWORDS));
    return { kind: 'search', path: `/api/v1/catalog/products?${params}` };
  }
  params.set('categoryId', pick(r, categoryIds));
  return { kind: 'category', path: `/api/v1/catalog/products?${params}` };
}

function get(agent: http.Agent, port: number, token: string, path: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume(); // the body is read and dropped: the server did all its work
      res.on('end', () => resolvePromise(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** The load: `clients` loops, each sending its next request when the previous one has answered. */
async function runClients(plan: ClientPlan): Promise<{ samples: Sample[]; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.clients });
  const samples: Sample[] = [];
  const loop = async (client: number, until: number, record: boolean) => {
    const r = rng(1000 + client);
    while (performance.now() < until) {
      const { kind, path } = plan.mode === 'me' ? { kind: 'search' as const, path: '/api/v1/me' } : nextRequest(r, plan.categoryIds);
      const t0 = performance.now();
      const status = await get(agent, plan.port, plan.token, path);
      if (record) samples.push({ kind, ms: performance.now() - t0, status });
    }
  };
  const warmEnd = performance.now() + plan.warmupSeconds * 1000;
  await Promise.all(Array.from({ length: plan.clients }, (_, i) => loop(i, warmEnd, false)));
  const start = performance.now();
  const end = start + plan.seconds * 1000;
  await Promise.all(Array.from({ length: plan.clients }, (_, i) => loop(i, end, true)));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { samples, seconds };
}

function clientsInWorker(plan: ClientPlan): Promise<{ samples: Sample[]; seconds: number }> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(__filename, { workerData: plan });
    worker.once('message', resolvePromise);
    worker.once('error', reject);
  });
}

/**
 * CPU time (user + system, ms) of this process's main thread, where the API runs: per request it is
 * the cost of the HTTP stack and the services, far less sensitive to other load on the machine than
 * requests per second. Linux only (null elsewhere); 10 ms resolution.
 */
function apiThreadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) "
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** utime + stime (ms) of one /proc stat line; null when unreadable. */
function statCpuMs(path: string): number | null {
  try {
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** pid -> whether it is a PostgreSQL server process (a pid's name is read once) */
const isPostgres = new Map<string, boolean>();

/** CPU (ms) of every PostgreSQL server process now, by pid. */
function postgresCpuByPid(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let pg = isPostgres.get(pid);
    if (pg === undefined) {
      try {
        pg = readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        continue;
      }
      isPostgres.set(pid, pg);
    }
    if (!pg) continue;
    const ms = statCpuMs(`/proc/${pid}/stat`);
    if (ms !== null) out.set(pid, ms);
  }
  return out;
}

/** CPU (ms) by pid of the PostgreSQL backends connected to the bench database now (autovacuum workers on it too; `probe`'s own excluded). */
async function benchBackendCpuByPid(probe: Client): Promise<Map<string, number>> {
  const { rows } = await probe.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  const out = new Map<string, number>();
  for (const { pid } of rows) {
    const ms = statCpuMs(`/proc/${pid}/stat`);
    if (ms !== null) out.set(String(pid), ms);
  }
  return out;
}

/** CPU consumed (ms) by the processes a sampler sees, sampled every 200 ms: a process that starts during the load counts from zero, one that exits counts up to its last sample. */
function cpuDeltas(): { add: (now: Map<string, number>) => void; total: () => number } {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  let started = false;
  return {
    add(now) {
      for (const [pid, ms] of now) {
        if (!first.has(pid)) first.set(pid, started ? 0 : ms);
        last.set(pid, ms);
      }
      started = true;
    },
    total() {
      let sum = 0;
      for (const [pid, ms] of last) sum += ms - (first.get(pid) ?? 0);
      return sum;
    },
  };
}

/**
 * Where the machine's CPU goes while a load runs (ms, Linux only): this process as a whole (the API
 * thread plus the clients' worker thread, GC and libuv threads); PostgreSQL as the backends connected
 * to the bench database (pg_stat_activity: both pools' backends, autovacuum on it), which leaves out
 * other databases' sessions on a shared server and also the server's shared background processes
 * (WAL writer, checkpointer, background writer: small for these reads); and, for comparison with
 * figures before 27 Nov, every postgres process on the machine (`postgresAll`, an upper bound).
 */
async function startMachineCpu(url: string): Promise<(() => Promise<{ process: number; postgres: number; postgresAll: number }>) | null> {
  const own0 = statCpuMs('/proc/self/stat');
  if (own0 === null) return null;
  const probe = new Client({ connectionString: url, application_name: 'bench-cpu-probe' });
  await probe.connect();
  const bench = cpuDeltas();
  const all = cpuDeltas();
  let pending: Promise<void> = Promise.resolve();
  const sample = () =>
    (pending = pending.then(async () => {
      all.add(postgresCpuByPid());
      bench.add(await benchBackendCpuByPid(probe));
    }));
  await sample();
  const timer = setInterval(() => void sample(), 200);
  return async () => {
    clearInterval(timer);
    await sample();
    await probe.end();
    return { process: (statCpuMs('/proc/self/stat') ?? own0) - own0, postgres: bench.total(), postgresAll: all.total() };
  };
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

interface Baseline {
  clients: number;
  seconds: number;
  tps: number;
  latencyMs: number;
}

function pgbenchBaseline(seconds: number, clients: number): Baseline {
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  const tool = process.env.PGBENCH_BASELINE ?? resolve(dir, '../shared/tools/pgbench-baseline');
  const r = spawnSync(tool, ['-T', String(seconds), String(clients)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench-baseline failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('{'))!) as Baseline;
}

function stats(samples: Sample[], seconds: number) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    requests: samples.length,
    rps: round(samples.length / seconds, 1),
    p50: round(percentile(ms, 50)),
    p95: round(percentile(ms, 95)),
    p99: round(percentile(ms, 99)),
    max: round(ms[ms.length - 1] ?? NaN),
    errors: samples.filter((s) => s.status !== 200).length,
  };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const products = Number(a.products ?? 50_000);
  const seconds = Number(a.seconds ?? 20);
  const clients = Number(a.clients ?? 16);
  const baselineSeconds = Number(a['baseline-seconds'] ?? 20);
  const withBaseline = a['no-baseline'] !== 'true';
  const url = withDatabase(process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', DB_NAME);
  console.log(`catalog-search: ${products} products, ${clients} clients for ${seconds} s, search cache ${a['no-cache'] === 'true' ? 'off' : 'on'}${withBaseline ? `, pgbench baseline (${baselineSeconds} s) before and after` : ''}`);

  await dropDatabase(url);
  await migrateDatabase(url);
  process.env.DB_POOL_SIZE ??= String(clients + 8);
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-only-secret-bench-only-secret-123',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: '{hg-bench-catalog}',
    ...(a['no-cache'] === 'true' ? { CATALOG_SEARCH_CACHE_TTL_MS: '0' } : {}),
  });
  const { app } = await createApiApp(config);
  app.useLogger(['error', 'warn']);
  await app.init();
  const ds = app.get(DataSource);

  // a worker in a Qingdao union to browse as; the catalog through the bulk writer
  const seedStart = performance.now();
  const seeded = await app.get(TransactionRunner).run(async (em) => {
    const orgs = app.get(OrganizationsService);
    const platform = await orgs.platform(em);
    const union = await orgs.create(em, { type: OrganizationType.Union, name: '青岛港集团工会', parentId: platform.id, regionCode: '370202' });
    await app.get(UsersService).create(null, { organizationId: union.id, username: 'bench-worker', displayName: '压测工人', password: PASSWORD, roles: [Role.Worker] }, em);
    return app.get(CatalogDemoSeeder).seed(em, { products });
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(`seeded ${seeded.products} products (${seeded.skus} SKUs, ${seeded.suppliers} suppliers) in ${round(seedSeconds, 1)} s`);
  await ds.query('VACUUM ANALYZE'); // what autovacuum does after a bulk load: statistics, visibility map, GIN pending list

  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-worker', password: PASSWORD }),
  });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  const categoryIds: string[] = (await ds.query(`SELECT id FROM categories WHERE NOT forbidden ORDER BY code`)).map((r: { id: string }) => r.id);

  const before = withBaseline ? pgbenchBaseline(baselineSeconds, clients) : null;
  const cache = app.get(SearchResultsCache);
  const run = async (p: ClientPlan) => {
    const cpu0 = apiThreadCpuMs();
    const machine = await startMachineCpu(url);
    const c0 = { ...cache.stats };
    const r = await (a['same-thread'] === 'true' ? runClients(p) : clientsInWorker(p));
    const cpu1 = apiThreadCpuMs();
    const m = await machine?.();
    const cacheHits = cache.stats.hits - c0.hits;
    const cacheMisses = cache.stats.misses - c0.misses;
    // over warm-up and measurement alike: requests in both are counted as the load ran the whole time
    return {
      ...r,
      cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      machine: m && cpu0 !== null && cpu1 !== null ? { api: cpu1 - cpu0, rest: m.process - (cpu1 - cpu0), postgres: m.postgres, postgresAll: m.postgresAll } : null,
      cacheHits,
      cacheMisses,
      wallSeconds: r.seconds + p.warmupSeconds,
    };
  };
  const plan: ClientPlan = { mode: 'mix', port, token, clients, seconds, warmupSeconds: 3, categoryIds };
  const mixRun = await run(plan);
  const { samples, seconds: measured } = mixRun;
  // the floor under any route on this machine right now: the same clients on GET /api/v1/me
  const floor = a['no-floor'] === 'true' ? null : await run({ ...plan, mode: 'me', seconds: Math.min(seconds, 5), warmupSeconds: 1 });
  const after = withBaseline ? pgbenchBaseline(baselineSeconds, clients) : null;

  const all = stats(samples, measured);
  const search = stats(samples.filter((s) => s.kind === 'search'), measured);
  const category = stats(samples.filter((s) => s.kind === 'category'), measured);
  const rows: [string, ReturnType<typeof stats>][] = [
    ['all', all],
    ['keyword search', search],
    ['category page', category],
  ];
  console.log('');
  console.log('| requests | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const me = floor ? stats(floor.samples, floor.seconds) : null;
  // the API thread's CPU per request: measured over warm-up + run, requests estimated at the run's rate
  const cpuPerRequest = (r: { cpuMs: number | null; wallSeconds: number; samples: Sample[]; seconds: number }) =>
    r.cpuMs === null ? null : round(r.cpuMs / ((r.samples.length / r.seconds) * r.wallSeconds), 3);
  const mixCpu = a['same-thread'] === 'true' ? null : cpuPerRequest({ samples, seconds: measured, cpuMs: mixRun.cpuMs, wallSeconds: mixRun.wallSeconds });
  const meCpu = floor && a['same-thread'] !== 'true' ? cpuPerRequest(floor) : null;
  if (me) rows.push(['(floor) GET /api/v1/me', me]);
  for (const [name, s] of rows) console.log(`| ${name} | ${s.requests} | ${s.rps} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} | ${s.errors} |`);
  if (before && after) {
    console.log('');
    console.log(`pgbench TPC-B baseline, ${clients} clients: ${before.tps} tps before, ${after.tps} tps after`);
    console.log(`req/s ÷ baseline tps: ${round(all.rps / before.tps, 3)} (before), ${round(all.rps / after.tps, 3)} (after)`);
  }
  if (mixCpu !== null) console.log(`API thread CPU per request: mix ${mixCpu} ms${meCpu !== null ? `, GET /me ${meCpu} ms` : ''}`);
  // the whole machine's CPU per request, by process, over warm-up and run (requests estimated at the run's rate)
  const perRequest = (r: { machine: { api: number; rest: number; postgres: number; postgresAll: number } | null; samples: Sample[]; seconds: number; wallSeconds: number }) => {
    if (!r.machine) return null;
    const n = (r.samples.length / r.seconds) * r.wallSeconds;
    return {
      api: round(r.machine.api / n, 3),
      clientsAndRest: round(r.machine.rest / n, 3),
      postgres: round(r.machine.postgres / n, 3),
      postgresAll: round(r.machine.postgresAll / n, 3),
    };
  };
  const mixMachine = a['same-thread'] === 'true' ? null : perRequest({ ...mixRun, samples, seconds: measured });
  const meMachine = floor && a['same-thread'] !== 'true' ? perRequest(floor) : null;
  const show = (m: { api: number; clientsAndRest: number; postgres: number; postgresAll: number }) =>
    `API thread ${m.api} + clients and other threads ${m.clientsAndRest} + PostgreSQL (bench database's backends) ${m.postgres} = ${round(m.api + m.clientsAndRest + m.postgres, 3)} ms` +
    ` (every postgres process on the machine: ${m.postgresAll} ms)`;
  if (mixMachine) console.log(`machine CPU per request, mix: ${show(mixMachine)}`);
  if (meMachine) console.log(`machine CPU per request, GET /me: ${show(meMachine)}`);
  const lookups = mixRun.cacheHits + mixRun.cacheMisses;
  const hitRate = lookups ? round(mixRun.cacheHits / lookups, 3) : null;
  console.log(`search cache over warm-up and run: ${mixRun.cacheHits} hits, ${mixRun.cacheMisses} pages computed${hitRate !== null ? ` (hit rate ${hitRate})` : ''}`);
  console.log(`aim: p95 < 20 ms — ${all.p95 < 20 ? 'met' : 'not met'} (p95 ${all.p95} ms)`);
  console.log(`rerun: ${RERUN}${a.products ? ` --products ${products}` : ''}${a.seconds ? ` --seconds ${seconds}` : ''}${a['no-cache'] === 'true' ? ' --no-cache' : ''}`);

  await app.close();
  if (a.keep !== 'true') await dropDatabase(url);
  else console.log(`kept database ${DB_NAME}`);
  console.log(
    JSON.stringify({
      bench: 'catalog-search',
      products: seeded.products,
      skus: seeded.skus,
      clients,
      seconds: round(measured, 1),
      seedSeconds: round(seedSeconds, 1),
      requests: all.requests,
      rps: all.rps,
      p50Ms: all.p50,
      p95Ms: all.p95,
      p99Ms: all.p99,
      maxMs: all.max,
      errors: all.errors,
      search: { rps: search.rps, p50Ms: search.p50, p95Ms: search.p95, p99Ms: search.p99 },
      category: { rps: category.rps, p50Ms: category.p50, p95Ms: category.p95, p99Ms: category.p99 },
      baselineTpsBefore: before?.tps ?? null,
      baselineTpsAfter: after?.tps ?? null,
      rpsPerBaselineTpsBefore: before ? round(all.rps / before.tps, 3) : null,
      rpsPerBaselineTpsAfter: after ? round(all.rps / after.tps, 3) : null,
      clientThread: a['same-thread'] === 'true' ? 'same' : 'worker',
      searchCache: config.catalogSearchCacheTtlMs > 0 ? config.catalogSearchCacheTtlMs : 'off',
      floorMe: me ? { rps: me.rps, p50Ms: me.p50, p95Ms: me.p95, p99Ms: me.p99, apiCpuMsPerRequest: meCpu } : null,
      apiCpuMsPerRequest: mixCpu,
      machineCpuMsPerRequest: mixMachine,
      floorMachineCpuMsPerRequest: meMachine,
      searchCacheHits: mixRun.cacheHits,
      searchCacheMisses: mixRun.cacheMisses,
      searchCacheHitRate: hitRate,
    }),
  );
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  runClients(workerData as ClientPlan).then(
    (r) => parentPort!.postMessage(r),
    (err) => {
      throw err;
    },
  );
}
