import { MigrationInterface, QueryRunner } from 'typeorm';
import { BALANCE_FUNCTION as PREVIOUS_BALANCE_FUNCTION } from './1765000000000-ledger-performance';

/**
 * Checkout performance (issue 7). `ledger_account_balance` becomes plpgsql with the same body and
 * result: as a SQL function that cannot be inlined (its body has a FROM and a sub-select) PostgreSQL
 * planned its query again on every call, ~0.17 ms per grant in each checkout's spendable-grants
 * read to run a ~0.03 ms primary-key probe; plpgsql keeps the plan for the session.
 */
export class CheckoutPerformance1765650000000 implements MigrationInterface {
  name = 'CheckoutPerformance1765650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(BALANCE_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(PREVIOUS_BALANCE_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}

const BALANCE_FUNCTION = `
CREATE OR REPLACE FUNCTION ledger_account_balance(p_id bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN (
    SELECT a.credits_posted - a.debits_posted
           + CASE WHEN a.guard = 'none' THEN coalesce((SELECT sum(t.credits - t.debits) FROM ledger_account_totals t WHERE t.account_id = a.id), 0) ELSE 0 END
      FROM ledger_accounts a WHERE a.id = p_id);
END;
$fn$;
`;
