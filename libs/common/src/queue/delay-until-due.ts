import { DelayedError, Job } from 'bullmq';

/** a job put back in the delayed set runs this long after its due time, so that it is due when it runs */
export const JOB_REDELAY_MARGIN_MS = 1000;

/**
 * For a delayed job that ran before its time by the database clock (its delay ran on a process
 * clock, or the rule that sets its time changed): moves it back to the delayed set until it is due
 * and throws DelayedError, which tells BullMQ the job was moved and counts no attempt. Failing it
 * instead would use up its attempts (8, from 1 s) within about two minutes, and the job would be
 * gone for good. `remainingMs` is measured on the database's clock; the new time is on this
 * process's, so the margin covers a little drift. Needs the job's lock token (JobWorkers passes it).
 */
export async function delayUntilDue(job: Job, token: string | undefined, remainingMs: number, reason: string): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(remainingMs, 0) + JOB_REDELAY_MARGIN_MS, token);
  throw new DelayedError(reason);
}
