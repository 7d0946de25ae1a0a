// The real worker process (outbox relay, BullMQ handlers, sealing), for tests that kill it. Usage:
//   node -r ts-node/register/transpile-only -r tsconfig-paths/register test/support/worker-child.ts
// Config from the environment. FAULT_DISTRIBUTION_CHUNK / FAULT_DISTRIBUTION_PAUSE_MS (test only)
// make distributions run in small chunks with a pause after each, so a test can kill the process
// half-way through one, at a point it chose from the progress it observed.
import 'reflect-metadata';
import { loadConfig } from '@huigong/common';
import { DistributionOptions, DistributionRunner } from '@huigong/points';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from '../../apps/worker/src/worker.module';

function slowDistributions(): void {
  const chunkSize = Number(process.env.FAULT_DISTRIBUTION_CHUNK || 0);
  const pauseMs = Number(process.env.FAULT_DISTRIBUTION_PAUSE_MS || 0);
  if (!chunkSize && !pauseMs) return;
  const run = DistributionRunner.prototype.run;
  DistributionRunner.prototype.run = function (this: DistributionRunner, campaignId: string, opts: DistributionOptions = {}) {
    return run.call(this, campaignId, {
      ...(chunkSize ? { chunkSize } : {}),
      afterChunk: async (n: number, credited: number) => {
        process.stdout.write(`chunk ${n} credited ${credited}\n`);
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      },
      ...opts,
    });
  };
}

async function main(): Promise<void> {
  slowDistributions();
  const ctx = await NestFactory.createApplicationContext(WorkerModule.register(loadConfig()), { logger: false });
  await ctx.init();
  process.stdout.write('ready\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
