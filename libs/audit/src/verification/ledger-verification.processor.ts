import { APP_CONFIG, AppConfig, JobReconciler, JobWorkers, QueueRegistry, QUEUES } from '@huigong/common';
import { LedgerVerifier } from '@huigong/ledger';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';

export const VERIFY_LEDGER_JOB = 'verify-ledger';
export const LEDGER_VERIFY_SCHEDULER = 'nightly-ledger-verification';
const RETRY_SCHEDULE_MS = 30_000;

/**
 * Worker process: runs LedgerVerifier on the LEDGER_VERIFY_CRON schedule (BullMQ job scheduler, so
 * several workers produce one run per tick) and records each result in ledger_verifications; the
 * 'ledger' readiness check turns /health/ready degraded while the latest run failed. The schedule
 * is (re)declared at start-up, so changing LEDGER_VERIFY_CRON — or setting it to off — takes effect
 * on the next deploy, and again by JobReconciler's ticks whenever Redis lost it (restarted empty).
 * Running twice is harmless: a verification only reads and records.
 */
@Injectable()
export class LedgerVerificationProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerVerificationProcessor.name);
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly verifier: LedgerVerifier,
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    workers: JobWorkers,
    reconciler: JobReconciler,
  ) {
    workers.register(QUEUES.audit, (job) => this.process(job));
    reconciler.register('ledger verification schedule', () => this.ensureSchedule());
  }

  async process(job: Job): Promise<unknown> {
    if (job.name !== VERIFY_LEDGER_JOB) {
      this.logger.warn(`unknown audit job ${job.name}`);
      return { ignored: true };
    }
    const r = await this.verifier.verify();
    return { ok: r.ok, entries: r.entries, blocks: r.blocks, firstProblem: r.firstProblem ?? null };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
  }

  onApplicationShutdown(): void {
    if (this.retry) clearTimeout(this.retry);
  }

  /**
   * For JobReconciler's ticks: declares the schedule again if Redis lost it (restarted empty). Only
   * when missing: upserting a present cron scheduler would move a run already waiting to the next tick.
   */
  async ensureSchedule(): Promise<'declared' | 'present' | 'off'> {
    const cron = this.config.ledgerVerifyCron;
    if (!cron) return 'off';
    if (await this.queues.get(QUEUES.audit).getJobScheduler(LEDGER_VERIFY_SCHEDULER)) return 'present';
    await this.declareSchedule(cron);
    this.logger.warn('the ledger verification schedule was missing from Redis; declared again');
    return 'declared';
  }

  private declareSchedule(cron: string) {
    return this.queues
      .get(QUEUES.audit)
      .upsertJobScheduler(
        LEDGER_VERIFY_SCHEDULER,
        { pattern: cron, tz: this.config.ledgerVerifyTimezone },
        { name: VERIFY_LEDGER_JOB, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
      );
  }

  private async schedule(): Promise<void> {
    const queue = this.queues.get(QUEUES.audit);
    try {
      if (!this.config.ledgerVerifyCron) {
        await queue.removeJobScheduler(LEDGER_VERIFY_SCHEDULER);
        return;
      }
      await this.declareSchedule(this.config.ledgerVerifyCron);
    } catch (err) {
      // Redis away at start-up: keep trying, the worker itself does not depend on it to start
      this.logger.warn(`could not schedule the ledger verification (${(err as Error).message}); retrying`);
      this.retry = setTimeout(() => void this.schedule(), RETRY_SCHEDULE_MS);
      this.retry.unref();
    }
  }
}
