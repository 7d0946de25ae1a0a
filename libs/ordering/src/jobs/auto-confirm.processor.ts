import { APP_CONFIG, AppConfig, delayUntilDue, JobReconciler, JobWorkers, QueueRegistry, QUEUES } from '@huigong/common';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';
import { AutoConfirmSweepService } from '../services/auto-confirm-sweep.service';
import { AUTO_CONFIRM_JOB, OrderTransitionService } from '../services/order-transition.service';

export const AUTO_CONFIRM_SWEEP_JOB = 'auto-confirm-sweep';
export const AUTO_CONFIRM_SWEEP_SCHEDULER = 'auto-confirm-sweep';
const RETRY_SCHEDULE_MS = 30_000;

/**
 * Order timers (worker process), queue `order-timers`:
 * - `auto-confirm` completes a delivered order nobody confirmed within AUTO_CONFIRM_DAYS days.
 *   Enqueued through the outbox when the order is delivered. An order no longer delivered is left
 *   alone; one not yet due by the database clock (the delay ran on a process clock, or
 *   AUTO_CONFIRM_DAYS was raised since delivery) puts its job back in the delayed set until it is,
 *   without using up an attempt — failing it would exhaust the retries within minutes.
 * - `auto-confirm-sweep`, on a BullMQ job scheduler every AUTO_CONFIRM_SWEEP_INTERVAL_MS: completes
 *   the due delivered orders whose job was lost (AutoConfirmSweepService). The scheduler lives in
 *   Redis, which may restart empty: JobReconciler's ticks declare it again when it is missing.
 */
@Injectable()
export class AutoConfirmProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AutoConfirmProcessor.name);
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly transitions: OrderTransitionService,
    private readonly sweeps: AutoConfirmSweepService,
    private readonly queues: QueueRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    workers: JobWorkers,
    reconciler: JobReconciler,
  ) {
    workers.register(QUEUES.orderTimers, (job, token) => this.process(job, token), 4);
    reconciler.register('auto-confirm sweep schedule', () => this.ensureSchedule());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
  }

  onApplicationShutdown(): void {
    if (this.retry) clearTimeout(this.retry);
  }

  async process(job: Job<{ orderId?: string }>, token?: string): Promise<unknown> {
    switch (job.name) {
      case AUTO_CONFIRM_JOB: {
        const orderId = job.data.orderId;
        if (!orderId) return { ignored: 'no orderId' };
        const r = await this.transitions.autoConfirm(orderId, 'job');
        if (r.outcome === 'not_due') return delayUntilDue(job, token, r.remainingMs, `order ${orderId} is due for auto-confirm at ${r.dueAt.toISOString()}`);
        return { orderId, completed: r.outcome === 'completed' };
      }
      case AUTO_CONFIRM_SWEEP_JOB: {
        const r = await this.sweeps.sweep();
        return { examined: r.examined, completed: r.completed, alreadyDone: r.alreadyDone, notDue: r.notDue, failed: r.failed, more: r.more, completedOrderIds: r.completedOrderIds.slice(0, 100) };
      }
      default:
        this.logger.warn(`unknown order timer job ${job.name}`);
        return { ignored: true };
    }
  }

  /**
   * For JobReconciler's ticks: declares the sweep's schedule again if Redis lost it (restarted empty).
   * Only when missing: upserting a present scheduler every tick would reset a run already waiting.
   */
  async ensureSchedule(): Promise<'declared' | 'present' | 'off'> {
    if (!this.config.autoConfirmSweepIntervalMs) return 'off';
    const queue = this.queues.get(QUEUES.orderTimers);
    if (await queue.getJobScheduler(AUTO_CONFIRM_SWEEP_SCHEDULER)) return 'present';
    await this.declareSchedule();
    this.logger.warn('the auto-confirm sweep schedule was missing from Redis; declared again');
    return 'declared';
  }

  private declareSchedule() {
    return this.queues.get(QUEUES.orderTimers).upsertJobScheduler(
      AUTO_CONFIRM_SWEEP_SCHEDULER,
      { every: this.config.autoConfirmSweepIntervalMs },
      // the next tick is the retry; keep only recent runs (one every few minutes would pile up)
      { name: AUTO_CONFIRM_SWEEP_JOB, data: {}, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    );
  }

  /** Declares the sweep's schedule at start-up (one scheduler shared by every worker), or removes it when off. */
  private async schedule(): Promise<void> {
    const queue = this.queues.get(QUEUES.orderTimers);
    try {
      if (!this.config.autoConfirmSweepIntervalMs) {
        await queue.removeJobScheduler(AUTO_CONFIRM_SWEEP_SCHEDULER);
        return;
      }
      await this.declareSchedule();
    } catch (err) {
      // Redis away at start-up: keep trying; the worker does not depend on it to start
      this.logger.warn(`could not schedule the auto-confirm sweep (${(err as Error).message}); retrying`);
      this.retry = setTimeout(() => void this.schedule(), RETRY_SCHEDULE_MS);
      this.retry.unref();
    }
  }
}
