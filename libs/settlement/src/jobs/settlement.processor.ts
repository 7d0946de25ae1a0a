import { APP_CONFIG, AppConfig, JobWorkers, QueueRegistry, QUEUES } from '@huigong/common';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { RunSettlementService } from '../services/run-settlement.service';

export const SETTLEMENT_SCHEDULER_ID = 'settlement-run';
export const SETTLEMENT_RUN_JOB = 'run';

/**
 * The scheduled settlement run (worker process). On start it upserts a BullMQ job scheduler with
 * SETTLEMENT_SCHEDULE (cron, in SETTLEMENT_TIMEZONE) — or removes it when the schedule is off — so
 * every worker agrees on one schedule and a restart never adds a second one. A run is idempotent
 * by nature: a redelivered job finds the orders already settled and issues nothing.
 */
@Injectable()
export class SettlementProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(SettlementProcessor.name);

  constructor(
    private readonly runs: RunSettlementService,
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.settlement, (job) => this.process(job));
  }

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.queues.get(QUEUES.settlement);
    try {
      if (this.config.settlementSchedule) {
        await queue.upsertJobScheduler(SETTLEMENT_SCHEDULER_ID, { pattern: this.config.settlementSchedule, tz: this.config.settlementTimezone }, { name: SETTLEMENT_RUN_JOB, data: {} });
      } else {
        await queue.removeJobScheduler(SETTLEMENT_SCHEDULER_ID);
      }
    } catch (err) {
      // Redis down at start: the scheduler from the previous start (if any) stays in Redis
      this.logger.error(`could not set the settlement schedule: ${(err as Error).message}`);
    }
  }

  async process(job: Job): Promise<unknown> {
    if (job.name !== SETTLEMENT_RUN_JOB) {
      this.logger.warn(`unknown settlement job ${job.name}`);
      return { ignored: true };
    }
    const run = await this.runs.run({ trigger: 'schedule', user: null });
    return { runId: run.id, cutoff: run.cutoff, orders: run.orderCount, totalFen: run.totalFen, statements: run.statements.map((s) => s.number) };
  }
}
