// npm run bench -- catalog-import [--rows 50000] [--baseline-seconds 10] [--no-baseline] [--keep]
//
// The supplier bulk import over HTTP: a CSV of ~50,000 SKU rows from the demo generator is posted
// (text/csv) by one supplier's staff user, three times: a dry run, the real import (all rows new),
// and the same file again (all rows unchanged, the idempotent case). Prints rows per second for
// each, PostgreSQL's pgbench TPC-B baseline on the same server before and after with ratios, the
// rerun command, and one JSON line.
import 'reflect-metadata';
import { CatalogDemoSeeder, DEMO_SUPPLIER, generateProducts, productsToCsv } from '@huigong/catalog';
import { dropDatabase, loadConfig, migrateDatabase, Role, TransactionRunner, withDatabase } from '@huigong/common';
import { OrganizationsService, OrganizationType, UsersService } from '@huigong/identity';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createApiApp } from '../apps/api/src/create-api-app';

const RERUN = 'npm run bench -- catalog-import';
const DB_NAME = 'huigong_bench_catalog_import';
const PASSWORD = 'bench-password-123';

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function pgbenchTps(seconds: number, clients: number): number {
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  const r = spawnSync(process.env.PGBENCH_BASELINE ?? resolve(dir, '../shared/tools/pgbench-baseline'), ['-T', String(seconds), String(clients)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench-baseline failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('{'))!) as { tps: number }).tps;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const wantRows = Number(a.rows ?? 50_000);
  const baselineSeconds = Number(a['baseline-seconds'] ?? 10);
  const withBaseline = a['no-baseline'] !== 'true';
  const url = withDatabase(process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', DB_NAME);

  // ~1.6 SKUs per generated product: generate until the CSV has the rows asked for
  const products = [];
  let rows = 0;
  for (const p of generateProducts([DEMO_SUPPLIER], { count: Math.ceil(wantRows / 1.5) })) {
    if (rows + p.skus.length > wantRows) break;
    products.push(p);
    rows += p.skus.length;
  }
  const csv = productsToCsv(products);
  console.log(`catalog-import: ${rows} rows (${products.length} products, ${round(Buffer.byteLength(csv) / 1e6, 1)} MB of CSV)${withBaseline ? `, pgbench baseline (${baselineSeconds} s) before and after` : ''}`);

  await dropDatabase(url);
  await migrateDatabase(url);
  const config = loadConfig({ ...process.env, DATABASE_URL: url, NODE_ENV: 'production', JWT_SECRET: 'bench-only-secret-bench-only-secret-123', LOG_LEVEL: 'warn', QUEUE_PREFIX: '{hg-bench-import}' });
  const { app } = await createApiApp(config);
  app.useLogger(['error', 'warn']);
  await app.init();
  // the categories and suppliers of the demo catalog (no products); the demo supplier imports
  await app.get(TransactionRunner).run(async (em) => {
    const org = await app.get(OrganizationsService).create(em, { type: OrganizationType.Supplier, name: DEMO_SUPPLIER.companyName, regionCode: DEMO_SUPPLIER.regionCode });
    await app.get(UsersService).create(null, { organizationId: org.id, username: 'bench-supplier', displayName: '压测供应商', password: PASSWORD, roles: [Role.SupplierStaff] }, em);
    await app.get(CatalogDemoSeeder).seed(em, { products: 0, demoSupplierOrganizationId: org.id });
  });
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/api/v1`;
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-supplier', password: PASSWORD }) });
  const token = ((await login.json()) as { accessToken: string }).accessToken;

  const before = withBaseline ? pgbenchTps(baselineSeconds, 16) : null;
  const runs: { name: string; seconds: number; report: Record<string, unknown> }[] = [];
  for (const [name, query] of [
    ['dry run', '?dryRun=true'],
    ['first import', ''],
    ['same file again', ''],
  ] as const) {
    const t0 = performance.now();
    const res = await fetch(`${base}/catalog/imports${query}`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` }, body: csv });
    const report = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(report)}`);
    runs.push({ name, seconds: (performance.now() - t0) / 1000, report });
  }
  const after = withBaseline ? pgbenchTps(baselineSeconds, 16) : null;

  console.log('');
  console.log('| run | seconds | rows/s | created | updated | unchanged | failed |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    console.log(`| ${r.name} | ${round(r.seconds)} | ${Math.round(rows / r.seconds)} | ${r.report.created} | ${r.report.updated} | ${r.report.unchanged} | ${r.report.failed} |`);
  }
  if (before && after) console.log(`\npgbench TPC-B baseline, 16 clients: ${before} tps before, ${after} tps after`);
  console.log(`aim: ${rows} rows well under 60 s — first import took ${round(runs[1].seconds, 1)} s`);
  console.log(`rerun: ${RERUN}${a.rows ? ` --rows ${wantRows}` : ''}`);
  await app.close();
  if (a.keep !== 'true') await dropDatabase(url);
  const rps = (i: number) => Math.round(rows / runs[i].seconds);
  console.log(
    JSON.stringify({
      bench: 'catalog-import',
      rows,
      products: products.length,
      csvBytes: Buffer.byteLength(csv),
      dryRunSeconds: round(runs[0].seconds),
      importSeconds: round(runs[1].seconds),
      reimportSeconds: round(runs[2].seconds),
      importRowsPerSecond: rps(1),
      reimportRowsPerSecond: rps(2),
      created: runs[1].report.created,
      unchangedOnReimport: runs[2].report.unchanged,
      baselineTpsBefore: before,
      baselineTpsAfter: after,
      importRowsPerSecondPerBaselineTps: before ? round(rps(1) / before, 3) : null,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
