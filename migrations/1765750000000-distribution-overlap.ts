import { MigrationInterface, QueryRunner } from 'typeorm';
import { DISTRIBUTE_CAREFUL_FUNCTION as PREVIOUS_CAREFUL, DISTRIBUTE_FRESH_FUNCTION as PREVIOUS_FRESH } from './1765300000000-distribution-performance';

/**
 * Distribution (issue 5): two chunks of one campaign in flight at once. `ledger_distribute` locks the
 * debited account (the campaign pool) before its inserts and holds it to commit, so a second chunk
 * waited for the whole first one. The same work is now offered in two calls, made by
 * LedgerService.distribute in one savepoint when the caller asks to serialise the debit only:
 *
 * - `ledger_distribute_credits`: opens the credited accounts and writes the entries and transfers,
 *   exactly as ledger_distribute does, but neither locks nor debits the debited account. It returns
 *   the fen still to debit (the new credits' sum; replays carry nothing).
 * - `ledger_distribute_debit`: locks the debited account, checks its guard and debits that sum.
 *
 * The two are internal: between them the ledger is unbalanced, so a caller must make both in one
 * transaction (LedgerService does, under a savepoint that a refused debit rolls back to).
 * `ledger_distribute_fresh` / `ledger_distribute_careful` learn a debit guard value 'deferred' that
 * skips their debit. `ledger_distribute` itself is unchanged.
 */
export class DistributionOverlap1765750000000 implements MigrationInterface {
  name = 'DistributionOverlap1765750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(deferrable(PREVIOUS_CAREFUL.replace('CREATE FUNCTION ledger_distribute_careful(', 'CREATE OR REPLACE FUNCTION ledger_distribute_careful(')));
    await q.query(deferrable(PREVIOUS_FRESH));
    await q.query(CREDITS_FUNCTION);
    await q.query(DEBIT_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_distribute_debit(bigint, bigint)`);
    await q.query(`DROP FUNCTION ledger_distribute_credits(bigint, text, text, text, text, text, uuid, text, text[], uuid[], text[], bigint[])`);
    await q.query(PREVIOUS_FRESH);
    await q.query(PREVIOUS_CAREFUL.replace('CREATE FUNCTION ledger_distribute_careful(', 'CREATE OR REPLACE FUNCTION ledger_distribute_careful('));
  }
}

const DEBIT_SECTION = `  IF p_debit_guard = 'none' THEN`;

/** The previous function text with a 'deferred' debit guard that writes no debit. */
function deferrable(fn: string): string {
  if (!fn.includes('CREATE OR REPLACE FUNCTION') || fn.split(DEBIT_SECTION).length !== 2) {
    throw new Error('ledger_distribute_fresh / _careful no longer have the debit section this migration extends');
  }
  return fn.replace(
    DEBIT_SECTION,
    `  IF p_debit_guard = 'deferred' THEN
    NULL; -- ledger_distribute_credits: the caller debits with ledger_distribute_debit in the same transaction
  ELSIF p_debit_guard = 'none' THEN`,
  );
}

/**
 * ledger_distribute's work minus the debit (same arguments, same idempotency: keys posted before with
 * the same content are replays, with other content a conflict and nothing is written). Returns one
 * row: status 'posted' with posted / replayed / account_ids in input order and debit_fen, the sum of
 * the credits written now; or 'unknown_account' / 'conflict' with detail. The debited account is read
 * without a lock (accounts are never deleted); its balance is checked by ledger_distribute_debit.
 */
const CREDITS_FUNCTION = `
CREATE FUNCTION ledger_distribute_credits(
  p_debit bigint, p_kind text, p_ref text, p_actor text, p_type text, p_owner_type text, p_org uuid, p_hash_head text,
  p_owner_ids text[], p_holders uuid[], p_keys text[], p_amounts bigint[]
) RETURNS TABLE (status text, posted int, replayed int, account_ids bigint[], debit_fen bigint, detail jsonb)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_n int := cardinality(p_keys);
  v_guard text;
  v_total bigint;
  v_acc bigint[];
  v_conflict int;
  v_conflict_entry bigint;
  v_rep_ords int[];
  v_rep_accs bigint[];
  v_new int[];
BEGIN
  IF v_n IS NULL OR v_n = 0 THEN
    RETURN QUERY SELECT 'posted'::text, 0, 0, '{}'::bigint[], 0::bigint, NULL::jsonb;
    RETURN;
  END IF;
  IF cardinality(p_owner_ids) <> v_n OR cardinality(p_holders) <> v_n OR cardinality(p_amounts) <> v_n THEN
    RAISE EXCEPTION 'ledger_distribute_credits: arrays of different lengths' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT t.default_guard INTO v_guard FROM ledger_account_types t WHERE t.code = p_type;
  IF v_guard IS DISTINCT FROM 'debits_le_credits' THEN
    RAISE EXCEPTION 'ledger_distribute_credits: credited type % must be guarded debits_le_credits', p_type USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM 1 FROM ledger_accounts a WHERE a.id = p_debit;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown_account'::text, 0, 0, NULL::bigint[], NULL::bigint, jsonb_build_object('accountId', p_debit::text);
    RETURN;
  END IF;
  SELECT sum(x) INTO v_total FROM unnest(p_amounts) AS x;

  -- fast path: every key new (a fresh chunk)
  BEGIN
    v_acc := ledger_distribute_fresh(p_debit, 'deferred', p_kind, p_ref, p_actor, p_type, p_owner_type, p_org, p_hash_head, p_owner_ids, p_holders, p_keys, p_amounts);
    RETURN QUERY SELECT 'posted'::text, v_n, 0, v_acc, v_total, NULL::jsonb;
    RETURN;
  EXCEPTION WHEN SQLSTATE 'HGK01' THEN
    NULL; -- some keys were posted before: sort them out below
  END;

  -- slow path (as in ledger_distribute): replays, conflicts, and what is really new
  WITH i AS (
    SELECT u.owner_id, u.k, u.amt, u.ord FROM unnest(p_owner_ids, p_keys, p_amounts) WITH ORDINALITY AS u (owner_id, k, amt, ord)
  ), x AS (
    SELECT i.ord, e.id AS eid, a.id AS acc,
           a.id IS NOT NULL AND e.content_hash = encode(sha256(convert_to(p_hash_head || '["' || p_debit || '","' || a.id || '",' || i.amt || ']]}', 'UTF8')), 'hex') AS same
      FROM i JOIN ledger_entries e ON e.idempotency_key = i.k
      LEFT JOIN ledger_accounts a ON a.type = p_type AND a.owner_type = p_owner_type AND a.owner_id = i.owner_id
  )
  SELECT min(x.ord) FILTER (WHERE NOT x.same), array_agg(x.ord::int ORDER BY x.ord), array_agg(x.acc ORDER BY x.ord)
    INTO v_conflict, v_rep_ords, v_rep_accs FROM x;
  IF v_conflict IS NOT NULL THEN
    SELECT e.id INTO v_conflict_entry FROM ledger_entries e WHERE e.idempotency_key = p_keys[v_conflict];
    RETURN QUERY SELECT 'conflict'::text, 0, 0, NULL::bigint[], NULL::bigint,
      jsonb_build_object('idempotencyKey', p_keys[v_conflict], 'entryId', v_conflict_entry::text, 'index', v_conflict - 1);
    RETURN;
  END IF;
  v_new := ARRAY(SELECT g FROM generate_series(1, v_n) AS g WHERE g <> ALL (coalesce(v_rep_ords, '{}')) ORDER BY g);
  v_total := 0;
  IF cardinality(v_new) > 0 THEN
    SELECT sum(p_amounts[g]) INTO v_total FROM unnest(v_new) AS g;
    -- a key taken concurrently since the lookup raises HGK01 here: DistributionRunner redoes the chunk
    v_acc := ledger_distribute_fresh(p_debit, 'deferred', p_kind, p_ref, p_actor, p_type, p_owner_type, p_org, p_hash_head,
      ARRAY(SELECT p_owner_ids[g] FROM unnest(v_new) WITH ORDINALITY AS u (g, o) ORDER BY o),
      ARRAY(SELECT p_holders[g] FROM unnest(v_new) WITH ORDINALITY AS u (g, o) ORDER BY o),
      ARRAY(SELECT p_keys[g] FROM unnest(v_new) WITH ORDINALITY AS u (g, o) ORDER BY o),
      ARRAY(SELECT p_amounts[g] FROM unnest(v_new) WITH ORDINALITY AS u (g, o) ORDER BY o));
  END IF;
  RETURN QUERY
  SELECT 'posted'::text, coalesce(cardinality(v_new), 0), coalesce(cardinality(v_rep_ords), 0),
         ARRAY(SELECT coalesce(r.acc, f.acc) FROM generate_series(1, v_n) AS g
                 LEFT JOIN unnest(v_rep_ords, v_rep_accs) AS r (o, acc) ON r.o = g
                 LEFT JOIN unnest(v_new, v_acc) AS f (o, acc) ON f.o = g
                ORDER BY g),
         v_total, NULL::jsonb;
END;
$fn$;
`;

/**
 * The debit that ledger_distribute_credits left out: locks the debited account, checks its guard
 * (the row's CHECK constraint would refuse an overdraft too, but as an error, not a refusal) and adds
 * p_amount to its debits (the shard totals for an unguarded account). Returns status 'posted', or
 * 'unknown_account' / 'insufficient_funds' with detail (nothing written).
 */
const DEBIT_FUNCTION = `
CREATE FUNCTION ledger_distribute_debit(p_debit bigint, p_amount bigint) RETURNS TABLE (status text, detail jsonb)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_src record;
BEGIN
  SELECT a.id, a.guard, a.overdraft_limit AS lim, a.credits_posted - a.debits_posted AS bal INTO v_src
    FROM ledger_accounts a WHERE a.id = p_debit FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown_account'::text, jsonb_build_object('accountId', p_debit::text);
    RETURN;
  END IF;
  IF p_amount IS NULL OR p_amount < 0 THEN
    RAISE EXCEPTION 'ledger_distribute_debit: amount must be zero or positive' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_amount = 0 THEN
    RETURN QUERY SELECT 'posted'::text, NULL::jsonb;
    RETURN;
  END IF;
  IF v_src.guard = 'debits_le_credits' AND v_src.bal - p_amount < -v_src.lim THEN
    RETURN QUERY SELECT 'insufficient_funds'::text,
      jsonb_build_object('accountId', p_debit::text, 'guard', v_src.guard, 'balance', v_src.bal::text, 'attempted', p_amount::text,
        'overdraftLimit', v_src.lim::text, 'shortfall', (-(v_src.bal - p_amount + v_src.lim))::text);
    RETURN;
  END IF;
  IF v_src.guard = 'none' THEN
    INSERT INTO ledger_account_totals AS s (account_id, shard, debits, credits) VALUES (p_debit, pg_backend_pid() % 64, p_amount, 0)
    ON CONFLICT (account_id, shard) DO UPDATE SET debits = s.debits + excluded.debits;
  ELSE
    UPDATE ledger_accounts SET debits_posted = debits_posted + p_amount WHERE id = p_debit;
  END IF;
  RETURN QUERY SELECT 'posted'::text, NULL::jsonb;
END;
$fn$;
`;
