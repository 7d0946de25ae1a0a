import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distribution (issue 5): each chunk looks up the holder (user_id) of 5,000 members by id. Through
 * members_pkey every lookup reads the member's heap page, and members are stored in roster order,
 * not id order, so a chunk read ~5,000 scattered pages (at a million members, most of them from
 * outside shared_buffers). This partial index holds only activated members, with their user id:
 * a member not yet activated is answered by the index alone (no entry), an activated one by an
 * index-only scan once the page is all-visible.
 */
export class DistributionHolderIndex1765600000000 implements MigrationInterface {
  name = 'DistributionHolderIndex1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX members_holder ON members (id) INCLUDE (user_id) WHERE user_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX members_holder`);
  }
}
