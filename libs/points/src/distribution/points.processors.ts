import { JobWorkers, QUEUES } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { CAMPAIGN_JOBS } from '../campaigns/campaign-jobs.outbox';
import { CampaignWindowService } from './campaign-window.service';
import { DistributionRunner } from './distribution-runner.service';

/**
 * The points context's job handlers, registered with the worker process's JobWorkers (add these
 * classes to the worker module's providers). Handlers are idempotent: a job that runs twice, or
 * after a crash, resumes from what the database says.
 */
@Injectable()
export class DistributionProcessor {
  private readonly logger = new Logger(DistributionProcessor.name);

  constructor(
    private readonly runner: DistributionRunner,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.distribution, (job) => this.process(job));
  }

  async process(job: Job<{ campaignId: string }>): Promise<unknown> {
    if (job.name !== CAMPAIGN_JOBS.distribute) {
      this.logger.warn(`unknown distribution job ${job.name}`);
      return { ignored: true };
    }
    try {
      return await this.runner.run(job.data.campaignId);
    } catch (err) {
      await this.runner.recordError(job.data.campaignId, err as Error).catch(() => undefined);
      throw err;
    }
  }
}

@Injectable()
export class CampaignWindowProcessor {
  private readonly logger = new Logger(CampaignWindowProcessor.name);

  constructor(
    private readonly windows: CampaignWindowService,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.campaignWindow, (job) => this.process(job));
  }

  async process(job: Job<{ campaignId: string }>): Promise<unknown> {
    switch (job.name) {
      case CAMPAIGN_JOBS.openWindow:
        return { outcome: await this.windows.open(job.data.campaignId) };
      case CAMPAIGN_JOBS.closeWindow:
        return this.windows.close(job.data.campaignId);
      default:
        this.logger.warn(`unknown campaign window job ${job.name}`);
        return { ignored: true };
    }
  }
}

/** Add to the worker module's providers (they need JobWorkers, which only the worker process has). */
export const POINTS_PROCESSORS = [DistributionProcessor, CampaignWindowProcessor];
