import { AccountType, LedgerAccountView, LedgerSealer, PostedEntry, verifyEntryProof } from '@huigong/ledger';
import { randomUUID } from 'node:crypto';
import { bearer, startTestApp, TestApp } from '../support/test-app';
import { LedgerFixture } from './ledger-fixtures';

/** The ledger's read API and its scoping by role. */
describe('ledger API (e2e)', () => {
  let t: TestApp;
  let f: LedgerFixture;
  const token: Record<string, string> = {};
  let ids: Record<string, string>;
  let acct: Record<'funding' | 'budget' | 'pool' | 'myGrant' | 'otherGrant' | 'otherUnionBudget' | 'escrow' | 'payable', LedgerAccountView>;
  let order: PostedEntry;
  let otherOrder: PostedEntry;
  const orderRef = `order:${randomUUID()}`;

  beforeAll(async () => {
    t = await startTestApp();
    f = new LedgerFixture(t.app);
    for (const u of ['admin', 'union-admin', 'worker', 'supplier', 'auditor']) token[u] = await t.login(u);
    const rows: { username: string; id: string; organization_id: string }[] = await t.dataSource.query(`SELECT username, id, organization_id FROM users`);
    const [federation] = await t.dataSource.query(`SELECT id FROM organizations WHERE name = '青岛市总工会'`);
    const user = (n: string) => rows.find((r) => r.username === n)!;
    ids = { union: user('union-admin').organization_id, supplier: user('supplier').organization_id, worker: user('worker').id, federation: federation.id };
    const otherUnion = randomUUID(); // an organization the union admin does not reach
    const open = (type: AccountType, organizationId: string, holderUserId?: string) =>
      f.open(type, { ownerType: 'api-test', ownerId: randomUUID(), organizationId, holderUserId });
    acct = {
      funding: await open(AccountType.UnionFunding, ids.union),
      budget: await open(AccountType.UnionBudget, ids.union),
      pool: await open(AccountType.CampaignPool, ids.union),
      myGrant: await open(AccountType.WorkerGrant, ids.union, ids.worker),
      otherGrant: await open(AccountType.WorkerGrant, ids.union, randomUUID()),
      otherUnionBudget: await open(AccountType.UnionBudget, otherUnion),
      escrow: await open(AccountType.OrderEscrow, ids.supplier),
      payable: await open(AccountType.SupplierPayable, ids.supplier),
    };
    const move = (from: LedgerAccountView, to: LedgerAccountView, amount: number, kind: string, reference = `${kind}:${randomUUID()}`) =>
      f.post({ kind, reference, transfers: [{ debitAccountId: from.id, creditAccountId: to.id, amount }] });
    await move(acct.funding, acct.budget, 100_000, 'deposit');
    await move(acct.budget, acct.pool, 50_000, 'reserve');
    await move(acct.pool, acct.myGrant, 10_000, 'distribute');
    await move(acct.pool, acct.otherGrant, 10_000, 'distribute');
    order = await move(acct.myGrant, acct.escrow, 2_580, 'order', orderRef);
    otherOrder = await move(acct.otherGrant, acct.escrow, 990, 'order', orderRef);
    await move(acct.escrow, acct.payable, 2_580, 'complete', orderRef);
  });
  afterAll(() => t.close());

  const get = (who: string, path: string) => t.http.get(`/api/v1${path}`).set(bearer(token[who]));
  /** Every account the caller may list, page after page. */
  const listed = async (who: string, query = '') => {
    const found: string[] = [];
    for (let offset = 0; ; offset += 200) {
      const res = await get(who, `/ledger/accounts?limit=200&offset=${offset}${query}`).expect(200);
      found.push(...res.body.items.map((a: LedgerAccountView) => a.id));
      if (offset + 200 >= res.body.total) return found.sort();
    }
  };
  const sorted = (...a: LedgerAccountView[]) => a.map((x) => x.id).sort();
  /** The expected scope, computed independently in SQL (the demo data has ledger accounts of its own). */
  const expected = async (where: string, params: unknown[]) =>
    (await t.dataSource.query(`SELECT a.id::text FROM ledger_accounts a WHERE ${where}`, params)).map((r: { id: string }) => r.id).sort();

  it('lists the accounts in each role’s scope', async () => {
    const workerScope = await expected(`a.holder_user_id = $1`, [ids.worker]);
    expect(workerScope).toContain(acct.myGrant.id);
    expect(await listed('worker')).toEqual(workerScope);
    const unionScope = await expected(`a.organization_id IN (SELECT o.id FROM organizations o, organizations mine WHERE mine.id = $1 AND o.path LIKE mine.path || '%')`, [ids.union]);
    expect(unionScope).toEqual(expect.arrayContaining(sorted(acct.funding, acct.budget, acct.pool, acct.myGrant, acct.otherGrant)));
    expect(unionScope).not.toContain(acct.otherUnionBudget.id);
    expect(await listed('union-admin')).toEqual(unionScope);
    const supplierScope = await expected(`a.organization_id = $1`, [ids.supplier]);
    expect(supplierScope).toEqual(expect.arrayContaining(sorted(acct.escrow, acct.payable)));
    expect(await listed('supplier')).toEqual(supplierScope);
    const all = await listed('auditor');
    expect(all).toEqual(await expected('true', []));
    expect(await listed('admin')).toEqual(all);
    // filters narrow, never widen
    expect(await listed('union-admin', `&type=worker_grant`)).toEqual(await expected(`a.type = 'worker_grant' AND a.id::text = ANY ($1)`, [unionScope]));
    expect(await listed('worker', `&organizationId=${ids.supplier}`)).toEqual([]);
    const budgets = await expected(`a.type = 'union_budget'`, []);
    const page = await get('auditor', `/ledger/accounts?type=union_budget&limit=1&offset=0`).expect(200);
    expect(page.body).toMatchObject({ total: budgets.length, limit: 1, offset: 0, items: [expect.objectContaining({ type: 'union_budget' })] });
  });

  it('shows an account with its balance, and its balance as of a past time', async () => {
    const res = await get('worker', `/ledger/accounts/${acct.myGrant.id}`).expect(200);
    expect(res.body).toMatchObject({ id: acct.myGrant.id, type: 'worker_grant', holderUserId: ids.worker, guard: 'debits_le_credits', balance: 10_000 - 2_580, debitsPosted: 2_580, creditsPosted: 10_000 });
    const past = await get('worker', `/ledger/accounts/${acct.myGrant.id}?asOf=2000-01-01T00:00:00Z`).expect(200);
    expect(past.body).toMatchObject({ balance: 7_420, asOf: '2000-01-01T00:00:00.000Z', balanceAsOf: 0 });
    await get('worker', `/ledger/accounts/${acct.myGrant.id}?asOf=yesterday`).expect(400);
    expect((await get('supplier', `/ledger/accounts/${acct.escrow.id}`).expect(200)).body.balance).toBe(990);
  });

  it('refuses accounts outside the caller’s scope with 403 OUT_OF_SCOPE', async () => {
    for (const [who, account] of [
      ['worker', acct.otherGrant],
      ['worker', acct.budget],
      ['union-admin', acct.otherUnionBudget],
      ['supplier', acct.myGrant],
      ['union-admin', acct.escrow],
    ] as const) {
      const res = await get(who, `/ledger/accounts/${account.id}`).expect(403);
      expect(res.body.error.code).toBe('OUT_OF_SCOPE');
      await get(who, `/ledger/accounts/${account.id}/statement`).expect(403);
    }
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM security_events WHERE kind = 'cross_tenant_refused' AND detail->>'what' = 'Ledger account'`);
    expect(n).toBeGreaterThanOrEqual(10);
    await get('auditor', `/ledger/accounts/${acct.otherUnionBudget.id}`).expect(200);
    expect((await get('worker', `/ledger/accounts/999999999`).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await get('worker', `/ledger/accounts/abc`).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('pages a statement with running balances', async () => {
    const p1 = await get('worker', `/ledger/accounts/${acct.myGrant.id}/statement?limit=1`).expect(200);
    expect(p1.body.items).toEqual([expect.objectContaining({ kind: 'distribute', credit: 10_000, debit: 0, balance: 10_000 })]);
    const p2 = await get('worker', `/ledger/accounts/${acct.myGrant.id}/statement?limit=1&cursor=${p1.body.nextCursor}`).expect(200);
    expect(p2.body).toEqual({ items: [expect.objectContaining({ kind: 'order', reference: orderRef, debit: 2_580, credit: 0, balance: 7_420, entryId: order.id })], nextCursor: null });
    await get('worker', `/ledger/accounts/${acct.myGrant.id}/statement?cursor=not-a-cursor`).expect(400);
    await get('worker', `/ledger/accounts/${acct.myGrant.id}/statement?limit=100000`).expect(400);
  });

  it('finds entries by reference, showing each caller only the entries touching their accounts', async () => {
    const kinds = async (who: string) => (await get(who, `/ledger/entries?reference=${encodeURIComponent(orderRef)}`).expect(200)).body.items.map((e: PostedEntry) => `${e.kind}:${e.id}`);
    const all = await kinds('auditor');
    expect(all).toHaveLength(3);
    expect(await kinds('worker')).toEqual([`order:${order.id}`]);
    expect(await kinds('supplier')).toEqual(all);
    expect(await kinds('union-admin')).toEqual([`order:${order.id}`, `order:${otherOrder.id}`]);
    await get('worker', `/ledger/entries`).expect(400);
  });

  it('shows one entry in scope, refuses it out of scope', async () => {
    const res = await get('worker', `/ledger/entries/${order.id}`).expect(200);
    expect(res.body).toMatchObject({ id: order.id, hash: order.hash, createdAt: order.createdAt, transfers: order.transfers, seal: null });
    expect((await get('worker', `/ledger/entries/${otherOrder.id}`).expect(403)).body.error.code).toBe('OUT_OF_SCOPE');
  });

  it('serves proofs once sealed, scoped like entries', async () => {
    expect((await get('worker', `/ledger/entries/${order.id}/proof`).expect(409)).body.error.code).toBe('NOT_YET_SEALED');
    await t.app.get(LedgerSealer).sealPending();
    const proof = (await get('worker', `/ledger/entries/${order.id}/proof`).expect(200)).body;
    expect(proof.entryHash).toBe(order.hash);
    expect(verifyEntryProof(proof)).toEqual({ ok: true });
    await get('worker', `/ledger/entries/${otherOrder.id}/proof`).expect(403);
    const sealed = await get('worker', `/ledger/entries/${order.id}`).expect(200);
    expect(sealed.body.seal).toEqual({ blockHeight: proof.block.height, blockHash: proof.blockHash });
  });

  it('lets auditors and platform admins run verification, nobody else', async () => {
    const res = await get('auditor', '/audit/ledger/verify').expect(200);
    const [{ entries, blocks }] = await t.dataSource.query(`SELECT (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT count(*) FROM ledger_blocks)::int AS blocks`);
    expect(res.body).toMatchObject({ ok: true, entries, blocks, unsealed: 0 });
    await get('admin', '/audit/ledger/verify').expect(200);
    for (const who of ['worker', 'union-admin', 'supplier']) expect((await get(who, '/audit/ledger/verify').expect(403)).body.error.code).toBe('FORBIDDEN');
  });

  it('documents every ledger route in the OpenAPI document with its roles', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    for (const path of ['/api/v1/ledger/accounts', '/api/v1/ledger/accounts/{id}', '/api/v1/ledger/accounts/{id}/statement', '/api/v1/ledger/entries', '/api/v1/ledger/entries/{id}', '/api/v1/ledger/entries/{id}/proof', '/api/v1/audit/ledger/verify']) {
      expect({ path, roles: doc.paths[path]?.get?.['x-roles']?.length > 0 }).toEqual({ path, roles: true });
    }
    expect(doc.paths['/api/v1/ledger/entries/{id}/proof'].get.responses['409'].description).toMatch(/NOT_YET_SEALED/);
  });
});
