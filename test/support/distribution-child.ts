// A worker process that distributes one campaign slowly (a pause after every chunk), so that the
// kill-9 test can kill it half-way. Usage (from the repository root):
//   node -r ts-node/register/transpile-only -r tsconfig-paths/register test/support/distribution-child.ts <campaignId> <chunkSize> <pauseMs>
// The database comes from DATABASE_URL (as in every process).
import 'reflect-metadata';
import { loadConfig } from '@huigong/common';
import { DistributionRunner } from '@huigong/points';
import { NestFactory } from '@nestjs/core';
import { CliModule } from '../../apps/cli/src/cli.module';

async function main(): Promise<void> {
  const [campaignId, chunkSize, pauseMs] = process.argv.slice(2);
  const ctx = await NestFactory.createApplicationContext(CliModule.register(loadConfig()), { logger: false });
  const runner = ctx.get(DistributionRunner);
  process.stdout.write('ready\n');
  await runner.run(campaignId, {
    chunkSize: Number(chunkSize),
    afterChunk: async (n) => {
      process.stdout.write(`chunk ${n}\n`);
      await new Promise((r) => setTimeout(r, Number(pauseMs)));
    },
  });
  process.stdout.write('done\n');
  await ctx.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
