import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distribution (issue 5): a chunk marks its 5,000 campaign_members rows credited (state, grant
 * account, credited_at). That UPDATE was not HOT — three indexes named the columns it changes — so
 * every row got a new version on another page plus four index entries (primary key, member, grant,
 * union/credited): ~90 ms of a ~330 ms chunk at a million members, the largest single statement after
 * the ledger's inserts. With no index naming those columns and room on the row's page, PostgreSQL
 * writes the new version beside the old one and touches no index (measured: 35 ms a chunk against
 * 79–130 ms, mean of 200 chunks at a million members — bench/README.md, "Distribution, issue 5, fourth
 * pass: the mark as a HOT update", pairs T1 and T2).
 *
 * - campaign_members_pending goes: the distribution walks the primary key (campaign_id, member_id)
 *   from its cursor and skips rows not pending (a fresh run finds every row pending; a resumed run
 *   steps over the rows credited before once, in its first select). finish() and the window's open
 *   ask "anything pending?" once per run over the campaign's primary-key range, with sequential scans
 *   off for that statement (onCampaignRange: planned from statistics taken while a campaign was
 *   pending, the question was a seq scan of every campaign's rows); so do the chunk select, approval's
 *   count, settle's and cancel's withdrawals and the admin member list's count.
 * - campaign_members_grant goes: the two grant → campaign lookups (refund target, audit trace) find
 *   the campaign and member from the grant account's owner id (`<campaign>:<member>`, read through
 *   LedgerQueryService) and then take the row by primary key.
 * - campaign_members_union_credited goes: the credits-by-union report takes the campaigns whose
 *   distribution ran in the period from campaign_distributions (started_at ≤ every credit ≤
 *   last_progress_at, which the runner now only moves forward) and reads their rows by primary key.
 *   Deploy: a worker still running the old code sets last_progress_at to its chunk's start, which can
 *   be behind a credit another chunk committed; stop the distribution workers before this migration
 *   (or run its UPDATE below again once every worker runs the new code).
 * - fillfactor 45: a chunk rewrites every row of its pages in one transaction, so each page needs room
 *   for a second version of all its rows (a credited row is 16 bytes longer). Applies to rows inserted
 *   from now on (approval writes a campaign's snapshot); the pages of older campaigns are not rewritten.
 *   Cost: the table's new pages hold about half as many rows (227 bytes of heap a row
 *   against 112 at fillfactor 90, 100,000 fresh rows; bench/README.md, same section).
 *   Limit: this holds for flat campaigns, whose rows are inserted pending by approval. A per-member
 *   (CSV) campaign's rows are inserted as drafts and approval rewrites them to pending, which takes the
 *   page's room; the mark is HOT again only where pruning has freed the drafts' old versions, i.e. when
 *   no transaction older than the approval is still open. Measured on a 50,000-row scratch table
 *   (bench/README.md, same section): 48,620 of 50,000 marks HOT, and 9,730 with a snapshot held open
 *   across approval and distribution; flat, 50,000 either way.
 */
export class DistributionHotMark1765900000000 implements MigrationInterface {
  name = 'DistributionHotMark1765900000000';

  async up(q: QueryRunner): Promise<void> {
    // two chunks in flight could commit out of order and leave last_progress_at behind the latest
    // credit; the report relies on started_at ≤ credited_at ≤ last_progress_at for every credited row.
    // Repaired first: it reads every credited row, and the DROP INDEX below takes campaign_members'
    // ACCESS EXCLUSIVE lock until commit — taken last, the table stays usable while this runs.
    await q.query(`
      UPDATE campaign_distributions d
         SET last_progress_at = greatest(d.last_progress_at, x.last), started_at = least(coalesce(d.started_at, x.first), x.first)
        FROM (SELECT campaign_id, min(credited_at) AS first, max(credited_at) AS last FROM campaign_members WHERE state = 'credited' GROUP BY campaign_id) x
       WHERE d.campaign_id = x.campaign_id`);
    await q.query(`DROP INDEX IF EXISTS campaign_members_pending, campaign_members_grant, campaign_members_union_credited`);
    await q.query(`ALTER TABLE campaign_members SET (fillfactor = 45)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaign_members SET (fillfactor = 90)`);
    await q.query(`
      CREATE INDEX campaign_members_pending ON campaign_members (campaign_id, member_id) WHERE state = 'pending';
      CREATE INDEX campaign_members_grant ON campaign_members (grant_account_id) WHERE grant_account_id IS NOT NULL;
      CREATE INDEX campaign_members_union_credited ON campaign_members (union_id, credited_at) INCLUDE (member_id, amount_fen)
        WHERE state = 'credited';
    `);
  }
}
