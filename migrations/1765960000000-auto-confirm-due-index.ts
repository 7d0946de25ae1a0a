import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The auto-confirm sweep (worker, every AUTO_CONFIRM_SWEEP_INTERVAL_MS) reads the delivered orders
 * whose delivered_at + AUTO_CONFIRM_DAYS has passed, oldest first, in pages by (delivered_at, id).
 * orders_state (state, placed_at, id) would read every delivered order to find them. This partial
 * index holds only the delivered ones: a checkout's insert (placed) adds no entry to it; the deliver
 * transition adds one, which later versions of the row (completed) no longer match.
 */
export class AutoConfirmDueIndex1765960000000 implements MigrationInterface {
  name = 'AutoConfirmDueIndex1765960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX orders_auto_confirm_due ON orders (delivered_at, id) WHERE state = 'delivered'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX orders_auto_confirm_due`);
  }
}
