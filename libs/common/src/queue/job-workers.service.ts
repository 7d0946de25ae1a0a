import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PROCESSOR_OPTIONS, QueueName } from './queue-names';
import { redisOptionsFromUrl } from './redis-connection';

/** `token` is the job's lock token, for handlers that move their job themselves (e.g. back to delayed). */
export type JobHandler = (job: Job, token?: string) => Promise<unknown>;

interface Registration {
  queue: QueueName;
  handler: JobHandler;
  concurrency: number;
}

/**
 * Runs BullMQ workers for the handlers contexts register (in the worker process only). We create
 * the BullMQ Workers ourselves, each with its own connections, rather than through a framework
 * explorer: it keeps their connection settings in one place we can reason about when Redis restarts.
 */
@Injectable()
export class JobWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobWorkers.name);
  private readonly registrations = new Map<QueueName, Registration>();
  private readonly workers: Worker[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** One handler per queue; it dispatches on `job.name` itself. Handlers must be idempotent. */
  register(queue: QueueName, handler: JobHandler, concurrency = 1): void {
    if (this.registrations.has(queue)) throw new Error(`queue ${queue} already has a handler`);
    this.registrations.set(queue, { queue, handler, concurrency });
  }

  onApplicationBootstrap(): void {
    for (const r of this.registrations.values()) {
      const worker = new Worker(r.queue, r.handler, {
        connection: { ...redisOptionsFromUrl(this.config.redisUrl), maxRetriesPerRequest: null },
        prefix: this.config.queuePrefix,
        concurrency: r.concurrency,
        ...PROCESSOR_OPTIONS,
      });
      worker.on('error', (err) => this.logger.warn(`queue ${r.queue}: ${err.message}`));
      worker.on('failed', (job, err) => this.logger.error({ queue: r.queue, jobId: job?.id, name: job?.name, err: err.message }, 'job failed'));
      this.workers.push(worker);
    }
  }

  get queues(): QueueName[] {
    return [...this.registrations.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close().catch(() => undefined)));
  }
}
