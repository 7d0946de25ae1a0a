import { AccountGuard, AccountType, InsufficientFundsError, LedgerAccountView, LedgerQueryService, LedgerSealer, LedgerVerifier, PostEntryInput } from '@huigong/ledger';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/test-app';
import { LedgerFixture } from './ledger-fixtures';

/**
 * Random sequences of postings — single and multi-transfer entries, batches, replays of earlier
 * keys, reuses of a key for other content, refused overdrafts, sealing in between — against a
 * model of the ledger kept in plain numbers. After every step the database agrees with the model;
 * after every sequence the verifier finds every hash, block and total in order.
 */

interface TransferSpec {
  from: number;
  to: number;
  amount: number;
}
type Command =
  | { op: 'post'; kind: string; transfers: TransferSpec[] }
  | { op: 'batch'; entries: TransferSpec[][] }
  | { op: 'replay'; pick: number }
  | { op: 'conflict'; pick: number; amount: number }
  | { op: 'seal' };

const ACCOUNTS: { type: AccountType | string; limit: number }[] = [
  { type: AccountType.UnionFunding, limit: 0 },
  { type: AccountType.UnionBudget, limit: 3_000 },
  { type: AccountType.CampaignPool, limit: 0 },
  { type: AccountType.CampaignPool, limit: 0 },
  { type: AccountType.WorkerGrant, limit: 0 },
  { type: AccountType.WorkerGrant, limit: 0 },
  { type: AccountType.OrderEscrow, limit: 0 },
  { type: AccountType.SupplierPayable, limit: 0 },
  { type: 'prop_capped_sink', limit: 2_000 }, // credits_le_debits
];

const transfer: fc.Arbitrary<TransferSpec> = fc
  .record({ from: fc.nat(ACCOUNTS.length - 1), to: fc.nat(ACCOUNTS.length - 1), amount: fc.integer({ min: 1, max: 2_500 }) })
  .filter((x) => x.from !== x.to);
const transfers = fc.array(transfer, { minLength: 1, maxLength: 3 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('post' as const), kind: fc.constantFrom('deposit', 'reserve', 'order', 'refund'), transfers }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('batch' as const), entries: fc.array(transfers, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replay' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('conflict' as const), pick: fc.nat(), amount: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('seal' as const) }) },
);

describe('ledger properties (e2e, fast-check)', () => {
  let t: TestApp;
  let f: LedgerFixture;
  let q: LedgerQueryService;

  beforeAll(async () => {
    t = await startTestApp({ seed: false });
    f = new LedgerFixture(t.app);
    q = t.app.get(LedgerQueryService);
    await f.tx.run((em) => f.ledger.defineAccountType(em, 'prop_capped_sink', 'credits_le_debits'));
  });
  afterAll(() => t.close());

  it('keeps every invariant over random sequences of postings, including refused ones', async () => {
    const seen = { posted: 0, refused: 0, replayed: 0, conflicts: 0, multi: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 25 }), async (commands) => {
        const org = randomUUID();
        const accounts: LedgerAccountView[] = [];
        for (const a of ACCOUNTS) accounts.push(await f.open(a.type, { organizationId: org, overdraftLimit: a.limit || undefined }));
        const model = accounts.map(() => 0);
        const posted: { input: PostEntryInput; id: string; hash: string }[] = [];

        const toInput = (specs: TransferSpec[], kind = 'order'): PostEntryInput =>
          f.entry({ kind, reference: `prop:${org}`, transfers: specs.map((s) => ({ debitAccountId: accounts[s.from].id, creditAccountId: accounts[s.to].id, amount: s.amount })) });

        /** The model's verdict for a sequence of entries: new balances, or the first guard broken. */
        const apply = (entries: TransferSpec[][]): { balances: number[] } | { accountId: string; shortfall: number } => {
          const next = [...model];
          for (const specs of entries) {
            const touched = new Set<number>();
            for (const s of specs) {
              next[s.from] -= s.amount;
              next[s.to] += s.amount;
              touched.add(s.from).add(s.to);
            }
            const broken = [...touched]
              .map((i) => {
                const guard: AccountGuard = accounts[i].guard;
                const limit = ACCOUNTS[i].limit;
                const shortfall = guard === 'debits_le_credits' ? -limit - next[i] : guard === 'credits_le_debits' ? next[i] - limit : 0;
                return { i, shortfall };
              })
              .filter((x) => x.shortfall > 0)
              .sort((a, b) => Number(accounts[a.i].id) - Number(accounts[b.i].id));
            if (broken.length) return { accountId: accounts[broken[0].i].id, shortfall: broken[0].shortfall };
          }
          return { balances: next };
        };

        for (const c of commands) {
          if (c.op === 'seal') {
            await t.app.get(LedgerSealer).sealPending();
          } else if (c.op === 'post' || c.op === 'batch') {
            const entries = c.op === 'post' ? [c.transfers] : c.entries;
            const inputs = entries.map((e) => toInput(e, c.op === 'post' ? c.kind : 'distribute'));
            const expected = apply(entries);
            const result = await f.tx.run((em) => f.ledger.postMany(em, inputs)).catch((e: unknown) => e);
            if ('balances' in expected) {
              expect(result).toEqual(inputs.map(() => expect.objectContaining({ replayed: false })));
              (result as { id: string; hash: string }[]).forEach((r, i) => posted.push({ input: inputs[i], id: r.id, hash: r.hash }));
              seen.posted += inputs.length;
              if (entries.some((e) => e.length > 1)) seen.multi++;
              expected.balances.forEach((b, i) => (model[i] = b));
            } else {
              expect(result).toBeInstanceOf(InsufficientFundsError);
              expect((result as InsufficientFundsError).details).toMatchObject(expected);
              seen.refused++;
            }
          } else if (c.op === 'replay' && posted.length) {
            const p = posted[c.pick % posted.length];
            const again = await f.tx.run((em) => f.ledger.post(em, { ...p.input, actor: 'retry' }));
            expect(again).toMatchObject({ id: p.id, hash: p.hash, replayed: true });
            seen.replayed++;
          } else if (c.op === 'conflict' && posted.length) {
            const p = posted[c.pick % posted.length];
            const other = { ...p.input, transfers: p.input.transfers.map((x, i) => (i === 0 ? { ...x, amount: x.amount + c.amount } : x)) };
            await expect(f.tx.run((em) => f.ledger.post(em, other))).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', details: { entryId: p.id } });
            seen.conflicts++;
          }
          const balances = await q.balances(accounts.map((a) => a.id));
          expect(accounts.map((a) => balances.get(a.id))).toEqual(model);
        }
        // the sequence's accounts sum to zero, and every guard holds
        expect(model.reduce((s, b) => s + b, 0)).toBe(0);
        accounts.forEach((a, i) => {
          if (a.guard === 'debits_le_credits') expect(model[i]).toBeGreaterThanOrEqual(-ACCOUNTS[i].limit);
          if (a.guard === 'credits_le_debits') expect(model[i]).toBeLessThanOrEqual(ACCOUNTS[i].limit);
        });
        const verdict = await t.app.get(LedgerVerifier).verify({ record: false });
        expect(verdict.firstProblem).toBeUndefined();
        expect(verdict.ok).toBe(true);
      }),
      { numRuns: 20 },
    );
    // the generator exercised every path, not only the easy one
    expect(Math.min(seen.posted, seen.refused, seen.replayed, seen.conflicts, seen.multi)).toBeGreaterThan(0);
  });
});
