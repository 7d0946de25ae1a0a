import { dropDatabase, ensureDatabase } from '@huigong/common';
import { MIGRATIONS } from '@huigong/migrations';
import { DataSource } from 'typeorm';
import { testConfig } from './support/test-app';

/**
 * Migration 1765980000000 keys union welfare rules by (union, setter). The rules written before it
 * (one per union) go to the organization of the admin who wrote them last when that organization is
 * the union, a union above it, or the platform; otherwise (no writer, a writer elsewhere) to the
 * union itself. Down keeps the lowest rule of each union.
 */
describe('migration: welfare rules record who set them (e2e)', () => {
  const url = testConfig().databaseUrl;
  let ds: DataSource;
  const migrate = (n: number) => ds.runMigrations({ transaction: 'each' }).then(() => expect(ds.migrations.length).toBe(n));
  // the migrations up to this one (later ones may follow it in MIGRATIONS)
  const upTo = MIGRATIONS.findIndex((m) => m.name === 'WelfareRuleSetter1765980000000') + 1;

  beforeAll(async () => {
    await ensureDatabase(url);
    ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS.slice(0, upTo - 1), migrationsTransactionMode: 'each', logging: false });
    await ds.initialize();
    await migrate(upTo - 1);
  });

  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(url).catch(() => undefined);
  });

  it('attributes each existing union rule to its last writer’s organization (or the union), then keys them by setter', async () => {
    expect(upTo).toBeGreaterThan(0);
    const org = async (type: string, name: string, parent?: { id: string; path: string }) => {
      const [o] = await ds.query(
        `INSERT INTO organizations (id, type, name, parent_id, path) SELECT id, $1, $2, $3::uuid, coalesce($4, '/') || id || '/' FROM (SELECT gen_random_uuid() AS id) g RETURNING id, path`,
        [type, name, parent?.id ?? null, parent?.path ?? null],
      );
      return o as { id: string; path: string };
    };
    const user = async (o: { id: string }, username: string, role: string) =>
      (await ds.query(`INSERT INTO users (organization_id, username, display_name, password_hash, roles) VALUES ($1, $2, $2, 'x', ARRAY[$3]) RETURNING id`, [o.id, username, role]))[0].id as string;
    const platform = await org('platform', '平台');
    const federation = await org('union', '市总工会');
    const district = await org('union', '区总工会', federation);
    const enterprise = await org('union', '企业工会', district);
    const sibling = await org('union', '兄弟工会', federation);
    const [platformAdmin, fedAdmin, entAdmin] = [
      await user(platform, 'p-admin', 'platform_admin'),
      await user(federation, 'f-admin', 'union_admin'),
      await user(enterprise, 'e-admin', 'union_admin'),
    ];
    const rule = async (unionId: string, fen: number, by: string | null) =>
      (await ds.query(`INSERT INTO welfare_rules (scope, union_id, annual_cap_fen, updated_by) VALUES ('union', $1, $2, $3) RETURNING id`, [unionId, fen, by]))[0].id as string;
    const byFederation = await rule(enterprise.id, 100_000, fedAdmin); // a parent's cap on a child
    const byItself = await rule(federation.id, 180_000, fedAdmin);
    const byPlatform = await rule(district.id, 150_000, platformAdmin);
    const byNobody = await rule(sibling.id, 120_000, null);
    // written by an admin who is not above the union (e.g. moved since): stays with the union
    await ds.query(`UPDATE welfare_rules SET updated_by = $1 WHERE id = $2`, [entAdmin, byPlatform]);
    await ds.query(`INSERT INTO welfare_rules (scope, region_prefix, annual_cap_fen) VALUES ('platform', NULL, 200000)`);

    await ds.destroy();
    ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS.slice(0, upTo), migrationsTransactionMode: 'each', logging: false });
    await ds.initialize();
    await migrate(upTo);

    const setters = Object.fromEntries(
      (await ds.query(`SELECT id, set_by_organization_id FROM welfare_rules WHERE scope = 'union'`)).map((r: { id: string; set_by_organization_id: string }) => [r.id, r.set_by_organization_id]),
    );
    expect(setters).toEqual({ [byFederation]: federation.id, [byItself]: federation.id, [byPlatform]: district.id, [byNobody]: sibling.id });
    expect((await ds.query(`SELECT set_by_organization_id FROM welfare_rules WHERE scope = 'platform'`))[0].set_by_organization_id).toBeNull();

    // the enterprise may now hold a rule of its own beside the federation's; a union rule needs a setter
    await ds.query(`INSERT INTO welfare_rules (scope, union_id, set_by_organization_id, annual_cap_fen) VALUES ('union', $1, $1, 80000)`, [enterprise.id]);
    await expect(ds.query(`INSERT INTO welfare_rules (scope, union_id, set_by_organization_id, annual_cap_fen) VALUES ('union', $1, $2, 1)`, [enterprise.id, federation.id])).rejects.toThrow(/welfare_rules_union/);
    await expect(ds.query(`INSERT INTO welfare_rules (scope, union_id, annual_cap_fen) VALUES ('union', $1, 1)`, [district.id])).rejects.toThrow(/welfare_rules_set_by/);

    // down: one rule per union again, the lowest (binding) one kept
    await ds.undoLastMigration({ transaction: 'each' });
    const left = await ds.query(`SELECT union_id, annual_cap_fen::int AS fen FROM welfare_rules WHERE union_id = $1`, [enterprise.id]);
    expect(left).toEqual([{ union_id: enterprise.id, fen: 80_000 }]);
  });
});
