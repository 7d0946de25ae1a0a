import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idempotency_lock_and_lookup` (IdempotencyService.lockAndLookup, group-committed checkouts): takes
 * transaction-scoped advisory locks in a fixed order, THEN reads the stored Idempotency-Keys.
 *
 * Why a VOLATILE plpgsql function: under READ COMMITTED one SQL statement reads with the snapshot
 * taken when it started, so a statement that both waits for the locks and reads the keys misses a
 * key the lock holder committed while it waited (a retry landing on another API process then ran
 * the checkout again instead of replaying it). A VOLATILE function takes a new snapshot for each
 * statement it runs, so the read sees everything committed before the locks were granted, in the
 * same round trip as two statements would need two.
 *
 * `p_lock_timeout` (transaction-local, set before the locks are waited for) bounds how long this
 * and every later statement of the transaction waits for a lock; `p_generic_plans` switches the rest
 * of the transaction to generic plans (as IdempotencyService.claim's genericPlans option does).
 */
export class IdempotencyLockAndLookup1765850000000 implements MigrationInterface {
  name = 'IdempotencyLockAndLookup1765850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION idempotency_lock_and_lookup(p_locks text[], p_user_ids uuid[], p_scopes text[], p_keys text[], p_lock_timeout text, p_generic_plans boolean)
      RETURNS TABLE (user_id uuid, scope text, key text, request_hash text, response jsonb)
      LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        IF p_lock_timeout IS NOT NULL THEN PERFORM set_config('lock_timeout', p_lock_timeout, true); END IF;
        IF p_generic_plans THEN PERFORM set_config('plan_cache_mode', 'force_generic_plan', true); END IF;
        PERFORM pg_advisory_xact_lock(s.k) FROM (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest(p_locks) AS x ORDER BY 1) s;
        -- a new statement, so a new snapshot: keys committed while the locks were waited for are seen
        RETURN QUERY
          SELECT r.user_id, r.scope, r.key, r.request_hash, r.response
            FROM idempotency_requests r
            JOIN unnest(p_user_ids, p_scopes, p_keys) AS q (user_id, scope, key) ON r.user_id = q.user_id AND r.scope = q.scope AND r.key = q.key;
      END
      $fn$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION idempotency_lock_and_lookup(text[], uuid[], text[], text[], text, boolean)`);
  }
}
