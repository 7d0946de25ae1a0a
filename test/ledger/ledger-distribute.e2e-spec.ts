import { AccountType, DistributeInput, InsufficientFundsError, LedgerQueryService, LedgerVerifier, LedgerSealer } from '@huigong/ledger';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/test-app';
import { LedgerFixture } from './ledger-fixtures';

/** LedgerService.distribute: the set-based bulk crediting primitive behind campaign distribution. */
describe('ledger: bulk distribute (e2e)', () => {
  let t: TestApp;
  let f: LedgerFixture;
  let q: LedgerQueryService;

  beforeAll(async () => {
    t = await startTestApp({ seed: false });
    f = new LedgerFixture(t.app);
    q = t.app.get(LedgerQueryService);
  });
  afterAll(() => t.close());

  async function pool(fen: number) {
    const org = randomUUID();
    const { account } = await f.funded(AccountType.CampaignPool, fen, { organizationId: org });
    return { org, pool: account };
  }

  function input(poolId: string, org: string, tag: string, amounts: number[]): DistributeInput {
    return {
      debitAccountId: poolId,
      kind: 'campaign.grant',
      reference: `campaign:${tag}`,
      actor: 'system:distribution',
      accountType: AccountType.WorkerGrant,
      ownerType: 'member_grant',
      organizationId: org,
      credits: amounts.map((amount, i) => ({ ownerId: `${tag}:m${i}`, idempotencyKey: `grant:${tag}:m${i}`, amount })),
    };
  }

  const balance = async (id: string) => (await q.account(id)).balance;

  it('opens one account per credit, posts one entry each and moves exactly the total', async () => {
    const { org, pool: p } = await pool(10_000);
    const tag = randomUUID();
    const amounts = Array.from({ length: 250 }, (_, i) => 1 + (i % 7));
    const total = amounts.reduce((a, b) => a + b, 0);
    const r = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, amounts)));
    expect(r).toMatchObject({ posted: 250, replayed: 0, totalFen: total });
    expect(new Set(r.accountIds).size).toBe(250);
    expect(await balance(p.id)).toBe(10_000 - total);
    for (const i of [0, 1, 124, 249]) {
      const acc = await q.account(r.accountIds[i]);
      expect(acc).toMatchObject({ type: 'worker_grant', ownerType: 'member_grant', ownerId: `${tag}:m${i}`, organizationId: org, balance: amounts[i] });
    }
    const [row] = await f.ds.query(
      `SELECT count(*)::int AS entries, count(DISTINCT t.credit_account_id)::int AS accounts, sum(t.amount)::bigint AS fen
         FROM ledger_entries e JOIN ledger_transfers t ON t.entry_id = e.id WHERE e.reference = $1 AND e.transfer_count = 1 AND t.debit_account_id = $2`,
      [`campaign:${tag}`, p.id],
    );
    expect(row).toEqual({ entries: 250, accounts: 250, fen: String(total) });
    // the ledger stays consistent: sealed hashes and every account's totals re-derive from transfers
    await t.app.get(LedgerSealer).sealPending();
    const v = await t.app.get(LedgerVerifier).verify();
    expect(v.ok).toBe(true);
  });

  it('is idempotent per credit: a re-run replays, a partial overlap posts only the new credits', async () => {
    const { org, pool: p } = await pool(1_000);
    const tag = randomUUID();
    const first = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 20, 30])));
    const again = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 20, 30])));
    expect(again).toEqual({ posted: 0, replayed: 3, totalFen: 60, accountIds: first.accountIds });
    expect(await balance(p.id)).toBe(940);
    const more = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 20, 30, 40, 50])));
    expect(more).toMatchObject({ posted: 2, replayed: 3 });
    expect(more.accountIds.slice(0, 3)).toEqual(first.accountIds);
    expect(await balance(p.id)).toBe(850);
    expect(await balance(more.accountIds[4])).toBe(50);
    const [{ n }] = await f.ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1`, [`campaign:${tag}`]);
    expect(n).toBe(5);
  });

  it('writes entries postMany recognises: the same grant through postMany is a replay, other content a conflict', async () => {
    const { org, pool: p } = await pool(1_000);
    const tag = randomUUID();
    const r = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [70])));
    const same = await f.post({ kind: 'campaign.grant', reference: `campaign:${tag}`, idempotencyKey: `grant:${tag}:m0`, transfers: [{ debitAccountId: p.id, creditAccountId: r.accountIds[0], amount: 70 }] });
    expect(same.replayed).toBe(true);
    await expect(
      f.post({ kind: 'campaign.grant', reference: `campaign:${tag}`, idempotencyKey: `grant:${tag}:m0`, transfers: [{ debitAccountId: p.id, creditAccountId: r.accountIds[0], amount: 71 }] }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 409 });
    expect(await balance(p.id)).toBe(930);
  });

  it('is all or nothing: a conflicting key or an uncovered total writes nothing at all', async () => {
    const { org, pool: p } = await pool(100);
    const tag = randomUUID();
    await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10])));
    const before = { entries: await f.count('ledger_entries'), accounts: await f.count('ledger_accounts'), transfers: await f.count('ledger_transfers') };
    // m0 again with another amount: conflict, and m1, m2 (new) are not written either
    await expect(f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [11, 5, 5])))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      details: { idempotencyKey: `grant:${tag}:m0`, index: 0 },
    });
    // 90 left: 10 (replay) + 50 + 50 new is 100 > 90
    const err = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 50, 50]))).catch((e) => e);
    expect(err).toBeInstanceOf(InsufficientFundsError);
    expect(err.details).toMatchObject({ accountId: p.id, balance: 90, attempted: 100, shortfall: 10 });
    // a refusal in a later 5,000-credit batch takes the earlier batches of the call back
    const big = await pool(5_000);
    const bigTag = randomUUID();
    await expect(f.tx.run((em) => f.ledger.distribute(em, input(big.pool.id, big.org, bigTag, Array.from({ length: 5_001 }, () => 1))))).rejects.toBeInstanceOf(InsufficientFundsError);
    expect(await balance(big.pool.id)).toBe(5_000);
    expect(await balance(p.id)).toBe(90);
    expect({ entries: await f.count('ledger_entries'), accounts: await f.count('ledger_accounts') - 2, transfers: await f.count('ledger_transfers') }).toEqual({
      entries: before.entries + 1, // the big pool's funding deposit
      accounts: before.accounts,
      transfers: before.transfers + 1,
    });
  });

  it('credits an account that was opened before, and refuses bad input and unknown accounts', async () => {
    const { org, pool: p } = await pool(500);
    const tag = randomUUID();
    const pre = await f.open(AccountType.WorkerGrant, { ownerType: 'member_grant', ownerId: `${tag}:m1`, organizationId: org });
    const r = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [100, 200])));
    expect(r.accountIds[1]).toBe(pre.id);
    expect(await balance(pre.id)).toBe(200);
    expect(await balance(r.accountIds[0])).toBe(100);
    const dup = input(p.id, org, randomUUID(), [1, 1]);
    dup.credits[1].ownerId = dup.credits[0].ownerId;
    await expect(f.tx.run((em) => f.ledger.distribute(em, dup))).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', status: 400 });
    await expect(f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, randomUUID(), [0])))).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', details: { field: 'credits[0].amount' } });
    await expect(f.tx.run((em) => f.ledger.distribute(em, input('999999999', org, randomUUID(), [1])))).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND', status: 422 });
  });

  it('runs on connections with JIT compilation off (it only slows big set-based statements down)', async () => {
    expect(await f.tx.run((em) => em.query(`SHOW jit`))).toEqual([{ jit: 'off' }]);
  });

  it('keeps what the foreign keys it replaces kept: transfers need their entry, accounts a known type, a used type stays (23503)', async () => {
    const { org, pool: p } = await pool(1_000);
    // one transaction, rolled back at the end: the probes leave nothing behind (an entry without
    // transfers would not verify); each refusal is undone to its savepoint
    const qr = t.dataSource.createQueryRunner();
    await qr.startTransaction();
    const refused = async (sql: string, params: unknown[] = []) => {
      await qr.query('SAVEPOINT probe');
      const err = await qr.query(sql, params).then(
        () => null,
        (e: { code?: string; constraint?: string }) => e,
      );
      await qr.query('ROLLBACK TO SAVEPOINT probe');
      expect(err).toMatchObject({ code: '23503' });
      return err as { constraint?: string };
    };
    try {
      const [{ max }] = await qr.query(`SELECT coalesce(max(id), 0)::text AS max FROM ledger_entries`);
      // a statement inserting two transfers, one of them pointing at no entry: both refused
      const [{ id: entry }] = await qr.query(
        `INSERT INTO ledger_entries (idempotency_key, kind, reference, transfer_count, content_hash) VALUES ($1, 'test', 'test', 1, 'x') RETURNING id::text`,
        [`fk-test:${randomUUID()}`],
      );
      const t1 = await refused(
        `INSERT INTO ledger_transfers (entry_id, debit_account_id, credit_account_id, amount, created_at) VALUES ($1::bigint, $3::bigint, $3::bigint + 1, 1, now()), ($2::bigint, $3::bigint, $3::bigint + 1, 1, now())`,
        [entry, String(BigInt(max) + 1_000_000n), p.id],
      );
      expect(t1.constraint).toBe('ledger_transfers_entry_id_fkey');
      const [{ n }] = await qr.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE entry_id = $1`, [entry]);
      expect(n).toBe(0);
      // an account of a type that does not exist, beside a good one
      const a1 = await refused(
        `INSERT INTO ledger_accounts (type, owner_type, owner_id, organization_id, guard) VALUES ('worker_grant', 'fk_test', $2, $1, 'debits_le_credits'), ('no_such_type', 'fk_test', $3, $1, 'none')`,
        [org, randomUUID(), randomUUID()],
      );
      expect(a1.constraint).toBe('ledger_accounts_type_fkey');
      await refused(`UPDATE ledger_accounts SET type = 'no_such_type' WHERE id = $1`, [p.id]);
      // a type in use is neither deleted nor renamed; an unused one may be changed and deleted
      await refused(`DELETE FROM ledger_account_types WHERE code = 'campaign_pool'`);
      await refused(`UPDATE ledger_account_types SET code = 'campaign_pool_renamed' WHERE code = 'campaign_pool'`);
      await qr.query(`INSERT INTO ledger_account_types (code, default_guard) VALUES ('fk_test_unused', 'none')`);
      await qr.query(`UPDATE ledger_account_types SET code = 'fk_test_unused2' WHERE code = 'fk_test_unused'`);
      await qr.query(`DELETE FROM ledger_account_types WHERE code = 'fk_test_unused2'`);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
    // under REPEATABLE READ the in-use check could miss an account committed after the snapshot:
    // renaming or deleting a type is refused there (40001, retry at READ COMMITTED)
    const rr = t.dataSource.createQueryRunner();
    await rr.startTransaction('REPEATABLE READ');
    try {
      await rr.query(`INSERT INTO ledger_account_types (code, default_guard) VALUES ('fk_test_rr', 'none')`);
      const err = await rr.query(`UPDATE ledger_account_types SET code = 'fk_test_rr2' WHERE code = 'fk_test_rr'`).then(
        () => null,
        (e: { code?: string }) => e,
      );
      expect(err).toMatchObject({ code: '40001' });
    } finally {
      await rr.rollbackTransaction();
      await rr.release();
    }
  });

  it('never credits twice under concurrent runs of the same credits', async () => {
    const { org, pool: p } = await pool(100_000);
    const tag = randomUUID();
    const amounts = Array.from({ length: 400 }, () => 3);
    const runs = await Promise.all(Array.from({ length: 4 }, () => f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, amounts)))));
    expect(runs.reduce((a, r) => a + r.posted, 0)).toBe(400);
    expect(runs.every((r) => r.accountIds.join() === runs[0].accountIds.join())).toBe(true);
    expect(await balance(p.id)).toBe(100_000 - 1_200);
  });

  describe('with the debit deferred (beforeDebit): credits first, the debited account locked last', () => {
    it('credits and debits as the one-call path does, replays included, and calls the hook in between', async () => {
      const { org, pool: p } = await pool(1_000);
      const tag = randomUUID();
      const seen: number[] = [];
      const hook = async (em: import('typeorm').EntityManager) => {
        // the credits are written (in this transaction) and the pool is not debited yet
        const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1`, [`campaign:${tag}`]);
        seen.push(n, await balance(p.id));
      };
      const first = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 20, 30]), { beforeDebit: hook }));
      expect(first).toMatchObject({ posted: 3, replayed: 0, totalFen: 60 });
      expect(seen).toEqual([3, 1_000]);
      const more = await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 20, 30, 40]), { beforeDebit: hook }));
      expect(more).toMatchObject({ posted: 1, replayed: 3 });
      expect(more.accountIds.slice(0, 3)).toEqual(first.accountIds);
      expect(await balance(p.id)).toBe(900);
      expect(await balance(more.accountIds[3])).toBe(40);
      // the same credits through the one-call path: replays of these entries
      expect(await f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, [10, 20, 30, 40])))).toMatchObject({ posted: 0, replayed: 4 });
      await t.app.get(LedgerSealer).sealPending();
      expect((await t.app.get(LedgerVerifier).verify()).ok).toBe(true);
    });

    it('takes the credits back when the debit is refused or the hook throws, even if the caller goes on and commits', async () => {
      const { org, pool: p } = await pool(100);
      const tag = randomUUID();
      const before = { entries: await f.count('ledger_entries'), accounts: await f.count('ledger_accounts'), transfers: await f.count('ledger_transfers') };
      // the caller catches the refusal and commits its transaction anyway: nothing of the call survives
      const refused = await f.tx.run(async (em) => f.ledger.distribute(em, input(p.id, org, tag, [60, 50]), { beforeDebit: async () => undefined }).catch((e) => e));
      expect(refused).toBeInstanceOf(InsufficientFundsError);
      expect(refused.details).toMatchObject({ accountId: p.id, balance: 100, attempted: 110, shortfall: 10 });
      const thrown = await f.tx.run(async (em) =>
        f.ledger
          .distribute(em, input(p.id, org, tag, [1]), {
            beforeDebit: async () => {
              throw new Error('hook refused');
            },
          })
          .catch((e) => e),
      );
      expect(thrown.message).toBe('hook refused');
      // a database error inside the hook: the savepoint is rolled back and the transaction usable again
      const sqlError = await f.tx.run(async (em) => {
        const e = await f.ledger.distribute(em, input(p.id, org, tag, [1]), { beforeDebit: async (h) => void (await h.query('SELECT 1/0')) }).catch((x) => x);
        await em.query('SELECT 1');
        return e;
      });
      expect(sqlError.message).toMatch(/division by zero/);
      expect({ entries: await f.count('ledger_entries'), accounts: await f.count('ledger_accounts'), transfers: await f.count('ledger_transfers') }).toEqual(before);
      expect(await balance(p.id)).toBe(100);
      await expect(f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, Array.from({ length: 5_001 }, () => 1)), { beforeDebit: async () => undefined }))).rejects.toMatchObject({
        code: 'INVALID_LEDGER_ENTRY',
        details: { field: 'credits' },
      });
    });

    it('lets two distributions from one account write their credits at the same time and take turns only for the debit', async () => {
      const { org, pool: p } = await pool(10_000);
      const tags = [randomUUID(), randomUUID()];
      // each hook waits until both calls have written their credits: with the debited account locked
      // before the inserts (the one-call path) the second would still be waiting for the first, and this never resolved
      let arrived = 0;
      let release!: () => void;
      const both = new Promise<void>((r) => (release = r));
      const hook = async () => {
        if (++arrived === 2) release();
        await Promise.race([both, new Promise((_, reject) => setTimeout(() => reject(new Error('the other distribution never got past its inserts')), 10_000))]);
      };
      const runs = await Promise.all(tags.map((tag) => f.tx.run((em) => f.ledger.distribute(em, input(p.id, org, tag, Array.from({ length: 300 }, () => 7)), { beforeDebit: hook }))));
      expect(runs.map((r) => r.posted)).toEqual([300, 300]);
      expect(await balance(p.id)).toBe(10_000 - 2 * 300 * 7);
      // and an overdraft between them is refused to the one that debits second
      const small = await pool(3_000);
      const settled = await Promise.allSettled(
        [randomUUID(), randomUUID()].map((tag) => f.tx.run((em) => f.ledger.distribute(em, input(small.pool.id, small.org, tag, Array.from({ length: 200 }, () => 10)), { beforeDebit: async () => undefined }))),
      );
      expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFundsError);
      expect(await balance(small.pool.id)).toBe(1_000);
    });
  });
});
