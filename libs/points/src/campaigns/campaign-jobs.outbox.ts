import { OutboxService, QUEUES } from '@huigong/common';
import { EntityManager } from 'typeorm';
import { msUntil } from '../shared/db-clock.util';

/** Job names and deterministic ids of the campaign jobs (letters, digits, . _ - only). */
export const CAMPAIGN_JOBS = {
  distribute: 'distribute',
  openWindow: 'open-window',
  closeWindow: 'close-window',
} as const;

export const campaignJobIds = {
  distribute: (campaignId: string, round = 0) => `distribute.${campaignId}.${round}`,
  openWindow: (campaignId: string) => `open.${campaignId}`,
  closeWindow: (campaignId: string) => `close.${campaignId}`,
};

/**
 * Follow-up jobs of an approval, through the outbox in the approval's transaction: distribution
 * (at once, or at the scheduled time) and the window's open and close, delayed by the database
 * clock. Every handler re-checks the database clock and the campaign's status, so a job that runs
 * early, late or twice does no harm.
 */
export async function enqueueCampaignJobs(
  em: EntityManager,
  outbox: OutboxService,
  c: { id: string; distributeAt: Date | null; opensAt: Date; closesAt: Date },
): Promise<void> {
  await outbox.enqueue(
    em,
    { queue: QUEUES.distribution, name: CAMPAIGN_JOBS.distribute, jobId: campaignJobIds.distribute(c.id), payload: { campaignId: c.id }, delayMs: await msUntil(em, c.distributeAt) },
    { queue: QUEUES.campaignWindow, name: CAMPAIGN_JOBS.openWindow, jobId: campaignJobIds.openWindow(c.id), payload: { campaignId: c.id }, delayMs: await msUntil(em, c.opensAt) },
    { queue: QUEUES.campaignWindow, name: CAMPAIGN_JOBS.closeWindow, jobId: campaignJobIds.closeWindow(c.id), payload: { campaignId: c.id }, delayMs: await msUntil(em, c.closesAt) },
  );
}

export async function enqueueDistributionRound(em: EntityManager, outbox: OutboxService, campaignId: string, round: number): Promise<void> {
  await outbox.enqueue(em, { queue: QUEUES.distribution, name: CAMPAIGN_JOBS.distribute, jobId: campaignJobIds.distribute(campaignId, round), payload: { campaignId } });
}
