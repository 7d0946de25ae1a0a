import { JobWorkers, QUEUES } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';

/**
 * System jobs. `echo` records that it ran (once per job id) so the outbox's delivery guarantee can
 * be observed end to end; the outbox tests and operators' smoke checks enqueue it.
 */
@Injectable()
export class SystemProcessor {
  private readonly logger = new Logger(SystemProcessor.name);

  constructor(
    private readonly dataSource: DataSource,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.system, (job) => this.process(job));
  }

  async process(job: Job<Record<string, unknown>>): Promise<unknown> {
    switch (job.name) {
      case 'echo':
        await this.dataSource.query(
          `INSERT INTO job_runs (queue, job_id, name, payload, runs) VALUES ($1, $2, $3, $4, 1)
           ON CONFLICT (queue, job_id) DO UPDATE SET runs = job_runs.runs + 1, last_run_at = now()`,
          [QUEUES.system, job.id, job.name, JSON.stringify(job.data)],
        );
        return { ok: true };
      default:
        this.logger.warn(`unknown system job ${job.name}`);
        return { ignored: true };
    }
  }
}
