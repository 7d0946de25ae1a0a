import { LedgerVerificationProcessor } from '@huigong/audit';
import { QueueRegistry, QUEUES } from '@huigong/common';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

/**
 * The scheduled ledger verification, end to end: the worker's job scheduler runs it (here every
 * second, LEDGER_VERIFY_CRON with a seconds field), each run is recorded, a tampered ledger turns
 * /health/ready degraded naming the problem and shows in the verification history; a clean run
 * after the repair restores readiness.
 */
describe('audit: scheduled ledger verification (e2e)', () => {
  let t: TestApp;
  let worker: INestApplicationContext;
  let auditor: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 0 }, { LEDGER_VERIFY_CRON: '* * * * * *', LEDGER_VERIFY_TZ: 'UTC' }) });
    worker = await startTestWorker(t.config);
    [auditor, admin] = await Promise.all(['auditor', 'admin'].map((u) => t.login(u)));
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  /** Runs SQL as a superuser with triggers off: how someone would tamper around the append-only guard. */
  async function asSuperuserAroundTriggers(sql: string, params: unknown[] = []): Promise<void> {
    const c = new Client({ connectionString: t.config.databaseUrl });
    await c.connect();
    try {
      await c.query(`SET session_replication_role = replica`);
      await c.query(sql, params);
    } finally {
      await c.end();
    }
  }

  const runs = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_verifications`))[0].n as number;
  const history = async (token = auditor) => (await t.http.get('/api/v1/audit/ledger/verifications?limit=5').set(bearer(token)).expect(200)).body;

  it('schedules the verification with the configured pattern and time zone', async () => {
    const schedulers = await t.app.get(QueueRegistry).get(QUEUES.audit).getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: 'nightly-ledger-verification', pattern: '* * * * * *', tz: 'UTC', name: 'verify-ledger' })]);
    expect(worker.get(LedgerVerificationProcessor)).toBeDefined();
  });

  it('records each run; readiness and the history say ok while the ledger is intact', async () => {
    await eventually(async () => (await runs()) >= 2, 30_000, 'two scheduled verification runs');
    const h = await history();
    expect(h).toMatchObject({ status: 'ok', latest: { ok: true, firstProblem: null }, lastSuccessAt: h.latest.at });
    expect(h.latest.entries).toBeGreaterThan(0); // the demo data's deposits and grants
    expect(h.items.length).toBeGreaterThanOrEqual(2);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', checks: { ledger: { ok: true } } });
    expect(ready.body.checks.ledger.degraded).toBeUndefined();
  });

  it('a tampered row: the next scheduled run fails, readiness is degraded naming it, the history shows it; repaired, a clean run restores readiness', async () => {
    // every entry sealed first, so the change shows as a hash mismatch of that very entry
    await eventually(async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_seals s WHERE s.entry_id = e.id)`))[0].n === 0, 30_000, 'all entries sealed');
    const [victim] = await t.dataSource.query(`SELECT id::text AS id, entry_id::text AS entry_id FROM ledger_transfers ORDER BY id LIMIT 1`);
    const [{ last }] = await t.dataSource.query(`SELECT coalesce(max(id), 0)::int AS last FROM ledger_verifications`);
    await asSuperuserAroundTriggers(`UPDATE ledger_transfers SET amount = amount + 1 WHERE id = $1`, [victim.id]);

    const failed = await eventually(async () => {
      const [r] = await t.dataSource.query(`SELECT id::int AS id, ok FROM ledger_verifications WHERE id > $1 ORDER BY id DESC LIMIT 1`, [last]);
      return r && !r.ok ? r : null;
    }, 30_000, 'a failed scheduled verification');
    expect(failed.ok).toBe(false);

    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.ledger).toMatchObject({ ok: true, degraded: true, detail: expect.stringContaining(`entry ${victim.entry_id}`) });
    for (const token of [auditor, admin]) {
      const h = await history(token);
      expect(h).toMatchObject({ status: 'failed', latest: { ok: false, firstProblem: { kind: 'entry', id: victim.entry_id, reason: expect.stringMatching(/hash does not match/) } } });
      expect(h.lastSuccessAt).not.toBeNull();
    }
    // union admins, workers and suppliers do not see the verification history
    const demoUnionAdmin = await t.login('union-admin');
    await t.http.get('/api/v1/audit/ledger/verifications').set(bearer(demoUnionAdmin)).expect(403);

    await asSuperuserAroundTriggers(`UPDATE ledger_transfers SET amount = amount - 1 WHERE id = $1`, [victim.id]);
    await eventually(async () => (await t.http.get('/health/ready')).body.status === 'ok', 30_000, 'readiness restored by a clean run');
    expect((await history()).status).toBe('ok');
    await t.http.get('/api/v1/audit/ledger/verifications?limit=0').set(bearer(auditor)).expect(400);
  });

  it('LEDGER_VERIFY_CRON=off: a worker started with it removes the schedule', async () => {
    const off = await startTestWorker({ ...t.config, ledgerVerifyCron: null });
    try {
      expect(await t.app.get(QueueRegistry).get(QUEUES.audit).getJobSchedulers()).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
