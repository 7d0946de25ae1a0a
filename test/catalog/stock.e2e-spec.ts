import { CatalogQueryService, StockLine, StockService } from '@huigong/catalog';
import { AppError, TransactionRunner } from '@huigong/common';
import fc from 'fast-check';
import { EntityManager } from 'typeorm';
import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';
import { categoryId, createDraft, createListed } from './catalog-fixtures';

describe('catalog: stock never goes negative, movements are append-only, the ordering contract (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let supplier: string;
  let stock: StockService;
  let tx: TransactionRunner;

  async function newSku(initial: number, name = `库存测试${Math.random().toString(36).slice(2, 8)}`): Promise<string> {
    const p = await createListed(t, supplier, admin, { name, skus: [{ spec: '1件', priceFen: 1000, stock: initial }] });
    return p.skus[0].id;
  }
  const stockOf = async (skuId: string): Promise<number> => (await t.dataSource.query(`SELECT stock FROM skus WHERE id = $1`, [skuId]))[0].stock;
  const movementSum = async (skuId: string): Promise<number> =>
    (await t.dataSource.query(`SELECT coalesce(sum(delta), 0)::int AS n FROM stock_movements WHERE sku_id = $1`, [skuId]))[0].n;
  const code = (err: unknown) => (err instanceof AppError ? err.code : String((err as { code?: string }).code ?? err));
  /**
   * The reservation the checkout makes (StockService.reserveManyCte), in a statement of its own:
   * null when everything was taken, else the locked stock of each SKU (and nothing was written).
   */
  const reserveMany = async (em: EntityManager, reservations: { reference: string; lines: StockLine[] }[]): Promise<Map<string, number> | null> => {
    const part = stock.reserveManyCte(reservations, 1);
    if (!part) return null;
    const [row] = await em.query(`WITH ${part.ctes} SELECT ${part.select}`, part.params);
    return part.shortOf(row);
  };
  /** one order's reservation; a shortfall is thrown (OUT_OF_STOCK), so that the runner rolls back as the checkout does */
  const reserve = async (em: EntityManager, lines: StockLine[], reference: string): Promise<void> => {
    const short = await reserveMany(em, [{ reference, lines }]);
    if (short) throw Object.assign(new Error(`short: ${JSON.stringify([...short])}`), { code: 'OUT_OF_STOCK' });
  };

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { DEMO_PRODUCTS: '100' }) });
    [admin, supplier] = await Promise.all(['admin', 'supplier'].map((u) => t.login(u)));
    stock = t.app.get(StockService);
    tx = t.app.get(TransactionRunner);
  });
  afterAll(() => t.close());

  it('sells exactly the stock there is when 40 orders race for it', async () => {
    const sku = await newSku(25);
    const quantities = Array.from({ length: 40 }, (_, i) => 1 + (i % 3));
    const results = await Promise.all(
      quantities.map((q, i) =>
        tx.run((em) => reserve(em, [{ skuId: sku, quantity: q }], `order-race-${i}`)).then(
          () => ({ ok: true as const, q }),
          (err: unknown) => ({ ok: false as const, q, code: code(err) }),
        ),
      ),
    );
    const sold = results.filter((r) => r.ok).reduce((n, r) => n + r.q, 0);
    expect(results.filter((r) => !r.ok).every((r) => r.code === 'OUT_OF_STOCK')).toBe(true);
    expect(sold).toBeLessThanOrEqual(25);
    // only a request bigger than what was left can have failed
    expect(sold).toBeGreaterThan(25 - 3);
    expect(await stockOf(sku)).toBe(25 - sold);
    expect(await movementSum(sku)).toBe(25 - sold);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM stock_movements WHERE sku_id = $1 AND kind = 'sale'`, [sku]);
    expect(n).toBe(results.filter((r) => r.ok).length);
  });

  it('reserveManyCte: each SKU decremented once for all orders, each order its own movements; all or nothing when one SKU is short', async () => {
    const [x, y] = [await newSku(5), await newSku(2)];
    const none = await tx.run((em) =>
      reserveMany(em, [
        { reference: 'many-a', lines: [{ skuId: x, quantity: 2 }, { skuId: y, quantity: 1 }] },
        { reference: 'many-b', lines: [{ skuId: x, quantity: 1 }, { skuId: x, quantity: 1 }] },
      ]),
    );
    expect(none).toBeNull();
    expect([await stockOf(x), await stockOf(y)]).toEqual([1, 1]);
    const moves = await t.dataSource.query(`SELECT reference, sku_id, delta, stock_after FROM stock_movements WHERE sku_id = ANY($1::uuid[]) AND kind = 'sale' ORDER BY id`, [[x, y]]);
    // stock_after in the order given: a's 2 of x (5 → 3), then b's 2 (merged, 3 → 1)
    expect(moves.filter((m: { sku_id: string }) => m.sku_id === x).map((m: { reference: string; delta: number; stock_after: number }) => [m.reference, m.delta, m.stock_after])).toEqual([
      ['many-a', -2, 3],
      ['many-b', -2, 1],
    ]);
    // x has 1 left, both orders together want 2: nothing is written, and the locked stock comes back
    const short = await tx.run((em) =>
      reserveMany(em, [
        { reference: 'many-c', lines: [{ skuId: y, quantity: 1 }, { skuId: x, quantity: 1 }] },
        { reference: 'many-d', lines: [{ skuId: x, quantity: 1 }] },
      ]),
    );
    expect(short).toEqual(new Map([[x, 1], [y, 1]]));
    expect([await stockOf(x), await stockOf(y)]).toEqual([1, 1]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM stock_movements WHERE reference IN ('many-c', 'many-d')`);
    expect(n).toBe(0);
    expect(() => stock.reserveManyCte([{ reference: 'many-e', lines: [{ skuId: 'not-a-uuid', quantity: 1 }] }], 1)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(stock.reserveManyCte([], 1)).toBeNull();
  });

  it('locks SKUs in id order, so orders naming the same SKUs in opposite orders never deadlock', async () => {
    const [x, y, z] = [await newSku(30), await newSku(30), await newSku(30)];
    const orders = Array.from({ length: 30 }, (_, i) => (i % 2 ? [x, y, z] : [z, y, x]).map((skuId) => ({ skuId, quantity: 1 })));
    // no retrying runner here: a deadlock would surface as an error
    const results = await Promise.allSettled(orders.map((lines, i) => t.dataSource.transaction((em) => reserve(em, lines, `order-cross-${i}`))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const s of [x, y, z]) expect(await stockOf(s)).toBe(0);
  });

  it('a shortfall answers the locked stock and writes nothing, even if the caller commits', async () => {
    const [a, b] = [await newSku(5), await newSku(2)];
    const ghost = '00000000-0000-4000-8000-000000000000';
    const short = await t.dataSource.transaction((em) => reserveMany(em, [{ reference: 'order-short', lines: [{ skuId: a, quantity: 1 }, { skuId: b, quantity: 3 }] }]));
    expect(short).toEqual(new Map([[a, 5], [b, 2]]));
    expect([await stockOf(a), await stockOf(b)]).toEqual([5, 2]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM stock_movements WHERE reference = 'order-short'`);
    expect(n).toBe(0);
    expect(() => stock.reserveManyCte([{ reference: 'order-zero', lines: [{ skuId: a, quantity: 0 }] }], 1)).toThrow(expect.objectContaining({ code: 'INVALID_QUANTITY' }));
    // an unknown SKU is short too, and absent from the locked stock (the checkout refuses it NOT_FOUND)
    const unknown = await t.dataSource.transaction((em) => reserveMany(em, [{ reference: 'order-ghost', lines: [{ skuId: a, quantity: 1 }, { skuId: ghost, quantity: 1 }] }]));
    expect(unknown).toEqual(new Map([[a, 5]]));
    expect(await stockOf(a)).toBe(5);
  });

  it('releases no more than an order took, once', async () => {
    const sku = await newSku(10);
    await tx.run((em) => reserve(em, [{ skuId: sku, quantity: 4 }, { skuId: sku, quantity: 2 }], 'order-rel'));
    expect(await stockOf(sku)).toBe(4);
    await tx.run((em) => stock.release(em, [{ skuId: sku, quantity: 5 }], 'order-rel'));
    await expect(tx.run((em) => stock.release(em, [{ skuId: sku, quantity: 2 }], 'order-rel'))).rejects.toMatchObject({
      code: 'RELEASE_EXCEEDS_RESERVED',
      details: { reserved: 1, requested: 2 },
    });
    await expect(tx.run((em) => stock.release(em, [{ skuId: sku, quantity: 1 }], 'order-other'))).rejects.toMatchObject({ code: 'RELEASE_EXCEEDS_RESERVED' });
    expect(await stockOf(sku)).toBe(9);
    const kinds = await t.dataSource.query(`SELECT kind, delta, stock_after FROM stock_movements WHERE sku_id = $1 ORDER BY id`, [sku]);
    expect(kinds).toEqual([
      { kind: 'adjustment', delta: 10, stock_after: 10 },
      { kind: 'sale', delta: -6, stock_after: 4 },
      { kind: 'release', delta: 5, stock_after: 9 },
    ]);
  });

  it('keeps stock equal to the sum of its movements and never negative over random operation sequences', async () => {
    const sku = await newSku(5);
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ op: fc.constant('reserve' as const), n: fc.integer({ min: 1, max: 6 }) }), fc.record({ op: fc.constant('adjust' as const), n: fc.integer({ min: -6, max: 6 }).filter((n) => n !== 0) })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (ops) => {
          let model = await stockOf(sku);
          for (const o of ops) {
            try {
              if (o.op === 'reserve') await tx.run((em) => reserve(em, [{ skuId: sku, quantity: o.n }], `order-prop-${seq++}`));
              else await tx.run((em) => stock.adjust(em, sku, o.n, 'property test', '00000000-0000-4000-8000-000000000001'));
              model += o.op === 'reserve' ? -o.n : o.n;
            } catch (err) {
              // refused exactly when the model would have gone negative
              expect(model - (o.op === 'reserve' ? o.n : -o.n)).toBeLessThan(0);
              expect(['OUT_OF_STOCK', 'STOCK_WOULD_GO_NEGATIVE']).toContain(code(err));
            }
            expect(model).toBeGreaterThanOrEqual(0);
          }
          expect(await stockOf(sku)).toBe(model);
          expect(await movementSum(sku)).toBe(model);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('lets 30 concurrent HTTP adjustments take exactly the 10 units there are', async () => {
    const sku = await newSku(10);
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => t.http.post(`/api/v1/catalog/skus/${sku}/stock-adjustments`).set(bearer(supplier)).send({ delta: -1, reason: '破损' })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.every((r) => r.status === 409 && r.body.error.code === 'STOCK_WOULD_GO_NEGATIVE' && r.body.error.details.available === 0)).toBe(true);
    const movements = await t.http.get(`/api/v1/catalog/skus/${sku}/movements?limit=100`).set(bearer(supplier)).expect(200);
    expect(movements.body.stock).toBe(0);
    expect(movements.body.items.filter((m: { kind: string; delta: number }) => m.kind === 'adjustment' && m.delta === -1)).toHaveLength(10);
    // newest first, each with the stock after it
    expect(movements.body.items.map((m: { stockAfter: number }) => m.stockAfter)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('applies an adjustment once per Idempotency-Key', async () => {
    const sku = await newSku(1);
    const send = () => t.http.post(`/api/v1/catalog/skus/${sku}/stock-adjustments`).set(bearer(supplier)).set('Idempotency-Key', 'delivery-2024-05-01').send({ delta: 12, reason: '到货' });
    const results = await Promise.all([send(), send(), send()]);
    expect(results.map((r) => [r.status, r.body.stock])).toEqual([
      [201, 13],
      [201, 13],
      [201, 13],
    ]);
    expect(await stockOf(sku)).toBe(13);
    const reused = await t.http.post(`/api/v1/catalog/skus/${sku}/stock-adjustments`).set(bearer(supplier)).set('Idempotency-Key', 'delivery-2024-05-01').send({ delta: 5, reason: '到货' }).expect(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses to change or delete movements, and to store negative stock, at the database level', async () => {
    const sku = await newSku(3);
    await expect(t.dataSource.query(`UPDATE stock_movements SET delta = 100 WHERE sku_id = $1`, [sku])).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM stock_movements WHERE sku_id = $1`, [sku])).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`TRUNCATE stock_movements CASCADE`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`UPDATE skus SET stock = -1 WHERE id = $1`, [sku])).rejects.toThrow(/check constraint/);
    await expect(t.dataSource.query(`INSERT INTO stock_movements (sku_id, kind, delta, stock_after) VALUES ($1, 'sale', 5, 8)`, [sku])).rejects.toThrow(/stock_movements_sale_decreases/);
  });

  describe('the contract ordering codes against', () => {
    it('answers purchasableSkus only for active products of approved suppliers outside forbidden categories', async () => {
      const query = t.app.get(CatalogQueryService);
      const listed = await createListed(t, supplier, admin, { name: '可购测试大米', categoryCode: 'rice', skus: [{ spec: '5kg', priceFen: 3990, stock: 8, perMemberLimit: 2 }] });
      const draft = await createDraft(t, supplier, { name: '草稿不可购' });
      const skuId = listed.skus[0].id;
      const got = await query.purchasableSkus(t.dataSource.manager, [skuId, draft.skus[0].id, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']);
      expect([...got.keys()]).toEqual([skuId]);
      const [own] = await t.dataSource.query(`SELECT s.id, s.organization_id FROM suppliers s JOIN users u ON u.organization_id = s.organization_id WHERE u.username = 'supplier'`);
      const [grain, rice] = [await categoryId(t, 'grain-oil'), await categoryId(t, 'rice')];
      expect(got.get(skuId)).toEqual({
        skuId,
        productId: listed.id,
        productName: '可购测试大米',
        spec: '5kg',
        priceFen: 3990,
        supplierId: own.id,
        supplierOrganizationId: own.organization_id,
        categoryId: rice,
        categoryPath: [grain, rice],
        originRegionCode: '370212',
        perMemberLimit: 2,
        stock: 8,
      });
      const sku = got.get(skuId)!;
      expect(query.isEligible(sku, null)).toBe(true);
      expect(query.isEligible(sku, [grain])).toBe(true);
      expect(query.isEligible(sku, [rice])).toBe(true);
      expect(query.isEligible(sku, [await categoryId(t, 'tea')])).toBe(false);
      expect(query.isEligible(sku, [])).toBe(false);
      const byCode = await query.categoryIdsByCode(['grain-oil', 'rice', 'no-such']);
      expect(Object.fromEntries(byCode)).toEqual({ 'grain-oil': grain, rice });

      // should the union rules come to forbid a category with goods in it, they stop being purchasable at once
      await t.dataSource.query(`UPDATE categories SET forbidden = true WHERE id = $1`, [rice]);
      expect((await query.purchasableSkus(t.dataSource.manager, [skuId])).size).toBe(0);
      await t.dataSource.query(`UPDATE categories SET forbidden = false WHERE id = $1`, [rice]);
      await t.http.post(`/api/v1/catalog/products/${listed.id}/delist`).set(bearer(supplier)).send({}).expect(200);
      expect((await query.purchasableSkus(t.dataSource.manager, [skuId])).size).toBe(0);
    });
  });
});
