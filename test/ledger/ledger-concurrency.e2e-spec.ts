import { AccountType, GroupCommitPoster, InsufficientFundsError, LedgerQueryService, LedgerVerifier, PostedEntry } from '@huigong/ledger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/test-app';
import { LedgerFixture } from './ledger-fixtures';

/**
 * Invariants under real concurrency: many transactions at once through the real service, each in
 * its own database transaction on its own pooled connection.
 */
describe('ledger under concurrency (e2e)', () => {
  let t: TestApp;
  let f: LedgerFixture;
  let q: LedgerQueryService;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ seed: false });
    f = new LedgerFixture(t.app);
    q = t.app.get(LedgerQueryService);
    ds = t.dataSource;
  });
  afterAll(() => t.close());

  afterEach(async () => {
    const r = await t.app.get(LedgerVerifier).verify({ record: false });
    expect(r.firstProblem).toBeUndefined();
  });

  it('50 concurrent debits against one guarded account never overdraw, and the successful ones add up exactly', async () => {
    const funded = 5_000;
    const { account } = await f.funded(AccountType.WorkerGrant, funded);
    const escrow = await f.open(AccountType.OrderEscrow);
    const amounts = Array.from({ length: 50 }, (_, i) => 100 + ((i * 37) % 150)); // 100..249, about 8,700 in all
    const results = await Promise.allSettled(
      amounts.map((amount) => f.post({ kind: 'order', transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount }] })),
    );
    const ok = results.filter((r): r is PromiseFulfilledResult<PostedEntry> => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refused.every((e) => e instanceof InsufficientFundsError)).toBe(true);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const spent = ok.reduce((s, e) => s + e.transfers[0].amount, 0);
    const balance = await q.balance(account.id);
    expect(balance).toBe(funded - spent);
    expect(balance).toBeGreaterThanOrEqual(0);
    expect(await q.balance(escrow.id)).toBe(spent);
    // every refusal was right at the time: what was left could not pay for it
    expect(Math.min(...refused.map((e) => e.details.attempted))).toBeGreaterThan(balance);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE debit_account_id = $1`, [account.id]);
    expect(n).toBe(ok.length);
  });

  it('applies concurrent multi-transfer entries all or nothing', async () => {
    const { account: a } = await f.funded(AccountType.WorkerGrant, 10_000);
    const { account: b } = await f.funded(AccountType.WorkerGrant, 1_000);
    const escrow = await f.open(AccountType.OrderEscrow);
    // each entry takes 200 from a and 70 from b: b runs dry after 14, a would last for 50
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        f.post({
          transfers: [
            { debitAccountId: a.id, creditAccountId: escrow.id, amount: 200 },
            { debitAccountId: b.id, creditAccountId: escrow.id, amount: 70 },
          ],
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(Math.floor(1_000 / 70));
    expect(await q.balances([a.id, b.id, escrow.id])).toEqual(
      new Map([
        [a.id, 10_000 - ok * 200],
        [b.id, 1_000 - ok * 70],
        [escrow.id, ok * 270],
      ]),
    );
  });

  it('does not deadlock on concurrent postings in opposite directions between the same accounts', async () => {
    const { account: a } = await f.funded(AccountType.WorkerGrant, 100_000);
    const { account: b } = await f.funded(AccountType.WorkerGrant, 100_000);
    const { account: c } = await f.funded(AccountType.CampaignPool, 100_000);
    // no retries here: a deadlock (40P01) would surface as a failure
    const post = (from: string, to: string, via: string, i: number) =>
      ds.transaction((em) =>
        f.ledger.post(
          em,
          f.entry({
            kind: 'swap',
            idempotencyKey: `swap-${from}-${to}-${i}`,
            transfers: [
              { debitAccountId: from, creditAccountId: to, amount: 10 + (i % 7) },
              { debitAccountId: via, creditAccountId: from, amount: 3 },
            ],
          }),
        ),
      );
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? post(a.id, b.id, c.id, i) : i % 3 === 1 ? post(b.id, a.id, c.id, i) : post(c.id, a.id, b.id, i))),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const balances = await q.balances([a.id, b.id, c.id]);
    expect([...balances.values()].reduce((s, v) => s + v, 0)).toBe(300_000);
  });

  it('posts one entry when the same key arrives 20 times at once, guarded or not', async () => {
    const { account: grant } = await f.funded(AccountType.WorkerGrant, 1_000);
    const funding = await f.open(AccountType.UnionFunding);
    const escrow = await f.open(AccountType.OrderEscrow);
    for (const transfers of [
      [{ debitAccountId: grant.id, creditAccountId: escrow.id, amount: 600 }],
      [{ debitAccountId: funding.id, creditAccountId: escrow.id, amount: 600 }],
    ]) {
      const input = f.entry({ kind: 'order', reference: `order:${randomUUID()}`, transfers });
      const results = await Promise.all(Array.from({ length: 20 }, () => ds.transaction((em) => f.ledger.post(em, input))));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.hash)).size).toBe(1);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [input.idempotencyKey]);
      expect(n).toBe(1);
    }
    expect(await q.balance(grant.id)).toBe(400);
    expect(await q.balance(escrow.id)).toBe(1_200);
  });

  it('lets exactly one of 20 different entries with the same key through, the others conflict', async () => {
    const funding = await f.open(AccountType.UnionFunding);
    const escrow = await f.open(AccountType.OrderEscrow);
    const key = `same-${randomUUID()}`;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => f.post({ idempotencyKey: key, transfers: [{ debitAccountId: funding.id, creditAccountId: escrow.id, amount: 100 + i }] })),
    );
    const ok = results.filter((r): r is PromiseFulfilledResult<PostedEntry> => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(19).fill('IDEMPOTENCY_CONFLICT'));
    expect(await q.balance(escrow.id)).toBe(ok[0].value.transfers[0].amount);
  });

  it('never makes an escrow account a row every order waits on', async () => {
    const escrow = await f.open(AccountType.OrderEscrow);
    const grants = await Promise.all([1, 2].map(() => f.funded(AccountType.WorkerGrant, 1_000)));
    // two connections that write to different shards of the escrow's totals
    const runners = await Promise.all(Array.from({ length: 8 }, async () => {
      const r = ds.createQueryRunner();
      const [{ pid }] = await r.query(`SELECT pg_backend_pid() AS pid`);
      return { r, shard: pid % 64 };
    }));
    const first = runners[0];
    const second = runners.find((x) => x.shard !== first.shard)!;
    try {
      await first.r.startTransaction();
      await f.ledger.post(first.r.manager, f.entry({ transfers: [{ debitAccountId: grants[0].account.id, creditAccountId: escrow.id, amount: 100 }] }));
      // the first order is still open; the second must not wait for it (lock_timeout makes waiting an error)
      await second.r.startTransaction();
      await second.r.query(`SET LOCAL lock_timeout = '2s'`);
      await f.ledger.post(second.r.manager, f.entry({ transfers: [{ debitAccountId: grants[1].account.id, creditAccountId: escrow.id, amount: 50 }] }));
      await second.r.commitTransaction();
      await first.r.commitTransaction();
    } finally {
      await Promise.all(runners.map((x) => x.r.release()));
    }
    expect(await q.balance(escrow.id)).toBe(150);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_account_totals WHERE account_id = $1`, [escrow.id]);
    expect(n).toBe(2);
  });

  it('keeps an escrow’s sharded totals exact under many concurrent orders', async () => {
    const escrow = await f.open(AccountType.OrderEscrow);
    const grants = await Promise.all(Array.from({ length: 10 }, () => f.funded(AccountType.WorkerGrant, 10_000)));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => f.post({ kind: 'order', transfers: [{ debitAccountId: grants[i % 10].account.id, creditAccountId: escrow.id, amount: 1 + i }] })),
    );
    expect(results).toHaveLength(100);
    expect(await q.balance(escrow.id)).toBe((100 * 101) / 2);
    const [{ shards }] = await ds.query(`SELECT count(*)::int AS shards FROM ledger_account_totals WHERE account_id = $1`, [escrow.id]);
    expect(shards).toBeGreaterThan(1);
  });

  it('group-commits concurrent autonomous postings, each caller getting its own outcome', async () => {
    const poster = t.app.get(GroupCommitPoster);
    const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
    const escrow = await f.open(AccountType.OrderEscrow);
    const key = `grouped-${randomUUID()}`;
    const inputs = [
      ...Array.from({ length: 30 }, (_, i) => f.entry({ kind: 'order', transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 50 + i }] })),
      f.entry({ idempotencyKey: key, transfers: [{ debitAccountId: escrow.id, creditAccountId: account.id, amount: 1 }] }),
      f.entry({ idempotencyKey: key, transfers: [{ debitAccountId: escrow.id, creditAccountId: account.id, amount: 2 }] }),
      f.entry({ transfers: [{ debitAccountId: account.id, creditAccountId: '999999999', amount: 1 }] }),
      f.entry({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 0 }] }),
    ];
    const results = await Promise.allSettled(inputs.map((input) => poster.post(input)));
    const posted = results.map((r, i) => ({ r, i })).filter((x) => x.r.status === 'fulfilled');
    const codes = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason.code);
    expect(codes).toEqual(expect.arrayContaining(['IDEMPOTENCY_CONFLICT', 'ACCOUNT_NOT_FOUND', 'INVALID_LEDGER_ENTRY', 'INSUFFICIENT_FUNDS']));
    // what was posted is exactly what moved, and the grant never went below zero
    const orders = posted.filter((x) => x.i < 30).reduce((s, x) => s + inputs[x.i].transfers[0].amount, 0);
    const refunds = posted.filter((x) => x.i >= 30).reduce((s, x) => s + inputs[x.i].transfers[0].amount, 0);
    expect(await q.balance(escrow.id)).toBe(orders - refunds);
    expect(await q.balance(account.id)).toBe(1_000 - orders + refunds);
    expect(await q.balance(account.id)).toBeGreaterThanOrEqual(0);
    for (const x of posted) expect((await q.entry((x.r as PromiseFulfilledResult<PostedEntry>).value.id)).idempotencyKey).toBe(inputs[x.i].idempotencyKey);
  });
});
