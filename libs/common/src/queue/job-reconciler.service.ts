import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PollingLoop } from '../background/polling-loop';
import { withTimeout } from '../background/with-timeout';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** One reconciliation: puts back into Redis what PostgreSQL (or the code) says must be there. */
export type ReconcileTask = () => Promise<unknown>;

/** A task that has not finished within this long is abandoned for this tick (BullMQ waits for Redis forever). */
export const RECONCILE_TASK_TIMEOUT_MS = 30_000;

/**
 * The worker's reconciliation timer (worker process only, like JobWorkers). Redis here keeps nothing
 * on disk: restarted, it is empty, and every delayed job and job scheduler in it is gone. Nothing
 * that must eventually happen may therefore live only in Redis. Each context registers a task that
 * re-creates its part from what does not depend on Redis — PostgreSQL rows (campaigns whose window
 * or distribution is due) or the code itself (job schedulers) — and this service runs them every
 * JOB_RECONCILE_INTERVAL_MS (off: never), one after another, each failure logged and left for the
 * next tick. It is an in-process timer, not a BullMQ job scheduler, precisely so that it survives
 * the loss of Redis. Tasks must be idempotent and safe to run in several workers at once.
 */
@Injectable()
export class JobReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobReconciler.name);
  private readonly tasks = new Map<string, ReconcileTask>();
  private readonly loop = new PollingLoop({
    name: 'job reconciler',
    round: async () => {
      await this.reconcileOnce();
      return false;
    },
    idleMs: () => this.config.jobReconcileIntervalMs,
    backoffMs: () => this.config.jobReconcileIntervalMs,
  });

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  register(name: string, task: ReconcileTask): void {
    if (this.tasks.has(name)) throw new Error(`reconcile task ${name} already registered`);
    this.tasks.set(name, task);
  }

  get taskNames(): string[] {
    return [...this.tasks.keys()];
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Starts the ticks (the first at once), unless JOB_RECONCILE_INTERVAL_MS is off. */
  start(): void {
    if (this.config.jobReconcileIntervalMs > 0) this.loop.start();
  }

  /** Stops the ticks, waiting for the one in progress. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** One tick: every task once. Returns the names of the tasks that failed (each logged). */
  async reconcileOnce(): Promise<string[]> {
    const failed: string[] = [];
    for (const [name, task] of this.tasks) {
      try {
        await withTimeout(task(), RECONCILE_TASK_TIMEOUT_MS, `did not finish within ${RECONCILE_TASK_TIMEOUT_MS} ms`);
      } catch (err) {
        failed.push(name);
        this.logger.warn(`reconcile task ${name} failed: ${(err as Error).message}`);
      }
    }
    return failed;
  }
}
