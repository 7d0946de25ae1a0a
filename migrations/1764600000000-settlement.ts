import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Supplier settlement (libs/settlement): runs, statements with their lines, payouts. Statements and
 * their lines are immutable once issued and payouts are append-only, in the database itself
 * (triggers), like the ledger. An order is on at most one statement line (unique order_id), and
 * `orders.settlement_statement_id` (ordering's row, claimed by one conditional update) stops a
 * settled order from being returned. Amounts are fen; `*_account_id` / `*_entry_id` point at ledger
 * rows (no foreign key across contexts).
 */
export class Settlement1764600000000 implements MigrationInterface {
  name = 'Settlement1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orders ADD COLUMN settlement_statement_id uuid;
      -- what a settlement run looks for: a supplier's completed orders not yet on a statement
      CREATE INDEX orders_settleable ON orders (supplier_id, completed_at)
        WHERE settlement_statement_id IS NULL AND state IN ('completed', 'return_declined');

      CREATE SEQUENCE settlement_statement_number_seq;

      CREATE TABLE settlement_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trigger text NOT NULL CHECK (trigger IN ('api', 'cli', 'schedule')),
        requested_by uuid REFERENCES users(id),
        supplier_id uuid,
        -- orders completed at or before the cutoff (now − SETTLEMENT_HOLD_DAYS) are settled
        cutoff timestamptz NOT NULL,
        statement_count int NOT NULL CHECK (statement_count >= 0),
        order_count int NOT NULL CHECK (order_count >= 0),
        total_fen bigint NOT NULL CHECK (total_fen >= 0),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX settlement_runs_started ON settlement_runs (started_at DESC, id);

      CREATE TABLE settlement_statements (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        run_id uuid NOT NULL REFERENCES settlement_runs(id) DEFERRABLE INITIALLY DEFERRED,
        supplier_id uuid NOT NULL,
        supplier_organization_id uuid NOT NULL,
        payable_account_id bigint NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        line_count int NOT NULL CHECK (line_count > 0),
        total_fen bigint NOT NULL CHECK (total_fen > 0),
        issued_at timestamptz NOT NULL DEFAULT now(),
        CHECK (period_end >= period_start)
      );
      CREATE INDEX settlement_statements_supplier ON settlement_statements (supplier_organization_id, issued_at DESC);
      CREATE INDEX settlement_statements_issued ON settlement_statements (issued_at DESC, id);

      CREATE TABLE settlement_statement_lines (
        statement_id uuid NOT NULL REFERENCES settlement_statements(id),
        line_no int NOT NULL CHECK (line_no > 0),
        -- an order is settled once, whatever runs overlap
        order_id uuid NOT NULL UNIQUE,
        union_id uuid NOT NULL,
        completed_at timestamptz NOT NULL,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        completion_entry_id bigint NOT NULL,
        PRIMARY KEY (statement_id, line_no)
      );

      CREATE TABLE settlement_payouts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- a statement is paid once
        statement_id uuid NOT NULL UNIQUE REFERENCES settlement_statements(id),
        supplier_id uuid NOT NULL,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        bank_reference text NOT NULL CHECK (length(bank_reference) BETWEEN 1 AND 64),
        paid_on date NOT NULL,
        ledger_entry_id bigint NOT NULL,
        recorded_by uuid NOT NULL REFERENCES users(id),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (supplier_id, bank_reference)
      );

      CREATE FUNCTION settlement_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'settlement table % is immutable once issued: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege', HINT = 'carry a correction on the next statement instead';
      END;
      $fn$;

      -- At commit, a statement's lines must add up to its count and total: lines cannot be added
      -- to an issued statement later, nor a statement issued without them.
      CREATE FUNCTION settlement_check_statement() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        v_id uuid;
        v_ok boolean;
      BEGIN
        -- (separate branches: each table's NEW has only its own columns)
        IF TG_TABLE_NAME = 'settlement_statements' THEN
          v_id := NEW.id;
        ELSE
          v_id := NEW.statement_id;
        END IF;
        SELECT s.line_count = count(l.line_no) AND s.total_fen = coalesce(sum(l.amount_fen), 0)
          INTO v_ok
          FROM settlement_statements s LEFT JOIN settlement_statement_lines l ON l.statement_id = s.id
         WHERE s.id = v_id GROUP BY s.id, s.line_count, s.total_fen;
        IF NOT coalesce(v_ok, false) THEN
          RAISE EXCEPTION 'settlement statement % does not add up to its lines', v_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END;
      $fn$;

      CREATE FUNCTION settlement_check_lines() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        v_bad uuid;
      BEGIN
        SELECT s.id INTO v_bad
          FROM settlement_statements s
          CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(l.amount_fen), 0) AS total
                                FROM settlement_statement_lines l WHERE l.statement_id = s.id) sums
         WHERE s.id IN (SELECT DISTINCT statement_id FROM new_lines)
           AND (s.line_count <> sums.n OR s.total_fen <> sums.total)
         LIMIT 1;
        IF v_bad IS NOT NULL OR EXISTS (SELECT 1 FROM new_lines n WHERE NOT EXISTS (SELECT 1 FROM settlement_statements s WHERE s.id = n.statement_id)) THEN
          RAISE EXCEPTION 'settlement statement % does not add up to its lines', coalesce(v_bad::text, '(missing)') USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END;
      $fn$;

      -- A payout pays exactly the statement's total.
      CREATE FUNCTION settlement_check_payout() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM settlement_statements s WHERE s.id = NEW.statement_id AND s.total_fen = NEW.amount_fen AND s.supplier_id = NEW.supplier_id) THEN
          RAISE EXCEPTION 'payout % does not match its statement %', NEW.id, NEW.statement_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END;
      $fn$;

      CREATE CONSTRAINT TRIGGER settlement_statements_add_up AFTER INSERT ON settlement_statements
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION settlement_check_statement();
      -- lines: checked once per INSERT statement over the rows it added (a row trigger re-summing
      -- the statement per line would cost n² at commit for a statement of n lines)
      CREATE TRIGGER settlement_statement_lines_add_up AFTER INSERT ON settlement_statement_lines
        REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION settlement_check_lines();
      CREATE TRIGGER settlement_payouts_match BEFORE INSERT ON settlement_payouts FOR EACH ROW EXECUTE FUNCTION settlement_check_payout();
    `);
    for (const table of ['settlement_statements', 'settlement_statement_lines', 'settlement_payouts']) {
      await q.query(`
        CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION settlement_refuse_change();
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION settlement_refuse_change();
        REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM PUBLIC;
      `);
    }
    // the production application role (created by the ledger migration) may read and append, never change
    await q.query(`GRANT SELECT, INSERT ON settlement_runs, settlement_statements, settlement_statement_lines, settlement_payouts TO huigong_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE settlement_payouts, settlement_statement_lines, settlement_statements, settlement_runs;
      DROP FUNCTION settlement_refuse_change, settlement_check_statement, settlement_check_lines, settlement_check_payout;
      DROP SEQUENCE settlement_statement_number_seq;
      DROP INDEX orders_settleable;
      ALTER TABLE orders DROP COLUMN settlement_statement_id;
    `);
  }
}
