import { JobWorkers, QUEUES } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { CAMPAIGN_JOBS } from '../campaigns/campaign-jobs.outbox';
import { CampaignWindowService } from './campaign-window.service';
import { DistributionRunner } from './distribution-runner.service';
import { AgreementCreditProcessor, AgreementCreditReconciler } from '../unions/agreement-credit.processor';
import { CampaignJobReconciler } from './campaign-job-reconciler.service';
import { NotYetError } from './not-yet.error';
import { runWhenDue } from './run-when-due';

export { runWhenDue } from './run-when-due';

/**
 * The points context's job handlers, registered with the worker process's JobWorkers (add these
 * classes to the worker module's providers). Handlers are idempotent: a job that runs twice, or
 * after a crash, resumes from what the database says; one that runs early waits again (runWhenDue).
 */
@Injectable()
export class DistributionProcessor {
  private readonly logger = new Logger(DistributionProcessor.name);

  constructor(
    private readonly runner: DistributionRunner,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.distribution, (job, token) => this.process(job, token));
  }

  async process(job: Job<{ campaignId: string }>, token?: string): Promise<unknown> {
    if (job.name !== CAMPAIGN_JOBS.distribute) {
      this.logger.warn(`unknown distribution job ${job.name}`);
      return { ignored: true };
    }
    return runWhenDue(job, token, async () => {
      try {
        return await this.runner.run(job.data.campaignId);
      } catch (err) {
        if (!(err instanceof NotYetError)) await this.runner.recordError(job.data.campaignId, err as Error).catch(() => undefined);
        throw err;
      }
    });
  }
}

@Injectable()
export class CampaignWindowProcessor {
  private readonly logger = new Logger(CampaignWindowProcessor.name);

  constructor(
    private readonly windows: CampaignWindowService,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.campaignWindow, (job, token) => this.process(job, token));
  }

  async process(job: Job<{ campaignId: string }>, token?: string): Promise<unknown> {
    switch (job.name) {
      case CAMPAIGN_JOBS.openWindow:
        return runWhenDue(job, token, async () => ({ outcome: await this.windows.open(job.data.campaignId) }));
      case CAMPAIGN_JOBS.closeWindow:
        return runWhenDue(job, token, () => this.windows.close(job.data.campaignId));
      default:
        this.logger.warn(`unknown campaign window job ${job.name}`);
        return { ignored: true };
    }
  }
}

/**
 * Add to the worker module's providers (they need JobWorkers and JobReconciler, which only the
 * worker process has): the job handlers, the reconciliation that re-enqueues lost campaign jobs, and
 * the credit-limit switch at agreement boundaries with its reconciler.
 */
export const POINTS_PROCESSORS = [DistributionProcessor, CampaignWindowProcessor, CampaignJobReconciler, AgreementCreditProcessor, AgreementCreditReconciler];
