import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A union welfare rule records who set it. Until now there was one union rule per union, and
 * whoever reached the union (its own admin, or an admin of a union above it) overwrote or removed
 * that one row: a district's ¥1,000 cap on an enterprise could be raised or deleted by the
 * enterprise's own admin. Now a union rule is keyed by (the union it applies to, the organization
 * that set it): a higher union's cap is a row of its own that the unions below cannot reach, and a
 * lower union's stricter cap is another row beside it; the lowest of all rules on the union's path
 * wins, as before.
 *
 * Existing rows are attributed to the organization of the admin who wrote them last (a union at or
 * above the rule's union, or the platform); a row without a writer, or whose writer's organization
 * no longer fits, stays with the union itself, which is who controlled it before.
 */
export class WelfareRuleSetter1765980000000 implements MigrationInterface {
  name = 'WelfareRuleSetter1765980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE welfare_rules ADD COLUMN set_by_organization_id uuid REFERENCES organizations(id);
      UPDATE welfare_rules r
         SET set_by_organization_id = coalesce(
               (SELECT s.id FROM users u JOIN organizations s ON s.id = u.organization_id, organizations t
                 WHERE u.id = r.updated_by AND t.id = r.union_id AND (s.type = 'platform' OR t.path LIKE s.path || '%')),
               r.union_id)
       WHERE r.scope = 'union';
      ALTER TABLE welfare_rules ADD CONSTRAINT welfare_rules_set_by CHECK ((scope = 'union') = (set_by_organization_id IS NOT NULL));
      DROP INDEX welfare_rules_union;
      CREATE UNIQUE INDEX welfare_rules_union ON welfare_rules (union_id, set_by_organization_id) WHERE scope = 'union';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // back to one rule per union: keep the binding (lowest) one of each union
    await q.query(`
      DELETE FROM welfare_rules r USING welfare_rules o
       WHERE r.scope = 'union' AND o.scope = 'union' AND o.union_id = r.union_id AND o.id <> r.id
         AND (o.annual_cap_fen, o.id) < (r.annual_cap_fen, r.id);
      DROP INDEX welfare_rules_union;
      CREATE UNIQUE INDEX welfare_rules_union ON welfare_rules (union_id) WHERE scope = 'union';
      ALTER TABLE welfare_rules DROP CONSTRAINT welfare_rules_set_by, DROP COLUMN set_by_organization_id;
    `);
  }
}
