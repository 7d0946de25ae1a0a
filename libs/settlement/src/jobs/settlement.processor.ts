import { APP_CONFIG, AppConfig, JobReconciler, JobWorkers, QueueRegistry, QUEUES } from '@huigong/common';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { RunSettlementService } from '../services/run-settlement.service';

export const SETTLEMENT_SCHEDULER_ID = 'settlement-run';
export const SETTLEMENT_RUN_JOB = 'run';

/**
 * The scheduled settlement run (worker process). On start it upserts a BullMQ job scheduler with
 * SETTLEMENT_SCHEDULE (cron, in SETTLEMENT_TIMEZONE) — or removes it when the schedule is off — so
 * every worker agrees on one schedule and a restart never adds a second one. A run is idempotent
 * by nature: a redelivered job finds the orders already settled and issues nothing. The scheduler
 * lives in Redis, which may restart empty: JobReconciler's ticks declare it again when it is missing.
 */
@Injectable()
export class SettlementProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(SettlementProcessor.name);

  constructor(
    private readonly runs: RunSettlementService,
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    workers: JobWorkers,
    reconciler: JobReconciler,
  ) {
    workers.register(QUEUES.settlement, (job) => this.process(job));
    reconciler.register('settlement schedule', () => this.ensureSchedule());
  }

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.queues.get(QUEUES.settlement);
    try {
      if (this.config.settlementSchedule) {
        await this.declareSchedule(this.config.settlementSchedule);
      } else {
        await queue.removeJobScheduler(SETTLEMENT_SCHEDULER_ID);
      }
    } catch (err) {
      // Redis down at start: the scheduler from the previous start (if any) stays in Redis
      this.logger.error(`could not set the settlement schedule: ${(err as Error).message}`);
    }
  }

  /**
   * For JobReconciler's ticks: declares the schedule again if Redis lost it (restarted empty). Only
   * when missing: upserting a present cron scheduler would move a run already waiting to the next tick.
   */
  async ensureSchedule(): Promise<'declared' | 'present' | 'off'> {
    const schedule = this.config.settlementSchedule;
    if (!schedule) return 'off';
    if (await this.queues.get(QUEUES.settlement).getJobScheduler(SETTLEMENT_SCHEDULER_ID)) return 'present';
    await this.declareSchedule(schedule);
    this.logger.warn('the settlement schedule was missing from Redis; declared again');
    return 'declared';
  }

  private declareSchedule(pattern: string) {
    return this.queues.get(QUEUES.settlement).upsertJobScheduler(SETTLEMENT_SCHEDULER_ID, { pattern, tz: this.config.settlementTimezone }, { name: SETTLEMENT_RUN_JOB, data: {} });
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
