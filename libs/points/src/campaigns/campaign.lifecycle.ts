import { AppError } from '@huigong/common';

export enum CampaignStatus {
  Draft = 'draft',
  Approved = 'approved',
  Distributing = 'distributing',
  Open = 'open',
  Closed = 'closed',
  Settled = 'settled',
  Cancelled = 'cancelled',
}

export type CampaignAction = 'approve' | 'cancel' | 'start_distribution' | 'open_window' | 'close_window' | 'settle';

export interface TransitionRule {
  from: readonly CampaignStatus[];
  to: CampaignStatus;
  /** who may trigger it: people through the API, or the system's jobs */
  by: 'admin' | 'system';
  description: string;
}

/**
 * The campaign lifecycle, declared as data: every status change goes through `transition()` below,
 * which refuses anything not listed here and writes one history row (who, when, why) per change.
 * Reading this table is reading the lifecycle.
 */
export const CAMPAIGN_LIFECYCLE: Readonly<Record<CampaignAction, TransitionRule>> = {
  approve: { from: [CampaignStatus.Draft], to: CampaignStatus.Approved, by: 'admin', description: 'the total is reserved from the union budget into the campaign pool' },
  cancel: { from: [CampaignStatus.Draft, CampaignStatus.Approved], to: CampaignStatus.Cancelled, by: 'admin', description: 'the pool (if reserved) returns to the union budget' },
  start_distribution: { from: [CampaignStatus.Approved], to: CampaignStatus.Distributing, by: 'system', description: 'the distribution job starts crediting grants' },
  open_window: { from: [CampaignStatus.Distributing], to: CampaignStatus.Open, by: 'system', description: 'opens_at reached and every grant credited: members may spend' },
  // a window may close before distribution finished (or started, if it was scheduled late): the
  // close then returns whatever was not credited along with the pool
  close_window: { from: [CampaignStatus.Open, CampaignStatus.Distributing, CampaignStatus.Approved], to: CampaignStatus.Closed, by: 'system', description: 'closes_at reached: unspent grants expire back to the pool' },
  settle: { from: [CampaignStatus.Closed], to: CampaignStatus.Settled, by: 'system', description: 'the pool remainder returned to the union budget' },
};

/** Statuses whose campaign holds reserved money (its members' grants count towards annual caps). */
export const RESERVED_STATUSES: readonly CampaignStatus[] = [
  CampaignStatus.Approved,
  CampaignStatus.Distributing,
  CampaignStatus.Open,
  CampaignStatus.Closed,
  CampaignStatus.Settled,
];

export function canTransition(from: CampaignStatus, action: CampaignAction): boolean {
  return CAMPAIGN_LIFECYCLE[action].from.includes(from);
}

/** The status after `action`, or INVALID_TRANSITION (409) naming what would have been allowed. */
export function nextStatus(from: CampaignStatus, action: CampaignAction): CampaignStatus {
  const rule = CAMPAIGN_LIFECYCLE[action];
  if (!rule) throw new AppError('INVALID_TRANSITION', `Unknown campaign action ${action}`, 409, { action });
  if (!rule.from.includes(from)) {
    throw AppError.conflict('INVALID_TRANSITION', `A ${from} campaign cannot ${action.replace(/_/g, ' ')}`, {
      status: from,
      action,
      allowedFrom: rule.from,
    });
  }
  return rule.to;
}

/** Actions available from a status (shown on the campaign so clients need not know the table). */
export function actionsFrom(status: CampaignStatus, by?: 'admin' | 'system'): CampaignAction[] {
  return (Object.keys(CAMPAIGN_LIFECYCLE) as CampaignAction[]).filter((a) => CAMPAIGN_LIFECYCLE[a].from.includes(status) && (!by || CAMPAIGN_LIFECYCLE[a].by === by));
}
