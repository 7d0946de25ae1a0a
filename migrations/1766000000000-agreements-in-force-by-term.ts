import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The agreement in force is computed from the terms (the latest-signed agreement whose term covers
 * today, Beijing time), no longer from a status flipped at signing: signing a renewal ahead of time
 * marked the current agreement `superseded` at once and left the union with none in force until the
 * renewal's term started. The stored status and its "one active per union" index go; the API reports
 * each agreement's state computed from the terms. The index serves the in-force lookup and the list.
 */
export class AgreementsInForceByTerm1766000000000 implements MigrationInterface {
  name = 'AgreementsInForceByTerm1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX union_agreements_active`);
    await q.query(`ALTER TABLE union_agreements DROP COLUMN status`);
    await q.query(`CREATE INDEX union_agreements_union ON union_agreements (union_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX union_agreements_union`);
    await q.query(`ALTER TABLE union_agreements ADD COLUMN status text NOT NULL DEFAULT 'superseded' CHECK (status IN ('active', 'superseded'))`);
    await q.query(
      `UPDATE union_agreements a SET status = 'active'
        WHERE a.id = (SELECT l.id FROM union_agreements l WHERE l.union_id = a.union_id ORDER BY l.created_at DESC, l.id DESC LIMIT 1)`,
    );
    await q.query(`ALTER TABLE union_agreements ALTER COLUMN status SET DEFAULT 'active'`);
    await q.query(`CREATE UNIQUE INDEX union_agreements_active ON union_agreements (union_id) WHERE status = 'active'`);
  }
}
