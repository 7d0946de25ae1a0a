import { delayUntilDue } from '@huigong/common';
import { Job } from 'bullmq';
import { NotYetError } from './not-yet.error';

/**
 * Runs `work`; if it finds the job early by the database clock (NotYetError), the job goes back to
 * the delayed set until it is due (delayUntilDue) — a campaign's only way to open, close or
 * distribute, or a union's credit switch, must not fail through its attempts.
 */
export async function runWhenDue<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof NotYetError)) throw err;
    return delayUntilDue(job, token, err.remainingMs, err.message);
  }
}
