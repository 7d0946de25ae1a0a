import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ledger performance (issues 4, 5): `ledger_distribute`, the set-based bulk crediting primitive a
 * campaign distribution uses (one round trip per chunk instead of the generic per-entry machinery),
 * a fillfactor on ledger_accounts so that balance updates stay HOT (no index churn), and
 * `ledger_account_balance`, the ledger's balance as a SQL function other contexts may call inside
 * their own reads (the checkout's spendable-grants query) instead of a second round trip, and
 * `ledger_open_and_post_entry`, which opens accounts and posts an entry using them in one round trip
 * (the checkout's per-order escrow accounts).
 */
export class LedgerPerformance1765000000000 implements MigrationInterface {
  name = 'LedgerPerformance1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // applies to pages written from now on; a VACUUM FULL / pg_repack would rewrite old ones
    await q.query(`ALTER TABLE ledger_accounts SET (fillfactor = 85)`);
    await q.query(DISTRIBUTE_FRESH_FUNCTION);
    await q.query(DISTRIBUTE_FUNCTION);
    await q.query(BALANCE_FUNCTION);
    await q.query(OPEN_AND_POST_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_open_and_post_entry; DROP FUNCTION ledger_account_balance; DROP FUNCTION ledger_distribute; DROP FUNCTION ledger_distribute_fresh; ALTER TABLE ledger_accounts RESET (fillfactor)`);
  }
}

/**
 * The fast path of ledger_distribute, for keys never posted: opens the credited accounts (with their
 * credit already on the row, so a new account is written once), inserts the entries and their
 * transfers and adds the total to the debited account, each as one statement. Raises SQLSTATE
 * HGK01 when a key already has an entry (the caller's exception block takes everything back).
 * Returns the credited account ids in input order. Internal: call ledger_distribute.
 */
export const DISTRIBUTE_FRESH_FUNCTION = `
CREATE FUNCTION ledger_distribute_fresh(
  p_debit bigint, p_debit_guard text, p_kind text, p_ref text, p_actor text, p_type text, p_owner_type text, p_org uuid, p_hash_head text,
  p_owner_ids text[], p_holders uuid[], p_keys text[], p_amounts bigint[]
) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  v_n int := cardinality(p_keys);
  v_acc bigint[];
  v_opened int;
  v_inserted int;
  v_total bigint;
BEGIN
  -- 1. credited accounts: new ones carry their credit from the start
  WITH i AS (
    SELECT u.owner_id, u.holder, u.amt, u.ord FROM unnest(p_owner_ids, p_holders, p_amounts) WITH ORDINALITY AS u (owner_id, holder, amt, ord)
  ), ins AS (
    INSERT INTO ledger_accounts AS a (type, owner_type, owner_id, organization_id, holder_user_id, guard, credits_posted)
    SELECT p_type, p_owner_type, i.owner_id, p_org, i.holder, 'debits_le_credits', i.amt FROM i ORDER BY i.ord
    ON CONFLICT (type, owner_type, owner_id) DO NOTHING
    RETURNING a.id, a.owner_id
  )
  SELECT array_agg(ins.id ORDER BY i.ord), count(ins.id) INTO v_acc, v_opened FROM i LEFT JOIN ins ON ins.owner_id = i.owner_id;

  IF v_opened < v_n THEN
    -- accounts that existed already (opened earlier by someone else): lock in id order, then credit
    PERFORM 1 FROM ledger_accounts a JOIN unnest(p_owner_ids) AS u (owner_id) ON a.owner_id = u.owner_id
      WHERE a.type = p_type AND a.owner_type = p_owner_type AND a.id <> ALL (array_remove(v_acc, NULL)) ORDER BY a.id FOR NO KEY UPDATE OF a;
    WITH i AS (
      SELECT u.owner_id, u.amt, u.ord, u.acc FROM unnest(p_owner_ids, p_amounts, v_acc) WITH ORDINALITY AS u (owner_id, amt, acc, ord)
    ), upd AS (
      UPDATE ledger_accounts a SET credits_posted = a.credits_posted + i.amt
        FROM i WHERE i.acc IS NULL AND a.type = p_type AND a.owner_type = p_owner_type AND a.owner_id = i.owner_id
      RETURNING a.id, a.owner_id
    )
    SELECT array_agg(coalesce(i.acc, upd.id) ORDER BY i.ord) INTO v_acc FROM i LEFT JOIN upd ON upd.owner_id = i.owner_id AND i.acc IS NULL;
  END IF;

  -- 2. entries and their transfers (content_hash as PostEntriesService computes it: a replay through
  -- postMany of the same grant is recognised as one)
  WITH i AS (
    SELECT u.k, u.amt, u.acc, u.ord FROM unnest(p_keys, p_amounts, v_acc) WITH ORDINALITY AS u (k, amt, acc, ord)
  ), ins AS (
    INSERT INTO ledger_entries (idempotency_key, kind, reference, actor, metadata, transfer_count, content_hash)
    SELECT i.k, p_kind, p_ref, p_actor, NULL, 1,
           encode(sha256(convert_to(p_hash_head || '["' || p_debit || '","' || i.acc || '",' || i.amt || ']]}', 'UTF8')), 'hex')
      FROM i ORDER BY i.ord
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING ledger_entries.id, ledger_entries.idempotency_key
  ), tr AS (
    INSERT INTO ledger_transfers (entry_id, debit_account_id, credit_account_id, amount, created_at)
    SELECT ins.id, p_debit, i.acc, i.amt, now() FROM ins JOIN i ON i.k = ins.idempotency_key ORDER BY i.ord
  )
  SELECT count(*) INTO v_inserted FROM ins;
  IF v_inserted < v_n THEN
    RAISE EXCEPTION 'ledger_distribute: an idempotency key already has an entry' USING ERRCODE = 'HGK01';
  END IF;

  -- 3. the debited account's total (its row is locked by ledger_distribute)
  SELECT sum(x) INTO v_total FROM unnest(p_amounts) AS x;
  IF p_debit_guard = 'none' THEN
    INSERT INTO ledger_account_totals AS s (account_id, shard, debits, credits) VALUES (p_debit, pg_backend_pid() % 64, v_total, 0)
    ON CONFLICT (account_id, shard) DO UPDATE SET debits = s.debits + excluded.debits;
  ELSE
    UPDATE ledger_accounts SET debits_posted = debits_posted + v_total WHERE id = p_debit;
  END IF;
  RETURN v_acc;
END;
$fn$;
`;

/**
 * Credits many accounts of one type from one account, one entry (one transfer) per credited account,
 * all or nothing, in the caller's transaction: a campaign pool crediting its workers' grants.
 * p_owner_ids / p_holders / p_keys / p_amounts are parallel (owner ids and keys distinct); the
 * credited accounts are opened on (p_type, p_owner_type, owner id) if missing. The credited type must
 * be guarded debits_le_credits (a credit never breaks it).
 *
 * Idempotent per key: keys already posted with the same content are replays (nothing written for
 * them), with other content a conflict (nothing written at all). The replay lookup only runs when the
 * fast path finds a key taken, which a fresh chunk never does.
 *
 * Returns one row: status 'posted' (posted = new entries, replayed = replays, account_ids in input
 * order), or 'unknown_account' / 'insufficient_funds' / 'conflict' with detail (nothing written).
 */
const DISTRIBUTE_FUNCTION = `
CREATE FUNCTION ledger_distribute(
  p_debit bigint, p_kind text, p_ref text, p_actor text, p_type text, p_owner_type text, p_org uuid, p_hash_head text,
  p_owner_ids text[], p_holders uuid[], p_keys text[], p_amounts bigint[]
) RETURNS TABLE (status text, posted int, replayed int, account_ids bigint[], detail jsonb)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_n int := cardinality(p_keys);
  v_guard text;
  v_src record;
  v_total bigint;
  v_acc bigint[];
  v_conflict int;
  v_conflict_entry bigint;
  v_rep_ords int[];
  v_rep_accs bigint[];
  v_new int[];
BEGIN
  IF v_n IS NULL OR v_n = 0 THEN
    RETURN QUERY SELECT 'posted'::text, 0, 0, '{}'::bigint[], NULL::jsonb;
    RETURN;
  END IF;
  IF cardinality(p_owner_ids) <> v_n OR cardinality(p_holders) <> v_n OR cardinality(p_amounts) <> v_n THEN
    RAISE EXCEPTION 'ledger_distribute: arrays of different lengths' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT t.default_guard INTO v_guard FROM ledger_account_types t WHERE t.code = p_type;
  IF v_guard IS DISTINCT FROM 'debits_le_credits' THEN
    RAISE EXCEPTION 'ledger_distribute: credited type % must be guarded debits_le_credits', p_type USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT a.id, a.guard, a.overdraft_limit AS lim, a.credits_posted - a.debits_posted AS bal INTO v_src
    FROM ledger_accounts a WHERE a.id = p_debit FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown_account'::text, 0, 0, NULL::bigint[], jsonb_build_object('accountId', p_debit::text);
    RETURN;
  END IF;
  SELECT sum(x) INTO v_total FROM unnest(p_amounts) AS x;

  -- fast path: every key new (a fresh chunk), and the debited account covers the whole batch
  IF v_src.guard <> 'debits_le_credits' OR v_src.bal - v_total >= -v_src.lim THEN
    BEGIN
      v_acc := ledger_distribute_fresh(p_debit, v_src.guard, p_kind, p_ref, p_actor, p_type, p_owner_type, p_org, p_hash_head, p_owner_ids, p_holders, p_keys, p_amounts);
      RETURN QUERY SELECT 'posted'::text, v_n, 0, v_acc, NULL::jsonb;
      RETURN;
    EXCEPTION WHEN SQLSTATE 'HGK01' THEN
      NULL; -- some keys were posted before: sort them out below
    END;
  END IF;

  -- slow path: replays (same content), conflicts (other content), and what is really new
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
    RETURN QUERY SELECT 'conflict'::text, 0, 0, NULL::bigint[],
      jsonb_build_object('idempotencyKey', p_keys[v_conflict], 'entryId', v_conflict_entry::text, 'index', v_conflict - 1);
    RETURN;
  END IF;
  v_new := ARRAY(SELECT g FROM generate_series(1, v_n) AS g WHERE g <> ALL (coalesce(v_rep_ords, '{}')) ORDER BY g);
  IF cardinality(v_new) > 0 THEN
    SELECT sum(p_amounts[g]) INTO v_total FROM unnest(v_new) AS g;
    IF v_src.guard = 'debits_le_credits' AND v_src.bal - v_total < -v_src.lim THEN
      RETURN QUERY SELECT 'insufficient_funds'::text, 0, 0, NULL::bigint[],
        jsonb_build_object('accountId', p_debit::text, 'guard', v_src.guard, 'balance', v_src.bal::text, 'attempted', v_total::text,
          'overdraftLimit', v_src.lim::text, 'shortfall', (-(v_src.bal - v_total + v_src.lim))::text);
      RETURN;
    END IF;
    -- a key taken concurrently since the lookup raises HGK01 here: the caller's unit of work retries
    v_acc := ledger_distribute_fresh(p_debit, v_src.guard, p_kind, p_ref, p_actor, p_type, p_owner_type, p_org, p_hash_head,
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
         NULL::jsonb;
END;
$fn$;
`;

/**
 * An account's balance (credits − debits) as LedgerQueryService.balances computes it: the row's
 * totals, plus the shard totals of an unguarded account. NULL for an unknown account. Part of the
 * ledger's public face in SQL: other contexts may call it, never read ledger tables themselves.
 */
export const BALANCE_FUNCTION = `
CREATE FUNCTION ledger_account_balance(p_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $fn$
  SELECT a.credits_posted - a.debits_posted
         + CASE WHEN a.guard = 'none' THEN coalesce((SELECT sum(t.credits - t.debits) FROM ledger_account_totals t WHERE t.account_id = a.id), 0) ELSE 0 END
    FROM ledger_accounts a WHERE a.id = p_id
$fn$;
`;

/**
 * Opens accounts (idempotently on (type, owner_type, owner_id), each with its type's default guard)
 * and posts one entry through ledger_post_entry in the same call. In p_debits / p_credits a value
 * -k (k ≥ 1) stands for the k-th opened account. The content hash is computed here, once the ids are
 * known, exactly as PostEntriesService computes it (p_hash_head is the canonical JSON of kind and
 * reference up to the transfers). Returns ledger_post_entry's row and the opened accounts' ids; on a
 * refusal (insufficient funds, conflict, unknown account) nothing is written, not even the accounts.
 */
const OPEN_AND_POST_FUNCTION = `
CREATE FUNCTION ledger_open_and_post_entry(
  p_types text[], p_owner_types text[], p_owner_ids text[], p_orgs uuid[], p_account_metas jsonb[], p_hash_head text,
  p_key text, p_kind text, p_ref text, p_actor text, p_meta jsonb,
  p_debits bigint[], p_credits bigint[], p_amounts bigint[]
) RETURNS TABLE (ord int, status text, entry_id bigint, created_at text, transfer_ids bigint[], actor text, metadata jsonb, detail jsonb, account_ids bigint[])
LANGUAGE plpgsql AS $fn$
DECLARE
  v_ids bigint[];
  v_debits bigint[];
  v_credits bigint[];
  v_hash text;
  r record;
BEGIN
  BEGIN
    INSERT INTO ledger_accounts AS a (type, owner_type, owner_id, organization_id, guard, metadata)
    SELECT i.type, i.owner_type, i.owner_id, i.org, t.default_guard, i.meta
      FROM unnest(p_types, p_owner_types, p_owner_ids, p_orgs, p_account_metas) WITH ORDINALITY AS i (type, owner_type, owner_id, org, meta, o)
      JOIN ledger_account_types t ON t.code = i.type
     ORDER BY i.o
    ON CONFLICT (type, owner_type, owner_id) DO NOTHING;
    v_ids := ARRAY(
      SELECT a.id FROM unnest(p_types, p_owner_types, p_owner_ids) WITH ORDINALITY AS k (type, owner_type, owner_id, o)
        LEFT JOIN ledger_accounts a ON a.type = k.type AND a.owner_type = k.owner_type AND a.owner_id = k.owner_id
       ORDER BY k.o);
    IF array_position(v_ids, NULL) IS NOT NULL THEN
      RAISE EXCEPTION 'ledger_open_and_post_entry: account % could not be opened (unknown type?)', array_position(v_ids, NULL) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_debits := ARRAY(SELECT CASE WHEN u.x < 0 THEN v_ids[-u.x] ELSE u.x END FROM unnest(p_debits) WITH ORDINALITY AS u (x, o) ORDER BY u.o);
    v_credits := ARRAY(SELECT CASE WHEN u.x < 0 THEN v_ids[-u.x] ELSE u.x END FROM unnest(p_credits) WITH ORDINALITY AS u (x, o) ORDER BY u.o);
    SELECT encode(sha256(convert_to(p_hash_head || string_agg('["' || u.d || '","' || u.c || '",' || u.a || ']', ',' ORDER BY u.o) || ']}', 'UTF8')), 'hex')
      INTO v_hash FROM unnest(v_debits, v_credits, p_amounts) WITH ORDINALITY AS u (d, c, a, o);
    -- ledger_post_entry answers with exactly one row
    SELECT * INTO r FROM ledger_post_entry(p_key, p_kind, p_ref, p_actor, p_meta, v_hash, v_debits, v_credits, p_amounts);
    IF r.status NOT IN ('posted', 'replayed') THEN
      RAISE EXCEPTION 'refused' USING ERRCODE = 'HGR01';
    END IF;
  EXCEPTION WHEN SQLSTATE 'HGR01' THEN
    v_ids := NULL; -- a refusal: the accounts are not opened either (r keeps the refusal)
  END;
  RETURN QUERY SELECT r.ord, r.status, r.entry_id, r.created_at, r.transfer_ids, r.actor, r.metadata, r.detail, v_ids;
END;
$fn$;
`;
