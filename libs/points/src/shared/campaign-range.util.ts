import { EntityManager } from 'typeorm';

/**
 * Runs statements that read or change one campaign's campaign_members rows with sequential scans
 * off for this transaction (restored after), so that they stay on the campaign's primary-key range
 * (campaign_id, member_id). No index names `state` (the distribution's mark must stay a HOT update,
 * migration 1765900000000), and with the planner's statistics taken while a campaign was pending,
 * "is anything pending?" was a seq scan of every campaign's rows (600,000 rows, ~150 ms, under the
 * campaign row lock); with statistics saying nothing is pending, even `ORDER BY member_id LIMIT 1`
 * is planned as one when the campaign is a large share of the table. `walk` (for `ORDER BY member_id
 * LIMIT n`) turns bitmap scans off too: the primary key in order, which stops at the n-th match, where
 * a bitmap scan reads the rest of the range and sorts it. `em` must be in a transaction.
 */
export async function onCampaignRange<T>(em: EntityManager, fn: () => Promise<T>, opts: { walk?: boolean } = {}): Promise<T> {
  const [prev] = await em.query(
    `SELECT current_setting('enable_seqscan') AS seq, current_setting('enable_bitmapscan') AS bitmap,
            set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', CASE WHEN $1 THEN 'off' ELSE current_setting('enable_bitmapscan') END, true)`,
    [opts.walk === true],
  );
  const out = await fn();
  await em.query(`SELECT set_config('enable_seqscan', $1, true), set_config('enable_bitmapscan', $2, true)`, [prev.seq, prev.bitmap]);
  return out;
}

/**
 * The same as onCampaignRange({ walk: true }) for a transaction that holds only such statements
 * (the distribution's chunk select): one round trip, and the settings end with the transaction.
 */
export async function walkCampaignRangeForTransaction(em: EntityManager): Promise<void> {
  await em.query(`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`);
}

/** The first pending row of the campaign along its primary key (test/points-distribution EXPLAINs it). */
export const FIRST_PENDING_SQL = `SELECT 1 FROM campaign_members WHERE campaign_id = $1 AND state = 'pending' ORDER BY member_id LIMIT 1`;

/** Whether any grant of the campaign is still pending (bounded to its primary-key range). */
export async function anyPending(em: EntityManager, campaignId: string): Promise<boolean> {
  const rows: unknown[] = await onCampaignRange(em, () => em.query(FIRST_PENDING_SQL, [campaignId]), { walk: true });
  return rows.length > 0;
}
