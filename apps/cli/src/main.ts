import 'reflect-metadata';
import { AppError, ConfigError, loadConfig, migrateDatabase, Role, TransactionRunner } from '@huigong/common';
import { OrganizationsService, UsersService } from '@huigong/identity';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { CliModule } from './cli.module';
import { DEMO_PASSWORD, DEMO_USERS, DemoSeeder } from './demo/demo-seeder';
import { ledgerSeal, ledgerVerify } from './ledger/ledger-commands';
import { settlementRun } from './settlement/settlement-commands';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  migrate                      create the database if needed and apply pending migrations
  seed-demo                    load the demo data when the database is empty (never in production)
  prepare                      migrate, then seed-demo (what npm start runs first)
  create-admin --username U [--password P] [--display-name N]
                               create a platform admin (password from --password or HUIGONG_ADMIN_PASSWORD)
  ledger:verify                recompute the ledger's hashes, chain and totals; exit 1 naming the first problem
  ledger:seal                  seal pending ledger entries now (the worker does this continuously)
  settlement:run [--supplier ID]
                               issue settlement statements now (the worker also runs on SETTLEMENT_SCHEDULE)
`;

async function withContext<T>(fn: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const ctx = await NestFactory.createApplicationContext(CliModule.register(config), { logger: ['error', 'warn'] });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

async function seedDemo(): Promise<void> {
  const config = loadConfig();
  if (config.production) {
    console.log('NODE_ENV=production: demo data is never loaded');
    return;
  }
  const loaded = await withContext((ctx) => ctx.get(DemoSeeder).seedIfEmpty());
  console.log(loaded ? 'Demo data loaded.' : 'Database already has data: demo data not loaded.');
  console.log(`Demo users (password "${DEMO_PASSWORD}"): ${DEMO_USERS.map((u) => `${u.username} (${u.role})`).join(', ')}`);
}

async function createAdmin(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { username: { type: 'string' }, password: { type: 'string' }, 'display-name': { type: 'string' } } });
  const password = values.password ?? process.env.HUIGONG_ADMIN_PASSWORD;
  if (!values.username || !password) throw new UsageError('create-admin needs --username and --password (or HUIGONG_ADMIN_PASSWORD)');
  if (password.length < 10) throw new UsageError('the password must have at least 10 characters');
  await withContext(async (ctx) => {
    const user = await ctx.get(TransactionRunner).run(async (em) => {
      const platform = await ctx.get(OrganizationsService).platform(em);
      return ctx.get(UsersService).create(null, { organizationId: platform.id, username: values.username!, displayName: values['display-name'] ?? values.username!, password, roles: [Role.PlatformAdmin] }, em);
    });
    console.log(`Created platform admin ${user.username} (${user.id})`);
  });
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate': {
      const done = await migrateDatabase(loadConfig().databaseUrl);
      console.log(done.length ? `Applied migrations: ${done.join(', ')}` : 'Schema is up to date.');
      return 0;
    }
    case 'seed-demo':
      await seedDemo();
      return 0;
    case 'prepare':
      await main(['migrate']);
      await seedDemo();
      return 0;
    case 'create-admin':
      await createAdmin(rest);
      return 0;
    case 'ledger:verify':
      return withContext((ctx) => ledgerVerify(ctx));
    case 'ledger:seal':
      return withContext((ctx) => ledgerSeal(ctx));
    case 'settlement:run': {
      const { values } = parseArgs({ args: rest, options: { supplier: { type: 'string' } } });
      if (values.supplier !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.supplier)) throw new UsageError('--supplier must be a supplier id (uuid)');
      return withContext((ctx) => settlementRun(ctx, values.supplier));
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof AppError) console.error(`${err.code}: ${err.message}`);
    else console.error(err);
    process.exit(1);
  });
