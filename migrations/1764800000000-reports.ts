import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports (libs/reports) own no tables; the dashboards aggregate the other contexts' rows of one
 * period for a set of unions. These indexes make each aggregate a range scan per union that reads
 * the index alone (the columns summed are included), instead of a scan of every order, review or
 * grant. Each costs a checkout, a review or a credit one more index entry.
 */
export class Reports1764800000000 implements MigrationInterface {
  name = 'Reports1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX orders_union_placed ON orders (union_id, placed_at) INCLUDE (state, member_id, supplier_id, total_fen);
      CREATE INDEX order_reviews_union_created ON order_reviews (union_id, created_at) INCLUDE (stars);
      CREATE INDEX campaign_members_union_credited ON campaign_members (union_id, credited_at) INCLUDE (member_id, amount_fen)
        WHERE state = 'credited';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX campaign_members_union_credited, order_reviews_union_created, orders_union_placed`);
  }
}
