import { LedgerVerifier } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { APPEND_ONLY_TABLES } from '../migrations/1765100000000-app-role-grants';
import { assertMarketIntegrity, buildMarket, FAULT_ADDRESS, Outcome } from './support/fault-market';
import { bearer, eventually, startTestApp, startTestWorker, TestApp } from './support/test-app';

/**
 * Production runs the API and the worker as a login role that is a member of `huigong_app`, not as
 * the tables' owner. Here both run that way through a whole market (distribution, checkouts, sealing,
 * verification), the role's grants are checked table by table — so a migration that forgets to grant
 * on a new table fails — and the append-only tables refuse the role's UPDATE and DELETE in the
 * permission system itself, before any trigger.
 */
describe('the application as the huigong_app role (e2e)', () => {
  let owner: TestApp; // the tables' owner: migrates, seeds, inspects
  let app: TestApp; // the API as the application role
  let worker: INestApplicationContext;
  const role = `hg_app_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    owner = await startTestApp();
    await owner.dataSource.query(`CREATE ROLE ${role} LOGIN IN ROLE huigong_app`);
    const url = new URL(owner.config.databaseUrl);
    url.username = role;
    const config = { ...owner.config, databaseUrl: url.toString() };
    app = await startTestApp({ config, migrate: false, seed: false });
    worker = await startTestWorker(config);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await app?.app.close();
    await owner?.close();
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
  });

  it('connects as the role, not as a superuser', async () => {
    const [who] = await app.dataSource.query(`SELECT current_user AS name, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`);
    expect(who).toEqual({ name: role, superuser: false });
  });

  it('grants the role every table, and only read and insert on the append-only ones', async () => {
    const rows: { table: string; sel: boolean; ins: boolean; upd: boolean; del: boolean; trunc: boolean }[] = await owner.dataSource.query(`
      SELECT c.relname AS table,
             has_table_privilege('huigong_app', c.oid, 'SELECT') AS sel, has_table_privilege('huigong_app', c.oid, 'INSERT') AS ins,
             has_table_privilege('huigong_app', c.oid, 'UPDATE') AS upd, has_table_privilege('huigong_app', c.oid, 'DELETE') AS del,
             has_table_privilege('huigong_app', c.oid, 'TRUNCATE') AS trunc
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`);
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.filter((r) => !r.sel || !r.ins).map((r) => r.table)).toEqual([]);
    expect(rows.filter((r) => r.trunc).map((r) => r.table)).toEqual([]);
    const appendOnly = rows.filter((r) => APPEND_ONLY_TABLES.includes(r.table));
    expect(appendOnly.map((r) => r.table).sort()).toEqual([...APPEND_ONLY_TABLES].sort());
    expect(appendOnly.filter((r) => r.upd || r.del).map((r) => r.table)).toEqual([]);
    expect(rows.find((r) => r.table === 'orders')).toMatchObject({ upd: true, del: true });
  });

  it('runs a market as the role: distribution, checkouts, sealing and verification all work', async () => {
    const m = await buildMarket(app, { members: 6, points: 5_000, stock: 20, priceFen: 1_200, tag: 'AR' });
    const outcomes: Outcome[] = [];
    for (const [i, who] of m.members.entries()) {
      const key = `app-role-${i}`;
      const res = await app.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', key).send({ lines: [{ skuId: m.sku.skuId, quantity: 2 }], address: FAULT_ADDRESS });
      outcomes.push({ key, memberId: who.memberId, status: res.status, body: res.body });
    }
    expect(outcomes.map((o) => o.status)).toEqual(m.members.map(() => 201));
    await assertMarketIntegrity(owner.dataSource, m, outcomes, 'checkouts as the application role');
    // the worker, also as the role, seals everything
    await eventually(async () => {
      const [r] = await owner.dataSource.query(`SELECT count(*)::int AS n FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_seals s WHERE s.entry_id = e.id)`);
      return r.n === 0;
    }, 30_000, 'every entry sealed by the worker');
    const auditor = await app.login('auditor');
    const verified = await app.http.get('/api/v1/audit/ledger/verify').set(bearer(auditor)).expect(200);
    expect(verified.body).toMatchObject({ ok: true });
    expect((await owner.app.get(LedgerVerifier).verify({ record: false })).ok).toBe(true);
  }, 180_000);

  it('refuses the role any UPDATE, DELETE or TRUNCATE of an append-only table by permission, before the triggers', async () => {
    for (const sql of [
      `UPDATE ledger_entries SET kind = kind`,
      `DELETE FROM ledger_transfers`,
      `UPDATE ledger_blocks SET hash = hash`,
      `DELETE FROM settlement_statements`,
      `UPDATE stock_movements SET delta = delta`,
      `TRUNCATE ledger_entry_seals`,
    ]) {
      await expect(app.dataSource.query(sql)).rejects.toMatchObject({ code: '42501' });
    }
  });
});
