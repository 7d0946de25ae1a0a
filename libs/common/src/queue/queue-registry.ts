import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { createRedis } from './redis-connection';

/** Producer-side queues, opened lazily and shared by the outbox relay and the dashboard. */
@Injectable()
export class QueueRegistry implements OnModuleDestroy {
  private readonly queues = new Map<string, Queue>();
  private connection?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      this.connection ??= createRedis(this.config.redisUrl, 'producer');
      q = new Queue(name, {
        connection: this.connection,
        prefix: this.config.queuePrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }

  async onModuleDestroy(): Promise<void> {
    // closing waits for Redis; do not let an unreachable Redis hold up shutdown
    const closing = Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    await Promise.race([closing, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.connection?.disconnect();
  }
}

/** Completed jobs are kept a week so a re-dispatched job id is recognised and not run twice. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 100000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};
