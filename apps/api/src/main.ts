import 'reflect-metadata';
import { ConfigError, loadConfig } from '@huigong/common';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const { app } = await createApiApp(config);
  await app.listen(config.port, process.env.HOST || '0.0.0.0');
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
