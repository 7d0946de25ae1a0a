/**
 * Every queue of the system, named in one place so the relay, the dashboard and the processors
 * agree. The BullMQ prefix carries a Redis Cluster hash tag (`{huigong}`), see AppConfig.queuePrefix.
 */
export const QUEUES = {
  system: 'system',
  ledgerSeal: 'ledger-seal',
  distribution: 'points-distribution',
  campaignWindow: 'campaign-window',
  unionCredit: 'union-credit',
  orderTimers: 'order-timers',
  settlement: 'settlement',
  audit: 'audit',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/**
 * Worker options for every processor. A job whose worker lost Redis mid-fetch (Redis restarted) or
 * died is "stalled"; these bound how long it waits before BullMQ hands it out again.
 */
export const PROCESSOR_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 };
