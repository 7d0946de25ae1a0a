import { AppError } from '@huigong/common';
import { AccountType, InsufficientFundsError, LedgerQueryService, LedgerSealer, LedgerVerifier, newAccountRef } from '@huigong/ledger';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostEntriesService } from '../../libs/ledger/src/services/post-entries.service';
import { eventually, startTestApp, TestApp } from '../support/test-app';
import { LedgerFixture } from './ledger-fixtures';

describe('ledger: accounts and posting (e2e)', () => {
  let t: TestApp;
  let f: LedgerFixture;
  let q: LedgerQueryService;

  beforeAll(async () => {
    t = await startTestApp({ seed: false });
    f = new LedgerFixture(t.app);
    q = t.app.get(LedgerQueryService);
  });
  afterAll(() => t.close());

  describe('accounts', () => {
    it('opens an account idempotently on (type, ownerType, ownerId) with the type’s default guard', async () => {
      const org = randomUUID();
      const input = { type: AccountType.WorkerGrant, ownerType: 'campaign_member', ownerId: `m-${randomUUID()}`, organizationId: org, metadata: { campaign: 'c1' } };
      const a = await f.tx.run((em) => f.ledger.openAccount(em, input));
      const b = await f.tx.run((em) => f.ledger.openAccount(em, { ...input, metadata: { other: true } }));
      expect(b.id).toBe(a.id);
      expect(a).toMatchObject({ type: 'worker_grant', guard: 'debits_le_credits', organizationId: org, holderUserId: null, balance: 0, overdraftLimit: 0 });
      expect(a.id).toMatch(/^[1-9][0-9]*$/);
      const escrow = await f.open(AccountType.OrderEscrow);
      expect(escrow.guard).toBe('none');
      expect(await q.findAccount(input.type, input.ownerType, input.ownerId)).toMatchObject({ id: a.id });
      expect(await q.findAccount(input.type, input.ownerType, 'nobody')).toBeNull();
    });

    it('opens many accounts in one call, in input order, returning existing ones', async () => {
      const org = randomUUID();
      const existing = await f.open(AccountType.WorkerGrant, { ownerType: 'bulk', ownerId: 'w-0', organizationId: org });
      const inputs = Array.from({ length: 300 }, (_, i) => ({ type: AccountType.WorkerGrant, ownerType: 'bulk', ownerId: `w-${i}`, organizationId: org }));
      const opened = await f.tx.run((em) => f.ledger.openAccounts(em, [...inputs, inputs[5]]));
      expect(opened).toHaveLength(301);
      expect(opened.map((a) => a.ownerId)).toEqual([...inputs.map((i) => i.ownerId), 'w-5']);
      expect(opened[0].id).toBe(existing.id);
      expect(opened[300].id).toBe(opened[5].id);
      expect(new Set(opened.map((a) => a.id)).size).toBe(300);
      const again = await f.tx.run((em) => f.ledger.openAccounts(em, inputs));
      expect(again.map((a) => a.id)).toEqual(opened.slice(0, 300).map((a) => a.id));
    });

    it('refuses unknown types, bad input and an overdraft limit on an unguarded account', async () => {
      const base = { ownerType: 'x', ownerId: randomUUID(), organizationId: randomUUID() };
      await expect(f.tx.run((em) => f.ledger.openAccount(em, { ...base, type: 'no_such_type' }))).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT_TYPE', status: 422 });
      await expect(f.tx.run((em) => f.ledger.openAccount(em, { ...base, type: AccountType.OrderEscrow, overdraftLimit: 5 }))).rejects.toMatchObject({ code: 'OVERDRAFT_NOT_ALLOWED' });
      await expect(f.tx.run((em) => f.ledger.openAccount(em, { ...base, type: AccountType.UnionBudget, organizationId: 'not-a-uuid' }))).rejects.toMatchObject({
        code: 'INVALID_LEDGER_ACCOUNT',
        details: { field: 'organizationId' },
      });
    });

    it('adds account types as data', async () => {
      await f.tx.run((em) => f.ledger.defineAccountType(em, 'enterprise_fund', 'debits_le_credits', 'enterprise group purchases'));
      await f.tx.run((em) => f.ledger.defineAccountType(em, 'enterprise_fund', 'debits_le_credits'));
      await expect(f.tx.run((em) => f.ledger.defineAccountType(em, 'enterprise_fund', 'none'))).rejects.toMatchObject({ code: 'ACCOUNT_TYPE_EXISTS' });
      const a = await f.open('enterprise_fund');
      expect(a.guard).toBe('debits_le_credits');
    });

    it('assigns the holder of an account', async () => {
      const a = await f.open(AccountType.WorkerGrant);
      const user = randomUUID();
      await f.tx.run((em) => f.ledger.assignHolder(em, a.id, user));
      expect((await q.account(a.id)).holderUserId).toBe(user);
      await expect(f.tx.run((em) => f.ledger.assignHolder(em, '999999999', user))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('posting', () => {
    it('moves the amount from the debit to the credit account', async () => {
      const { source, account } = await f.funded(AccountType.UnionBudget, 10_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const posted = await f.post({ kind: 'order', reference: 'order:1', transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 2_500 }] });
      expect(posted).toMatchObject({ kind: 'order', reference: 'order:1', replayed: false, transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 2_500 }] });
      expect(posted.transfers[0].id).toMatch(/^[1-9][0-9]*$/);
      expect(posted.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(posted.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(await q.balance(account.id)).toBe(7_500);
      expect(await q.balance(escrow.id)).toBe(2_500);
      expect(await q.balance(source.id)).toBe(-10_000);
      expect(await q.account(account.id)).toMatchObject({ debitsPosted: 2_500, creditsPosted: 10_000, balance: 7_500 });
      const balances = await q.balances([account.id, escrow.id, '999999999']);
      expect([...balances.entries()].sort()).toEqual([[account.id, 7_500], [escrow.id, 2_500]].sort());
    });

    it('refuses an overdraft with INSUFFICIENT_FUNDS naming the account and the shortfall, writing nothing', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const before = await f.count('ledger_entries');
      const err = await f.post({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 1_001 }] }).catch((e) => e);
      expect(err).toBeInstanceOf(InsufficientFundsError);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'INSUFFICIENT_FUNDS', status: 422, details: { accountId: account.id, shortfall: 1, balance: 1_000, attempted: 1_001, overdraftLimit: 0 } });
      expect(await f.count('ledger_entries')).toBe(before);
      expect(await q.balance(account.id)).toBe(1_000);
      expect(await q.balance(escrow.id)).toBe(0);
    });

    it('leaves the caller’s transaction usable after a refusal (nothing of the entry written)', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 500);
      const escrow = await f.open(AccountType.OrderEscrow);
      const entry = await f.tx.run(async (em) => {
        await expect(f.ledger.post(em, f.entry({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 600 }] }))).rejects.toBeInstanceOf(InsufficientFundsError);
        return f.ledger.post(em, f.entry({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 500 }] }));
      });
      expect(entry.replayed).toBe(false);
      expect(await q.balance(account.id)).toBe(0);
      expect(await q.balance(escrow.id)).toBe(500);
    });

    it('applies a multi-transfer entry all or nothing', async () => {
      const { account: a } = await f.funded(AccountType.WorkerGrant, 1_000);
      const { account: b } = await f.funded(AccountType.WorkerGrant, 100);
      const escrow = await f.open(AccountType.OrderEscrow);
      const transfers = [
        { debitAccountId: a.id, creditAccountId: escrow.id, amount: 800 },
        { debitAccountId: b.id, creditAccountId: escrow.id, amount: 150 },
      ];
      await expect(f.post({ transfers })).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { accountId: b.id, shortfall: 50 } });
      expect(await q.balances([a.id, b.id, escrow.id])).toEqual(new Map([[a.id, 1_000], [b.id, 100], [escrow.id, 0]]));
      transfers[1].amount = 100;
      const ok = await f.post({ transfers });
      expect(ok.transfers.map((x) => x.amount)).toEqual([800, 100]);
      expect(await q.balances([a.id, b.id, escrow.id])).toEqual(new Map([[a.id, 200], [b.id, 0], [escrow.id, 900]]));
    });

    it('checks the guard against the whole entry (a transfer out may be covered by one in)', async () => {
      const { account: grant } = await f.funded(AccountType.WorkerGrant, 0);
      const pool = (await f.funded(AccountType.CampaignPool, 1_000)).account;
      const escrow = await f.open(AccountType.OrderEscrow);
      await f.post({
        transfers: [
          { debitAccountId: grant.id, creditAccountId: escrow.id, amount: 300 },
          { debitAccountId: pool.id, creditAccountId: grant.id, amount: 300 },
        ],
      });
      expect(await q.balances([grant.id, pool.id, escrow.id])).toEqual(new Map([[grant.id, 0], [pool.id, 700], [escrow.id, 300]]));
    });

    it('replays the same key and content: the first entry, replayed, nothing new written', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const input = f.entry({ kind: 'order', reference: 'order:r1', metadata: { lines: 2 }, transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 400 }] });
      const first = await f.tx.run((em) => f.ledger.post(em, input));
      const entries = await f.count('ledger_entries');
      // a retry from another actor with other metadata is still the same business event
      const again = await f.tx.run((em) => f.ledger.post(em, { ...input, actor: 'someone-else', metadata: { retry: 1 } }));
      expect(again).toEqual({ ...first, replayed: true });
      expect(await f.count('ledger_entries')).toBe(entries);
      expect(await q.balance(account.id)).toBe(600);
    });

    it('refuses the same key with other content: 409 IDEMPOTENCY_CONFLICT naming the first entry', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const input = f.entry({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 400 }] });
      const first = await f.tx.run((em) => f.ledger.post(em, input));
      for (const other of [
        { ...input, transfers: [{ ...input.transfers[0], amount: 401 }] },
        { ...input, reference: 'other:ref' },
        { ...input, kind: 'refund' },
      ]) {
        const err = await f.tx.run((em) => f.ledger.post(em, other)).catch((e) => e);
        expect(err).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 409, details: { idempotencyKey: input.idempotencyKey, entryId: first.id } });
      }
      expect(await q.balance(account.id)).toBe(600);
    });

    it('refuses unknown accounts and malformed entries', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const before = await f.count('ledger_entries');
      await expect(f.post({ transfers: [{ debitAccountId: account.id, creditAccountId: '999999999', amount: 1 }] })).rejects.toMatchObject({
        code: 'ACCOUNT_NOT_FOUND',
        status: 422,
        details: { accountId: '999999999' },
      });
      const bad: [string, object][] = [
        ['transfers[0].amount', { debitAccountId: account.id, creditAccountId: escrow.id, amount: 0 }],
        ['transfers[0].amount', { debitAccountId: account.id, creditAccountId: escrow.id, amount: -5 }],
        ['transfers[0].amount', { debitAccountId: account.id, creditAccountId: escrow.id, amount: 1.5 }],
        ['transfers[0]', { debitAccountId: account.id, creditAccountId: account.id, amount: 1 }],
        ['transfers[0].debitAccountId', { debitAccountId: '007', creditAccountId: escrow.id, amount: 1 }],
      ];
      for (const [field, transfer] of bad) {
        await expect(f.post({ transfers: [transfer as never] })).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', status: 400, details: { field } });
      }
      await expect(f.post({ transfers: [] })).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', details: { field: 'transfers' } });
      await expect(f.post({ metadata: { ratio: 0.5 }, transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 1 }] })).rejects.toMatchObject({
        code: 'INVALID_LEDGER_ENTRY',
        details: { field: 'metadata' },
      });
      // text PostgreSQL would store differently from what is hashed
      const one = [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 1 }];
      await expect(f.post({ reference: 'order:\u0000', transfers: one })).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', details: { field: 'reference' } });
      await expect(f.post({ kind: 'x\ud800', transfers: one })).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', details: { field: 'kind' } });
      await expect(f.post({ metadata: { note: '\udc00' }, transfers: one })).rejects.toMatchObject({ code: 'INVALID_LEDGER_ENTRY', details: { field: 'metadata' } });
      const emoji = await f.post({ actor: '工会 😀', metadata: { note: 'back\\slash \u0001 😀' }, transfers: one });
      await t.app.get(LedgerSealer).sealPending();
      const [seal] = await t.dataSource.query(`SELECT entry_hash FROM ledger_entry_seals WHERE entry_id = $1`, [emoji.id]);
      expect(seal.entry_hash).toBe(emoji.hash);
      expect(await f.count('ledger_entries')).toBe(before + 1);
    });

    it('lets a union budget go down to minus its overdraft limit and no further', async () => {
      const funding = await f.open(AccountType.UnionFunding);
      const budget = await f.open(AccountType.UnionBudget, { overdraftLimit: 5_000 });
      const pool = await f.open(AccountType.CampaignPool);
      await f.post({ kind: 'reserve', transfers: [{ debitAccountId: budget.id, creditAccountId: pool.id, amount: 5_000 }] });
      await expect(f.post({ transfers: [{ debitAccountId: budget.id, creditAccountId: pool.id, amount: 1 }] })).rejects.toMatchObject({
        details: { accountId: budget.id, balance: -5_000, shortfall: 1, overdraftLimit: 5_000 },
      });
      await expect(f.tx.run((em) => f.ledger.setOverdraftLimit(em, budget.id, 4_999))).rejects.toMatchObject({ code: 'OVERDRAFT_LIMIT_BELOW_BALANCE' });
      await f.tx.run((em) => f.ledger.setOverdraftLimit(em, budget.id, 6_000));
      await f.post({ transfers: [{ debitAccountId: budget.id, creditAccountId: pool.id, amount: 1_000 }] });
      expect(await q.balance(budget.id)).toBe(-6_000);
      await f.post({ kind: 'deposit', transfers: [{ debitAccountId: funding.id, creditAccountId: budget.id, amount: 6_000 }] });
      await f.tx.run((em) => f.ledger.setOverdraftLimit(em, budget.id, 0));
      await expect(f.tx.run((em) => f.ledger.setOverdraftLimit(em, funding.id, 10))).rejects.toMatchObject({ code: 'OVERDRAFT_NOT_ALLOWED' });
    });

    it('guards credits_le_debits accounts the other way round', async () => {
      await f.tx.run((em) => f.ledger.defineAccountType(em, 'capped_sink', 'credits_le_debits'));
      const sink = await f.open('capped_sink', { overdraftLimit: 100 });
      const { account } = await f.funded(AccountType.CampaignPool, 1_000);
      await f.post({ transfers: [{ debitAccountId: account.id, creditAccountId: sink.id, amount: 100 }] });
      await expect(f.post({ transfers: [{ debitAccountId: account.id, creditAccountId: sink.id, amount: 1 }] })).rejects.toMatchObject({
        code: 'INSUFFICIENT_FUNDS',
        details: { accountId: sink.id, shortfall: 1, attempted: 1 },
      });
      expect(await q.balance(sink.id)).toBe(100);
    });

    it('posts many entries in one call with the same guarantees', async () => {
      const { account: pool } = await f.funded(AccountType.CampaignPool, 10_000);
      const grants = await f.tx.run((em) =>
        f.ledger.openAccounts(em, Array.from({ length: 50 }, (_, i) => ({ type: AccountType.WorkerGrant, ownerType: 'many', ownerId: `${pool.id}-${i}`, organizationId: randomUUID() }))),
      );
      const inputs = grants.map((g, i) => f.entry({ kind: 'distribute', idempotencyKey: `dist-${pool.id}-${i}`, transfers: [{ debitAccountId: pool.id, creditAccountId: g.id, amount: 100 }] }));
      const posted = await f.tx.run((em) => f.ledger.postMany(em, [...inputs, inputs[0]]));
      expect(posted).toHaveLength(51);
      expect(posted.slice(0, 50).every((p) => !p.replayed)).toBe(true);
      expect(posted[50]).toEqual({ ...posted[0], replayed: true });
      expect(await q.balance(pool.id)).toBe(5_000);
      // the whole batch again: every one replayed, nothing moves
      const again = await f.tx.run((em) => f.ledger.postMany(em, inputs));
      expect(again.map((p) => [p.id, p.replayed])).toEqual(posted.slice(0, 50).map((p) => [p.id, true]));
      // one entry that overdraws refuses the whole batch, and the guard holds after every entry
      const before = await f.count('ledger_entries');
      const more = [
        f.entry({ transfers: [{ debitAccountId: pool.id, creditAccountId: grants[0].id, amount: 5_000 }] }),
        f.entry({ transfers: [{ debitAccountId: pool.id, creditAccountId: grants[1].id, amount: 1 }] }),
        f.entry({ transfers: [{ debitAccountId: grants[2].id, creditAccountId: pool.id, amount: 100 }] }),
      ];
      await expect(f.tx.run((em) => f.ledger.postMany(em, more))).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { accountId: pool.id, balance: 0, shortfall: 1 } });
      expect(await f.count('ledger_entries')).toBe(before);
      expect(await q.balance(pool.id)).toBe(5_000);
      await expect(
        f.tx.run((em) => f.ledger.postMany(em, [inputs[1], { ...inputs[1], reference: 'changed' }])),
      ).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    });
  });

  describe('posting business events together (postGroup, postAllOrRefusal)', () => {
    /** a funded pool, two grants, and entries pool → grant (100 each) under fresh keys */
    const setup = async () => {
      const { account: pool } = await f.funded(AccountType.CampaignPool, 250);
      const grants = await f.tx.run((em) =>
        f.ledger.openAccounts(em, [0, 1, 2].map((i) => ({ type: AccountType.WorkerGrant, ownerType: 'together', ownerId: `${pool.id}-${i}`, organizationId: randomUUID() }))),
      );
      const credit = (i: number, amount = 100) => f.entry({ transfers: [{ debitAccountId: pool.id, creditAccountId: grants[i].id, amount }] });
      return { pool, grants, credit };
    };

    it('postGroup (GroupCommitPoster\'s): a refused entry is not written and the others are, each with its own outcome', async () => {
      const { pool, credit } = await setup();
      const inputs = [credit(0), credit(1, 200), credit(2)];
      const outcomes = await f.tx.run((em) => t.app.get(PostEntriesService).postGroup(em, inputs));
      expect('entry' in outcomes[0] && !outcomes[0].entry.replayed).toBe(true);
      expect(outcomes[1]).toEqual({ error: expect.any(InsufficientFundsError) });
      expect('entry' in outcomes[2]).toBe(true);
      expect(await q.balance(pool.id)).toBe(50);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [inputs[1].idempotencyKey]);
      expect(n).toBe(0);
    });

    it('postAllOrRefusal: all entries in one call, a repeated key replayed, the same call again replayed', async () => {
      const { pool, credit } = await setup();
      const inputs = [credit(0), credit(1)];
      const r = await f.tx.run((em) => f.ledger.postAllOrRefusal(em, [...inputs, inputs[0]]));
      if (!('entries' in r)) throw r.error;
      expect(r.entries.map((e) => e.replayed)).toEqual([false, false, true]);
      expect(r.entries[2].id).toBe(r.entries[0].id);
      expect(await q.balance(pool.id)).toBe(50);
      const again = await f.tx.run((em) => f.ledger.postAllOrRefusal(em, inputs));
      expect('entries' in again && again.entries.map((e) => [e.id, e.replayed])).toEqual(r.entries.slice(0, 2).map((e) => [e.id, true]));
    });

    it('postAllOrRefusal: stops at the first refusal, answering its index, and posts nothing after it', async () => {
      const { pool, credit } = await setup();
      const inputs = [credit(0), credit(1, 200), credit(2)];
      const seen = await f.tx.run(async (em) => {
        const r = await f.ledger.postAllOrRefusal(em, inputs);
        // inside the caller's transaction, before it rolls back: the entry after the refused one was never written
        const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE idempotency_key = $1`, [inputs[2].idempotencyKey]);
        return { r, after: n };
      });
      expect(seen.r).toMatchObject({ refused: 1, error: expect.any(InsufficientFundsError) });
      expect((seen.r as unknown as { error: InsufficientFundsError }).error.details).toMatchObject({ accountId: pool.id, balance: 150, attempted: 200, shortfall: 50 });
      expect(seen.after).toBe(0);
      // invalid input and a key used twice with other content are refusals at their index too
      const bad = await f.tx.run((em) => f.ledger.postAllOrRefusal(em, [credit(0), { ...credit(1), transfers: [] }]));
      expect(bad).toMatchObject({ refused: 1, error: { code: 'INVALID_LEDGER_ENTRY' } });
      const first = credit(0);
      const twice = await f.tx.run((em) => f.ledger.postAllOrRefusal(em, [first, { ...first, reference: 'other' }]));
      expect(twice).toMatchObject({ refused: 1, error: { code: 'IDEMPOTENCY_CONFLICT' } });
    });
  });

  describe('opening accounts while posting (postOpening)', () => {
    it('opens the accounts and posts the entry in one call; the same call again is a replay', async () => {
      const { account: grant } = await f.funded(AccountType.WorkerGrant, 1_000);
      const org = randomUUID();
      const owners = [randomUUID(), randomUUID()];
      const accounts = owners.map((o) => ({ type: AccountType.OrderEscrow, ownerType: 'order', ownerId: o, organizationId: org, metadata: { checkout: 'c1' } }));
      const input = f.entry({
        kind: 'order_payment',
        metadata: { orders: owners },
        transfers: [
          { debitAccountId: grant.id, creditAccountId: newAccountRef(0), amount: 300 },
          { debitAccountId: grant.id, creditAccountId: newAccountRef(1), amount: 200 },
        ],
      });
      const first = await f.tx.run((em) => f.ledger.postOpening(em, accounts, input));
      expect(first.accountIds).toHaveLength(2);
      expect(first.entry.replayed).toBe(false);
      expect(first.entry.transfers.map((t) => [t.debitAccountId, t.creditAccountId, t.amount])).toEqual([
        [grant.id, first.accountIds[0], 300],
        [grant.id, first.accountIds[1], 200],
      ]);
      expect(await q.findAccount(AccountType.OrderEscrow, 'order', owners[1])).toMatchObject({ id: first.accountIds[1], guard: 'none', balance: 200, organizationId: org });
      expect((await q.account(grant.id)).balance).toBe(500);
      // the hash handed back is the one the entry has when read back
      expect((await q.entry(first.entry.id)).hash).toBe(first.entry.hash);
      const again = await f.tx.run((em) => f.ledger.postOpening(em, accounts, input));
      expect(again).toEqual({ accountIds: first.accountIds, entry: { ...first.entry, replayed: true } });
      // and post() recognises the entry (the content hash computed in SQL is PostEntriesService's)
      const viaPost = await f.tx.run((em) => f.ledger.post(em, { ...input, transfers: first.entry.transfers.map(({ debitAccountId, creditAccountId, amount }) => ({ debitAccountId, creditAccountId, amount })) }));
      expect(viaPost).toMatchObject({ id: first.entry.id, replayed: true });
      expect((await q.account(grant.id)).balance).toBe(500);
    });

    it('writes nothing on a refusal, not even the accounts, and refuses bad references', async () => {
      const { account: grant } = await f.funded(AccountType.WorkerGrant, 100);
      const owner = randomUUID();
      const accounts = [{ type: AccountType.OrderEscrow, ownerType: 'order', ownerId: owner, organizationId: randomUUID() }];
      const before = await f.count('ledger_accounts');
      const err = await f.tx
        .run((em) => f.ledger.postOpening(em, accounts, f.entry({ transfers: [{ debitAccountId: grant.id, creditAccountId: newAccountRef(0), amount: 101 }] })))
        .catch((e) => e);
      expect(err).toBeInstanceOf(InsufficientFundsError);
      expect(err.details).toMatchObject({ accountId: grant.id, shortfall: 1 });
      // the caller went on and committed: still no account was left behind
      await f.tx.run(async (em) => {
        await f.ledger.postOpening(em, accounts, f.entry({ transfers: [{ debitAccountId: grant.id, creditAccountId: newAccountRef(0), amount: 101 }] })).catch(() => undefined);
      });
      expect(await f.count('ledger_accounts')).toBe(before);
      expect(await q.findAccount(AccountType.OrderEscrow, 'order', owner)).toBeNull();
      await expect(f.tx.run((em) => f.ledger.postOpening(em, accounts, f.entry({ transfers: [{ debitAccountId: grant.id, creditAccountId: newAccountRef(1), amount: 1 }] })))).rejects.toMatchObject({
        code: 'INVALID_LEDGER_ENTRY',
        status: 400,
      });
      await expect(f.tx.run((em) => f.ledger.postOpening(em, [{ ...accounts[0], type: 'no_such_type' }], f.entry({ transfers: [{ debitAccountId: grant.id, creditAccountId: newAccountRef(0), amount: 1 }] })))).rejects.toMatchObject({
        code: 'UNKNOWN_ACCOUNT_TYPE',
      });
    });
  });

  describe('reading', () => {
    it('answers the balance as of a past time', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const [{ at }] = await t.dataSource.query(`SELECT (date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond') AS at`);
      await eventually(async () => (await t.dataSource.query(`SELECT clock_timestamp() > $1 AS past`, [at]))[0].past, 5000, 'the database clock to pass the mark');
      await f.post({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 300 }] });
      expect(await q.balance(account.id, new Date(at))).toBe(1_000);
      expect(await q.balance(escrow.id, new Date(at))).toBe(0);
      expect(await q.balance(account.id, new Date(Date.now() + 60_000))).toBe(700);
      expect(await q.balance(account.id)).toBe(700);
      await expect(q.balance('999999999', new Date())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('pages a statement with a running balance', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      for (const amount of [100, 200, 50]) await f.post({ kind: 'order', reference: `order:${amount}`, transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount }] });
      await f.post({ kind: 'refund', transfers: [{ debitAccountId: escrow.id, creditAccountId: account.id, amount: 200 }] });
      const p1 = await q.statement(account.id, { limit: 2 });
      expect(p1.items.map((l) => [l.debit, l.credit, l.balance])).toEqual([[0, 1_000, 1_000], [100, 0, 900]]);
      expect(p1.items[1]).toMatchObject({ kind: 'order', reference: 'order:100' });
      const p2 = await q.statement(account.id, { limit: 2, cursor: p1.nextCursor! });
      expect(p2.items.map((l) => [l.debit, l.credit, l.balance])).toEqual([[200, 0, 700], [50, 0, 650]]);
      const p3 = await q.statement(account.id, { limit: 2, cursor: p2.nextCursor! });
      expect(p3.items.map((l) => [l.debit, l.credit, l.balance, l.kind])).toEqual([[0, 200, 850, 'refund']]);
      expect(p3.nextCursor).toBeNull();
      expect(p3.items[0].balance).toBe(await q.balance(account.id));
      await expect(q.statement(account.id, { limit: 2, cursor: 'x' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    });

    it('finds entries by business reference and by id', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const ref = `order:${randomUUID()}`;
      const pay = await f.post({ kind: 'order', reference: ref, actor: 'u-1', metadata: { n: 1 }, transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 300 }] });
      const refund = await f.post({ kind: 'refund', reference: ref, transfers: [{ debitAccountId: escrow.id, creditAccountId: account.id, amount: 300 }] });
      const found = await q.entriesByReference(ref);
      expect(found.map((e) => ({ id: e.id, kind: e.kind, hash: e.hash }))).toEqual([pay, refund].map((e) => ({ id: e.id, kind: e.kind, hash: e.hash })));
      const one = await q.entry(pay.id);
      expect(one).toMatchObject({ ...pay, actor: 'u-1', metadata: { n: 1 }, seal: null });
      await expect(q.entry('999999999')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('append-only in the database', () => {
    it('refuses UPDATE, DELETE and TRUNCATE on entries, transfers, blocks and seals, and enforces transfer constraints', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 1_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const entry = await f.post({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 10 }] });
      await t.app.get(LedgerSealer).sealPending();
      expect((await q.entry(entry.id)).seal).toEqual({ blockHeight: expect.any(Number), blockHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // raw SQL on a plain connection, as an operator (or an attacker with the app's credentials) would
      const sql = new Client({ connectionString: t.config.databaseUrl });
      await sql.connect();
      const statements = [
        `UPDATE ledger_entries SET kind = 'x' WHERE id = ${entry.id}`,
        `DELETE FROM ledger_entries WHERE id = ${entry.id}`,
        `TRUNCATE ledger_entries CASCADE`,
        `UPDATE ledger_transfers SET amount = 1 WHERE entry_id = ${entry.id}`,
        `DELETE FROM ledger_transfers WHERE entry_id = ${entry.id}`,
        `TRUNCATE ledger_transfers`,
        `UPDATE ledger_blocks SET merkle_root = repeat('0', 64)`,
        `DELETE FROM ledger_blocks`,
        `TRUNCATE ledger_blocks CASCADE`,
        `UPDATE ledger_entry_seals SET leaf_index = leaf_index + 1`,
        `DELETE FROM ledger_entry_seals`,
        `TRUNCATE ledger_entry_seals`,
        `DELETE FROM ledger_accounts WHERE id = ${escrow.id}`,
      ];
      for (const statement of statements) {
        const err = await sql.query(statement).then(() => null, (e) => e);
        expect({ statement, message: err?.message }).toEqual({ statement, message: expect.stringMatching(/append-only/) });
      }
      const constraints: [string, RegExp][] = [
        [`INSERT INTO ledger_transfers (entry_id, debit_account_id, credit_account_id, amount, created_at) VALUES (${entry.id}, ${account.id}, ${escrow.id}, 0, now())`, /ledger_transfers_amount_positive/],
        [`INSERT INTO ledger_transfers (entry_id, debit_account_id, credit_account_id, amount, created_at) VALUES (${entry.id}, ${account.id}, ${account.id}, 5, now())`, /ledger_transfers_distinct_accounts/],
        [`UPDATE ledger_accounts SET debits_posted = debits_posted + 100000 WHERE id = ${account.id}`, /ledger_accounts_debits_le_credits/],
      ];
      for (const [statement, re] of constraints) await expect(sql.query(statement)).rejects.toThrow(re);
      await sql.end();
      expect((await q.entry(entry.id)).transfers).toEqual(entry.transfers);
      expect((await t.app.get(LedgerVerifier).verify({ record: false })).ok).toBe(true);
    });
  });
});
