import { MigrationInterface, QueryRunner } from 'typeorm';
import { DISTRIBUTE_FRESH_FUNCTION as PREVIOUS_DISTRIBUTE_FRESH } from './1765000000000-ledger-performance';

/**
 * Distribution performance (issue 5: a million grants in under a minute). Two per-row costs of
 * `ledger_distribute` go:
 *
 * 1. Per-row foreign-key checks. `ledger_transfers.entry_id → ledger_entries` and
 *    `ledger_accounts.type → ledger_account_types` were checked by one SPI query and one row lock per
 *    inserted row (a 5,000-grant chunk: 10,000 of them, about a third of the inserts' time). They are
 *    replaced by statement-level triggers over the statement's transition table that prove the same
 *    thing with one query per statement: every new transfer's entry exists, every new or retyped
 *    account's type exists (the types are KEY SHARE-locked as the foreign key did, so a type cannot
 *    be deleted under a concurrent insert). Deleting or renaming a type still in use is refused by a
 *    trigger on ledger_account_types; entries are never deleted (append-only triggers, 1764200000000).
 *    Violations raise SQLSTATE 23503 (foreign_key_violation) with the old constraint's name, as before.
 * 2. Speculative insertion. `ledger_distribute_fresh` first inserts the accounts and entries with
 *    plain INSERTs (a fresh chunk's keys and owners are all new) and falls back to the previous
 *    ON CONFLICT statements only when a unique violation says something existed already.
 *
 * The table layout (columns, indexes, what an entry or transfer holds) is unchanged.
 */
export class DistributionPerformance1765300000000 implements MigrationInterface {
  name = 'DistributionPerformance1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_entry_id_fkey;
      ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_type_fkey;
    `);
    await q.query(TRANSFERS_ENTRY_CHECK);
    await q.query(ACCOUNTS_TYPE_CHECK);
    await q.query(TYPES_IN_USE_CHECK);
    await q.query(`
      CREATE TRIGGER ledger_transfers_entry_exists AFTER INSERT ON ledger_transfers
        REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_entry_exists();
      CREATE TRIGGER ledger_accounts_type_exists AFTER INSERT ON ledger_accounts
        REFERENCING NEW TABLE AS new_accounts FOR EACH STATEMENT EXECUTE FUNCTION ledger_accounts_type_exists();
      CREATE TRIGGER ledger_accounts_type_exists_on_update AFTER UPDATE OF type ON ledger_accounts
        FOR EACH ROW WHEN (OLD.type IS DISTINCT FROM NEW.type) EXECUTE FUNCTION ledger_accounts_type_exists();
      CREATE TRIGGER ledger_account_types_in_use BEFORE DELETE OR UPDATE OF code ON ledger_account_types
        FOR EACH ROW EXECUTE FUNCTION ledger_account_types_in_use();
    `);
    await q.query(DISTRIBUTE_CAREFUL_FUNCTION);
    await q.query(DISTRIBUTE_FRESH_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(PREVIOUS_DISTRIBUTE_FRESH_FUNCTION);
    await q.query(`DROP FUNCTION ledger_distribute_careful`);
    await q.query(`
      DROP TRIGGER ledger_account_types_in_use ON ledger_account_types;
      DROP TRIGGER ledger_accounts_type_exists_on_update ON ledger_accounts;
      DROP TRIGGER ledger_accounts_type_exists ON ledger_accounts;
      DROP TRIGGER ledger_transfers_entry_exists ON ledger_transfers;
      DROP FUNCTION ledger_account_types_in_use, ledger_accounts_type_exists, ledger_transfers_entry_exists;
      ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_type_fkey FOREIGN KEY (type) REFERENCES ledger_account_types (code);
      ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES ledger_entries (id);
    `);
  }
}

/**
 * Every transfer the statement inserted points at an existing entry: one probe of the entries'
 * primary key per row, in one query (OFFSET 0 keeps it a nested loop of index probes whatever the
 * planner guesses about the transition table's size).
 */
const TRANSFERS_ENTRY_CHECK = `
CREATE FUNCTION ledger_transfers_entry_exists() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  v_missing bigint;
BEGIN
  SELECT n.entry_id INTO v_missing FROM new_transfers n
    LEFT JOIN LATERAL (SELECT 1 AS ok FROM ledger_entries e WHERE e.id = n.entry_id OFFSET 0) x ON true
   WHERE x.ok IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert on table "ledger_transfers" violates foreign key constraint "ledger_transfers_entry_id_fkey"'
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (entry_id)=(%s) is not present in table "ledger_entries".', v_missing),
            TABLE = 'ledger_transfers', CONSTRAINT = 'ledger_transfers_entry_id_fkey';
  END IF;
  RETURN NULL;
END;
$fn$;
`;

/**
 * The accounts' types exist: the statement's distinct types (usually one), KEY SHARE-locked in code
 * order as the foreign key locked them, so that a concurrent DELETE of a type waits for this
 * transaction. Also fires per row when an UPDATE changes an account's type (never, in practice).
 */
const ACCOUNTS_TYPE_CHECK = `
CREATE FUNCTION ledger_accounts_type_exists() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  v_types text[];
  v_found int;
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    v_types := ARRAY[NEW.type];
  ELSE
    v_types := ARRAY(SELECT DISTINCT n.type FROM new_accounts n);
  END IF;
  SELECT count(*) INTO v_found FROM (
    SELECT t.code FROM ledger_account_types t WHERE t.code = ANY (v_types) ORDER BY t.code FOR KEY SHARE
  ) locked;
  IF v_found < cardinality(v_types) THEN
    RAISE EXCEPTION 'insert or update on table "ledger_accounts" violates foreign key constraint "ledger_accounts_type_fkey"'
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (type)=(%s) is not present in table "ledger_account_types".',
              (SELECT u.x FROM unnest(v_types) AS u (x) WHERE NOT EXISTS (SELECT 1 FROM ledger_account_types t WHERE t.code = u.x) LIMIT 1)),
            TABLE = 'ledger_accounts', CONSTRAINT = 'ledger_accounts_type_fkey';
  END IF;
  RETURN NULL;
END;
$fn$;
`;

/**
 * The referenced side of the former foreign key: a type still used by an account is neither deleted
 * nor renamed. The row is locked first, so an account being inserted concurrently (which holds a
 * KEY SHARE lock on its type) has committed or rolled back before the check looks for it; at READ
 * COMMITTED the check then sees it. Under an older snapshot it would not, so other levels are refused.
 */
const TYPES_IN_USE_CHECK = `
CREATE FUNCTION ledger_account_types_in_use() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.code = NEW.code THEN
    RETURN NEW;
  END IF;
  -- a snapshot older than this statement would miss an account committed after it (a foreign key's
  -- check sees those): the check is only sound at READ COMMITTED, so other levels must retry there
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'ledger_account_types may be renamed or deleted only at READ COMMITTED isolation'
      USING ERRCODE = 'serialization_failure';
  END IF;
  PERFORM 1 FROM ledger_account_types t WHERE t.code = OLD.code FOR UPDATE;
  IF EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.type = OLD.code) THEN
    RAISE EXCEPTION 'update or delete on table "ledger_account_types" violates foreign key constraint "ledger_accounts_type_fkey" on table "ledger_accounts"'
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (code)=(%s) is still referenced from table "ledger_accounts".', OLD.code),
            TABLE = 'ledger_account_types', CONSTRAINT = 'ledger_accounts_type_fkey';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$fn$;
`;

/**
 * As before (1765000000000), but a fresh chunk — every owner and key new — is written with plain
 * INSERTs: ON CONFLICT's speculative insertion cost a quarter of the accounts' and entries' time.
 * When something existed already (a unique violation), the inner block is rolled back and the
 * previous version, kept as ledger_distribute_careful, does the whole chunk with ON CONFLICT.
 */
export const DISTRIBUTE_FRESH_FUNCTION = `
CREATE OR REPLACE FUNCTION ledger_distribute_fresh(
  p_debit bigint, p_debit_guard text, p_kind text, p_ref text, p_actor text, p_type text, p_owner_type text, p_org uuid, p_hash_head text,
  p_owner_ids text[], p_holders uuid[], p_keys text[], p_amounts bigint[]
) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  v_acc bigint[];
  v_total bigint;
BEGIN
  BEGIN
    -- accounts (with their credit on the row), entries and transfers, all new
    WITH i AS (
      SELECT u.owner_id, u.holder, u.amt, u.ord FROM unnest(p_owner_ids, p_holders, p_amounts) WITH ORDINALITY AS u (owner_id, holder, amt, ord)
    ), ins AS (
      INSERT INTO ledger_accounts AS a (type, owner_type, owner_id, organization_id, holder_user_id, guard, credits_posted)
      SELECT p_type, p_owner_type, i.owner_id, p_org, i.holder, 'debits_le_credits', i.amt FROM i ORDER BY i.ord
      RETURNING a.id, a.owner_id
    )
    SELECT array_agg(ins.id ORDER BY i.ord) INTO v_acc FROM i JOIN ins ON ins.owner_id = i.owner_id;

    WITH i AS (
      SELECT u.k, u.amt, u.acc, u.ord FROM unnest(p_keys, p_amounts, v_acc) WITH ORDINALITY AS u (k, amt, acc, ord)
    ), ins AS (
      INSERT INTO ledger_entries (idempotency_key, kind, reference, actor, metadata, transfer_count, content_hash)
      SELECT i.k, p_kind, p_ref, p_actor, NULL, 1,
             encode(sha256(convert_to(p_hash_head || '["' || p_debit || '","' || i.acc || '",' || i.amt || ']]}', 'UTF8')), 'hex')
        FROM i ORDER BY i.ord
      RETURNING ledger_entries.id, ledger_entries.idempotency_key
    )
    INSERT INTO ledger_transfers (entry_id, debit_account_id, credit_account_id, amount, created_at)
    SELECT ins.id, p_debit, i.acc, i.amt, now() FROM ins JOIN i ON i.k = ins.idempotency_key ORDER BY i.ord;
  EXCEPTION WHEN unique_violation THEN
    -- an owner or a key existed: the inner block is undone and the careful version does it all
    RETURN ledger_distribute_careful(p_debit, p_debit_guard, p_kind, p_ref, p_actor, p_type, p_owner_type, p_org, p_hash_head,
                                     p_owner_ids, p_holders, p_keys, p_amounts);
  END;

  -- the debited account's total (its row is locked by ledger_distribute)
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
 * The version of migration 1765000000000 (ON CONFLICT throughout), kept under its own name as the
 * fallback of the plain-insert path, and restored under its old name by `down`.
 */
function previousDistributeFresh(name: string, create: string): string {
  const head = 'CREATE FUNCTION ledger_distribute_fresh(';
  if (!PREVIOUS_DISTRIBUTE_FRESH.includes(head)) throw new Error('migration 1765000000000 no longer defines ledger_distribute_fresh as expected');
  return PREVIOUS_DISTRIBUTE_FRESH.replace(head, `${create} ${name}(`);
}
export const DISTRIBUTE_CAREFUL_FUNCTION = previousDistributeFresh('ledger_distribute_careful', 'CREATE FUNCTION');
const PREVIOUS_DISTRIBUTE_FRESH_FUNCTION = previousDistributeFresh('ledger_distribute_fresh', 'CREATE OR REPLACE FUNCTION');
