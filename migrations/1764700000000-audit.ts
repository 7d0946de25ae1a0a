import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit (libs/audit) reads; it owns no tables. Two indexes for its queries:
 * - order_payments by campaign: the campaign trace and audit pack find every order a campaign's
 *   grants paid for without scanning all payments;
 * - ledger_entries by time, as BRIN: period exports find the entries of a period. Entries are
 *   appended in time order, so a BRIN index is a few pages and costs the posting path next to nothing
 *   (a B-tree would add a write to every entry).
 */
export class Audit1764700000000 implements MigrationInterface {
  name = 'Audit1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX order_payments_campaign ON order_payments (campaign_id);
      CREATE INDEX ledger_entries_created_brin ON ledger_entries USING brin (created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_entries_created_brin; DROP INDEX order_payments_campaign;`);
  }
}
