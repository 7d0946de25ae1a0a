import { AppConfig, dropDatabase, loadConfig, migrateDatabase, withDatabase } from '@huigong/common';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { OpenAPIObject } from '@nestjs/swagger';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { CliModule } from '../../apps/cli/src/cli.module';
import { DEMO_PASSWORD, DemoSeeder } from '../../apps/cli/src/demo/demo-seeder';
import { WorkerModule } from '../../apps/worker/src/worker.module';

export { DEMO_PASSWORD };

const BASE_DB = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database and a fresh BullMQ prefix per test file: tests never see each other's rows or
 * jobs, and the shared PostgreSQL and Redis are left as they were.
 */
export function testConfig(overrides: Partial<AppConfig> = {}, env: NodeJS.ProcessEnv = {}): AppConfig {
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    ...loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: withDatabase(BASE_DB, `hg_test_${tag}`),
      REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `{hgt-${tag}}`,
      LOGIN_RATE_LIMIT: '1000',
      // no scheduled ledger verification unless a test asks for one (it would record runs mid-test)
      LEDGER_VERIFY_CRON: 'off',
      // no auto-confirm sweep either: tests that watch an order's own job would race it
      AUTO_CONFIRM_SWEEP_INTERVAL_MS: 'off',
      // nor the job reconciler: tests that watch a job (or its absence) would race it
      JOB_RECONCILE_INTERVAL_MS: 'off',
      CHECKOUT_RATE_LIMIT_USER: '100000',
      CHECKOUT_RATE_LIMIT_IP: '100000',
      ...env,
    }),
    ...overrides,
  };
}

export interface TestApp {
  config: AppConfig;
  app: NestExpressApplication;
  openApi: OpenAPIObject;
  http: ReturnType<typeof request>;
  dataSource: DataSource;
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

export async function seedDemo(config: AppConfig): Promise<void> {
  const ctx = await NestFactory.createApplicationContext(CliModule.register(config), { logger: false });
  try {
    await ctx.get(DemoSeeder).seedIfEmpty();
  } finally {
    await ctx.close();
  }
}

export async function startTestApp(opts: { config?: AppConfig; seed?: boolean; migrate?: boolean } = {}): Promise<TestApp> {
  const config = opts.config ?? testConfig();
  if (opts.migrate !== false) await migrateDatabase(config.databaseUrl);
  if (opts.seed !== false) await seedDemo(config);
  const { app, openApi } = await createApiApp(config);
  app.useLogger(false);
  await app.init();
  const server = app.getHttpServer();
  const http = request(server);
  return {
    config,
    app,
    openApi,
    http,
    dataSource: app.get(DataSource),
    async login(username: string, password = DEMO_PASSWORD) {
      const res = await request(server).post('/api/v1/auth/login').send({ username, password });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken as string;
    },
    async close() {
      await app.close();
      await cleanup(config);
    },
  };
}

export async function startTestWorker(config: AppConfig): Promise<INestApplicationContext> {
  const ctx = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger: false });
  await ctx.init();
  return ctx;
}

export async function cleanup(config: AppConfig): Promise<void> {
  await dropDatabase(config.databaseUrl).catch(() => undefined);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const keys = await redis.keys(`${config.queuePrefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } catch {
    /* Redis may be the thing a test stopped */
  } finally {
    redis.disconnect();
  }
}

/** Polls until `check` returns a truthy value: synchronisation on an observable condition, not a sleep. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20000, what = 'condition'): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
