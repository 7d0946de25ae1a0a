// The real API in a process of its own, for tests that kill it (kill -9). Usage (repository root):
//   node -r ts-node/register/transpile-only -r tsconfig-paths/register test/support/api-child.ts
// Config from the environment as in production (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, PORT, ...).
import 'reflect-metadata';
import { loadConfig } from '@huigong/common';
import { createApiApp } from '../../apps/api/src/create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const { app } = await createApiApp(config);
  await app.listen(config.port, '127.0.0.1');
  process.stdout.write(`listening ${config.port}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
