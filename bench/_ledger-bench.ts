// Shared by the ledger benchmarks (the leading underscore keeps it out of `npm run bench`'s list).
import { AppConfig, CoreModule, dropDatabase, loadConfig, migrateDatabase, withDatabase } from '@huigong/common';
import { LedgerModule } from '@huigong/ledger';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root: the nearest directory above this file with a package.json (works from dist/ and from sources). */
export const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  return dir;
})();

@Module({})
class LedgerBenchModule {
  static register(config: AppConfig): DynamicModule {
    return { module: LedgerBenchModule, imports: [CoreModule.forRoot(config, 'cli'), LedgerModule] };
  }
}

/** A fresh database of its own on the same server the baseline uses, migrated. */
export async function benchContext(name: string, poolSize: number, reuse = false): Promise<{ config: AppConfig; ctx: INestApplicationContext }> {
  const base = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = withDatabase(base, name);
  if (!reuse) await dropDatabase(url);
  await migrateDatabase(url);
  process.env.DB_POOL_SIZE = String(poolSize);
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', NODE_ENV: 'production', JWT_SECRET: 'bench-only-secret-bench-only-secret-123' });
  const ctx = await NestFactory.createApplicationContext(LedgerBenchModule.register(config), { logger: ['error', 'warn'] });
  return { config, ctx };
}

export interface Baseline {
  clients: number;
  seconds: number;
  tps: number;
  latencyMs: number;
}

/** PostgreSQL's own TPC-B run on the same server, right now: ../shared/tools/pgbench-baseline. */
export function pgbenchBaseline(seconds: number, clients: number[]): Baseline[] {
  const tool = process.env.PGBENCH_BASELINE ?? resolve(REPO_ROOT, '../shared/tools/pgbench-baseline');
  if (!existsSync(tool)) throw new Error(`pgbench baseline not found at ${tool}`);
  const r = spawnSync(tool, ['-T', String(seconds), ...clients.map(String)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench-baseline failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Baseline);
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}
