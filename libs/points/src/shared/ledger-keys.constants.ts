/**
 * How the points context names its ledger accounts and entries. Idempotency keys are derived from
 * the business event, so a retried job or request posts nothing twice; references group every entry
 * of one campaign (or deposit, adjustment) for tracing.
 */
export const OWNER_TYPES = { union: 'union', campaign: 'campaign', memberGrant: 'member_grant' } as const;

export const grantOwnerId = (campaignId: string, memberId: string): string => `${campaignId}:${memberId}`;

// any case: a run started with an id as typed in a URL (ParseUUIDPipe accepts upper case) opened its grants so
const GRANT_OWNER_RE = /^([0-9a-f-]{36}):([0-9a-f-]{36})$/i;
/** The (campaign, member) a grant account was opened for, from its owner id (lower-cased); null if it is not one. */
export const parseGrantOwnerId = (ownerId: string): { campaignId: string; memberId: string } | null => {
  const m = GRANT_OWNER_RE.exec(ownerId);
  return m ? { campaignId: m[1].toLowerCase(), memberId: m[2].toLowerCase() } : null;
};

export const ENTRY_KINDS = {
  deposit: 'union.deposit',
  adjustment: 'union.adjustment',
  reserve: 'campaign.reserve',
  topUp: 'campaign.top_up',
  cancel: 'campaign.cancel',
  grant: 'campaign.grant',
  expire: 'campaign.expire',
  settle: 'campaign.settle',
  leave: 'member.leave',
} as const;

export const LEDGER_KEYS = {
  deposit: (unionId: string, bankReference: string) => `deposit:${unionId}:${bankReference}`,
  adjustment: (adjustmentId: string) => `adjustment:${adjustmentId}`,
  reserve: (campaignId: string) => `reserve:${campaignId}`,
  topUp: (campaignId: string, round: number) => `topup:${campaignId}:${round}`,
  cancel: (campaignId: string) => `cancel:${campaignId}`,
  grant: (campaignId: string, memberId: string) => `grant:${campaignId}:${memberId}`,
  // expiry sweeps whatever balance is left; the pass number keeps a re-run (after a crash, or a
  // late refund) from colliding with an entry an earlier pass already posted for the same grant
  expire: (campaignId: string, memberId: string, pass: number) => `expire:${campaignId}:${memberId}:${pass}`,
  settle: (campaignId: string) => `settle:${campaignId}`,
  leave: (memberId: string, campaignId: string) => `leave:${memberId}:${campaignId}`,
} as const;

export const REFERENCES = {
  deposit: (id: string) => `deposit:${id}`,
  adjustment: (id: string) => `adjustment:${id}`,
  campaign: (id: string) => `campaign:${id}`,
} as const;

/** Actors of system jobs, as recorded in the ledger and in campaign history. */
export const SYSTEM_ACTORS = {
  distribution: 'system:distribution',
  window: 'system:campaign-window',
  demo: 'system:demo',
} as const;
