import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import { activateMembers, categories, createSupplier, createUnion, importMembers, listProduct, MemberCtx, openCampaign, SkuCtx, SupplierCtx, UnionCtx } from './support/ordering-fixture';
import { bearer, startTestApp, startTestWorker, TestApp } from './support/test-app';

const ADDRESS = { recipient: '赵海燕', phone: '13805320011', regionCode: '370202', detail: '青岛市市北区辽宁路 8 号 3 单元 502' };

type Party = 'member' | 'supplier';
type Prepared = 'placed' | 'delivered' | 'return_requested';

interface ActionCase {
  name: 'cancel' | 'confirm' | 'reject' | 'approve-return';
  party: Party;
  /** the state the order must be in for the action */
  from: Prepared;
  to: string;
  /** the ledger entry the action posts (reference order:<id>) */
  entryKind: string;
  body: Record<string, unknown>;
  /** the same action with another body, when the action takes one */
  otherBody?: Record<string, unknown>;
  /** another value-moving action of the same party, tried with the same key on the same order */
  otherAction: ActionCase['name'];
}

/**
 * The order actions that move ledger value (cancel, confirm, reject, approve-return) under an
 * Idempotency-Key: a replay — sequential, concurrent, or spelling the order id in upper case — gets
 * the first answer and moves nothing again; the key with another order, action or body is refused.
 */
describe('ordering: Idempotency-Key on value-moving order actions (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let admin: string;
  let union: UnionCtx;
  let m: MemberCtx[];
  let supplier: SupplierCtx;
  let sku: SkuCtx;

  const CASES: ActionCase[] = [
    { name: 'cancel', party: 'member', from: 'placed', to: 'cancelled', entryKind: 'order_refund', body: { reason: '买错了' }, otherBody: { reason: '不想要了' }, otherAction: 'confirm' },
    { name: 'confirm', party: 'member', from: 'delivered', to: 'completed', entryKind: 'order_completion', body: {}, otherAction: 'cancel' },
    { name: 'reject', party: 'supplier', from: 'placed', to: 'rejected', entryKind: 'order_refund', body: { reason: '缺货' }, otherBody: { reason: '停产' }, otherAction: 'approve-return' },
    { name: 'approve-return', party: 'supplier', from: 'return_requested', to: 'returned', entryKind: 'order_return_refund', body: {}, otherAction: 'reject' },
  ];
  const caseOf = (name: ActionCase['name']) => CASES.find((c) => c.name === name)!;

  let keySeq = 0;
  const newKey = (what: string) => `idem-${what}-${++keySeq}`;
  /** who placed each order: orders go to the members in turn, unless a test names the member */
  const orders = new Map<string, MemberCtx>();
  let orderSeq = 0;

  const path = (c: ActionCase, orderId: string) => (c.party === 'member' ? `/api/v1/me/orders/${orderId}/${c.name}` : `/api/v1/supplier/orders/${orderId}/${c.name}`);
  const memberOf = (orderId: string) => orders.get(orderId.toLowerCase())!;
  const tokenFor = (c: ActionCase, orderId: string) => (c.party === 'member' ? memberOf(orderId).token : supplier.token);
  const act = (c: ActionCase, orderId: string, key: string | undefined, body = c.body) => {
    const req = t.http.post(path(c, orderId)).set(bearer(tokenFor(c, orderId)));
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  async function place(who = m[orderSeq++ % m.length]): Promise<string> {
    const res = await t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', newKey('checkout')).send({ lines: [{ skuId: sku.skuId, quantity: 1 }], address: ADDRESS });
    expect(res.status).toBe(201);
    const id = res.body.orders[0].id as string;
    orders.set(id, who);
    return id;
  }

  /** An order in the state an action applies to, reached through the API without keys. */
  async function orderFor(c: ActionCase, who?: MemberCtx): Promise<string> {
    const id = await place(who);
    if (c.from === 'placed') return id;
    const s = (step: string, body: Record<string, unknown> = {}) => t.http.post(`/api/v1/supplier/orders/${id}/${step}`).set(bearer(supplier.token)).send(body).expect(200);
    await s('accept');
    await s('ship', { carrier: '顺丰速运', trackingNo: `SF${id.slice(0, 8)}` });
    await s('deliver');
    if (c.from === 'delivered') return id;
    const buyer = memberOf(id);
    await t.http.post(`/api/v1/me/orders/${id}/confirm`).set(bearer(buyer.token)).send({}).expect(200);
    await t.http.post(`/api/v1/me/orders/${id}/return-request`).set(bearer(buyer.token)).send({ reason: '包装破损' }).expect(200);
    return id;
  }

  /** What an action must not repeat: its history rows and ledger entries, the order's state, the keys stored. */
  async function trace(orderId: string) {
    const [r] = await ds.query(
      `SELECT (SELECT count(*) FROM order_history WHERE order_id = $1)::int AS history,
              (SELECT count(*) FROM ledger_entries WHERE reference = 'order:' || $1::text)::int AS entries,
              (SELECT state FROM orders WHERE id = $1) AS state,
              (SELECT count(*) FROM idempotency_requests)::int AS keys`,
      [orderId],
    );
    return r as { history: number; entries: number; state: string; keys: number };
  }
  const entriesOfKind = async (orderId: string, kind: string) =>
    (await ds.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE reference = $1 AND kind = $2`, [`order:${orderId}`, kind]))[0].n as number;
  const historyOf = async (orderId: string, action: string) =>
    (await ds.query(`SELECT count(*)::int AS n FROM order_history WHERE order_id = $1 AND action = $2`, [orderId, action]))[0].n as number;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.dataSource;
    worker = await startTestWorker(t.config);
    admin = await t.login('admin');
    const cats = await categories(t, admin);
    union = await createUnion(t, admin, '青岛啤酒厂工会', 2_000_000);
    const nos = await importMembers(t, union, 4, 'PJ');
    await openCampaign(t, union, { name: '职工福利', pointsPerMemberFen: 100_000 });
    m = await activateMembers(t, union, nos);
    supplier = await createSupplier(t, admin, '即墨老酒坊', ['farm-produce']);
    [sku] = await listProduct(t, admin, supplier, '即墨老酒', cats.get('farm-produce')!, [{ spec: '500ml/瓶', priceFen: 1_000, stock: 500 }]);
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('answers a replay with the first result (also with the order id in upper case), without a second history row or ledger entry', async () => {
      const id = await orderFor(c);
      const key = newKey(c.name);
      const first = await act(c, id, key).expect(200);
      expect(first.body.state).toBe(c.to);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const after = await trace(id);
      expect(await entriesOfKind(id, c.entryKind)).toBe(1);
      const balances = await Promise.all([first.body.escrowAccountId, first.body.payableAccountId].filter(Boolean).map((a: string) => rawBalance(ds, a)));

      for (const spelling of [id, id.toUpperCase()]) {
        const replay = await act(c, spelling, key).expect(200);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body).toEqual(first.body);
      }
      expect(await trace(id)).toEqual(after);
      expect(await entriesOfKind(id, c.entryKind)).toBe(1);
      expect(await Promise.all([first.body.escrowAccountId, first.body.payableAccountId].filter(Boolean).map((a: string) => rawBalance(ds, a)))).toEqual(balances);
      // without the key, a repeat is what it always was: the state machine refuses it
      expect((await act(c, id, undefined).expect(409)).body.error.code).toBe('INVALID_TRANSITION');
      await assertConservation(ds, `${c.name} replayed`);
    });

    it('runs concurrent replays once: one transition, every answer the same', async () => {
      const id = await orderFor(c);
      const key = newKey(c.name);
      const before = await trace(id);
      const replies = await Promise.all(Array.from({ length: 6 }, () => act(c, id, key)));
      expect(replies.map((r) => r.status)).toEqual(Array(6).fill(200));
      for (const r of replies) expect(r.body).toEqual(replies[0].body);
      expect(replies.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(await historyOf(id, c.name.replace('-', '_'))).toBe(1);
      expect(await entriesOfKind(id, c.entryKind)).toBe(1);
      const after = await trace(id);
      expect(after).toEqual({ ...before, history: before.history + 1, entries: before.entries + 1, state: c.to, keys: before.keys + 1 });
      await assertConservation(ds, `${c.name} concurrent replays`);
    });

    it('refuses the key with another order, another action or another body (409 IDEMPOTENCY_KEY_REUSED), moving nothing', async () => {
      const id = await orderFor(c);
      const key = newKey(c.name);
      await act(c, id, key).expect(200);

      // the same user's key: for a member action, an order of the same member
      const other = await orderFor(c, memberOf(id));
      const tries: { what: string; send: () => Promise<{ status: number; body: { error?: { code: string } } }> }[] = [
        { what: 'another order', send: () => act(c, other, key) },
        { what: 'another action', send: () => act(caseOf(c.otherAction), id, key) },
      ];
      if (c.otherBody) tries.push({ what: 'another body', send: () => act(c, id, key, c.otherBody) });
      const traces = [await trace(id), await trace(other)];
      for (const x of tries) {
        const res = await x.send();
        expect({ what: x.what, status: res.status, code: res.body.error?.code }).toEqual({ what: x.what, status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
      }
      expect([await trace(id), await trace(other)]).toEqual(traces);
    });
  });

  it('scopes keys per user: two members may use the same key, each for their own order', async () => {
    const cancel = caseOf('cancel');
    const a = await place();
    const b = await place();
    expect(memberOf(a)).not.toBe(memberOf(b));
    const key = newKey('shared');
    const ra = await act(cancel, a, key).expect(200);
    const rb = await act(cancel, b, key).expect(200);
    expect([ra.body.id, rb.body.id]).toEqual([a, b]);
    expect(rb.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps no key for a refused action: a retry with the same key is judged again', async () => {
    const reject = caseOf('reject');
    const id = await place();
    const key = newKey('refused');
    const before = await trace(id);
    expect((await act(reject, id, key, { reason: '   ' }).expect(422)).body.error.code).toBe('MISSING_INPUT');
    expect(await trace(id)).toEqual(before);
    const done = await act(reject, id, key, { reason: '质检未通过' }).expect(200);
    expect(done.headers['idempotent-replayed']).toBeUndefined();
    expect(done.body.state).toBe('rejected');
  });

  it('refuses a malformed key (400 VALIDATION_FAILED) before anything runs', async () => {
    const id = await place();
    const before = await trace(id);
    const res = await act(caseOf('cancel'), id, 'has spaces in it').expect(400);
    expect(res.body.error.details.fields[0].field).toBe('Idempotency-Key');
    expect(await trace(id)).toEqual(before);
  });

  it('documents the header and every refusal in the OpenAPI document', () => {
    const op = (p: string) => t.openApi.paths[p].post! as unknown as { parameters?: { name: string; in: string; required?: boolean }[]; responses: Record<string, { description: string }> };
    const routes = ['/api/v1/me/orders/{id}/cancel', '/api/v1/me/orders/{id}/confirm', '/api/v1/supplier/orders/{id}/reject', '/api/v1/supplier/orders/{id}/approve-return'];
    for (const r of routes) {
      expect({ r, header: op(r).parameters?.find((x) => x.name === 'Idempotency-Key') }).toEqual({ r, header: expect.objectContaining({ in: 'header', required: false }) });
      expect({ r, conflict: op(r).responses['409'].description }).toEqual({ r, conflict: expect.stringContaining('IDEMPOTENCY_KEY_REUSED') });
    }
    const transitions = Object.keys(t.openApi.paths).filter((p) => /\/(me|supplier)\/orders\/\{id\}\/[a-z-]+$/.test(p) && !p.endsWith('/receipt'));
    expect(transitions.length).toBe(9);
    for (const r of transitions) {
      // OUT_OF_SCOPE is a 403, not one of the 409s
      expect({ r, conflict: op(r).responses['409'].description }).toEqual({ r, conflict: expect.not.stringContaining('OUT_OF_SCOPE') });
      expect({ r, forbidden: op(r).responses['403'].description }).toEqual({ r, forbidden: expect.stringContaining('OUT_OF_SCOPE') });
    }
    const ret = op('/api/v1/me/orders/{id}/return-request');
    expect(ret.responses['409'].description).toContain('ORDER_SETTLED');
    expect(ret.responses['422'].description).toContain('MISSING_INPUT');
    for (const r of ['/api/v1/supplier/orders/{id}/reject', '/api/v1/supplier/orders/{id}/decline-return']) expect(op(r).responses['422'].description).toContain('MISSING_INPUT');
    expect(op('/api/v1/checkout').responses['403'].description).toContain('NOT_A_MEMBER');
  });
});
