import { JobWorkers, QUEUES } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { CAMPAIGN_JOBS } from '../campaigns/campaign-jobs.outbox';
import { CampaignWindowService } from './campaign-window.service';
import { DistributionRunner } from './distribution-runner.service';
import { CampaignJobReconciler } from './campaign-job-reconciler.service';
import { NotYetError } from './not-yet.error';

/** a job put back in the delayed set runs this long after its due time, so that it is due when it runs */
export const CAMPAIGN_JOB_REDELAY_MARGIN_MS = 1000;

/**
 * Runs `work`; if it finds the job early by the database clock (NotYetError), moves the job back to
 * the delayed set until it is due and throws DelayedError, which tells BullMQ the job was moved and
 * counts no attempt. Failing instead would exhaust the attempts (8, from 1 s) in about two minutes,
 * and the job — the campaign's only way to open, close or distribute — would be gone for good.
 */
export async function runWhenDue<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof NotYetError)) throw err;
    // relative to this process's clock: the remaining time was measured on the database's
    await job.moveToDelayed(Date.now() + Math.max(err.remainingMs, 0) + CAMPAIGN_JOB_REDELAY_MARGIN_MS, token);
    throw new DelayedError(err.message);
  }
}

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
 * worker process has): the job handlers, and the reconciliation that re-enqueues lost campaign jobs.
 */
export const POINTS_PROCESSORS = [DistributionProcessor, CampaignWindowProcessor, CampaignJobReconciler];
