import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Checkout (issue 7): a checkout group's last statement now also carries the transaction's COMMIT
 * (`...; COMMIT` in one message, TransactionRunner.run({ fold: true })), so a group whose stock fell
 * short while it was writing must fail that statement, not answer a row, or the COMMIT after it would
 * keep its orders without their stock. `raise_error` lets a statement fail with a code of its own
 * and a detail (StockService.reserveManyCte raises HG001 with the locked stock as JSON); VOLATILE, so
 * it runs only when the statement reaches it.
 */
export class StockShortRaise1765940000000 implements MigrationInterface {
  name = 'StockShortRaise1765940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION raise_error(code text, message text, detail text) RETURNS int
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION raise_error(text, text, text)`);
  }
}
