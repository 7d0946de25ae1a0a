import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The production application role `huigong_app` (created by the ledger migration) gets what the API
 * and worker need on every table: read, insert, update, delete — except on the append-only and
 * immutable tables, where it may only read and insert. The triggers refuse changes even to the
 * owner; the grants make the same promise in the permission system, so a compromised application
 * cannot even try. A later migration that adds a table grants on it itself; a test checks that
 * every table in the schema is readable by the role, so a forgotten grant fails CI.
 */
export const APPEND_ONLY_TABLES = [
  'ledger_entries',
  'ledger_transfers',
  'ledger_blocks',
  'ledger_entry_seals',
  'ledger_verifications',
  'stock_movements',
  'product_transitions',
  'supplier_transitions',
  'settlement_statements',
  'settlement_statement_lines',
  'settlement_payouts',
];

export class AppRoleGrants1765100000000 implements MigrationInterface {
  name = 'AppRoleGrants1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO huigong_app;
      GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO huigong_app;
      REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY_TABLES.join(', ')} FROM huigong_app;
      -- accounts and their cached totals are updated (conditional balance updates), never deleted
      REVOKE DELETE, TRUNCATE ON ledger_accounts, ledger_account_totals, ledger_account_types FROM huigong_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM huigong_app;
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM huigong_app;
      GRANT SELECT, INSERT ON ledger_entries, ledger_transfers, ledger_blocks, ledger_entry_seals, ledger_verifications TO huigong_app;
      GRANT SELECT, INSERT, UPDATE ON ledger_accounts, ledger_account_totals, ledger_account_types TO huigong_app;
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO huigong_app;
      GRANT SELECT, INSERT ON settlement_runs, settlement_statements, settlement_statement_lines, settlement_payouts TO huigong_app;
    `);
  }
}
