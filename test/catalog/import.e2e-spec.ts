import { DEMO_SUPPLIER, generateProducts, productsToCsv } from '@huigong/catalog';
import { bearer, startTestApp, TestApp, testConfig } from '../support/test-app';
import { onboardSupplier, OnboardedSupplier } from './catalog-fixtures';

const HEADER = 'sku_code,product_name,category_code,spec,price_fen,stock,per_member_limit,origin_region_code,description,image_urls';

describe('catalog: bulk CSV import (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let worker: string;
  let a: OnboardedSupplier;
  let b: OnboardedSupplier;
  let csv: string;
  let rowCount: number;
  let productCount: number;

  const post = (token: string, body: string, query = '') => t.http.post(`/api/v1/catalog/imports${query}`).set(bearer(token)).set('Content-Type', 'text/csv').send(body);
  const counts = async (supplierId: string) =>
    (
      await t.dataSource.query(
        `SELECT (SELECT count(*)::int FROM products WHERE supplier_id = $1) AS products, (SELECT count(*)::int FROM skus WHERE supplier_id = $1) AS skus,
                (SELECT count(*)::int FROM stock_movements m JOIN skus k ON k.id = m.sku_id WHERE k.supplier_id = $1) AS movements,
                (SELECT count(*)::int FROM product_transitions x JOIN products p ON p.id = x.product_id WHERE p.supplier_id = $1) AS transitions`,
        [supplierId],
      )
    )[0];

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({}, { DEMO_PRODUCTS: '100' }) });
    [admin, worker] = await Promise.all(['admin', 'worker'].map((u) => t.login(u)));
    a = await onboardSupplier(t, admin);
    b = await onboardSupplier(t, admin);
    const products = [...generateProducts([DEMO_SUPPLIER], { seed: 7, count: 120 })];
    productCount = products.length;
    rowCount = products.reduce((n, p) => n + p.skus.length, 0);
    csv = productsToCsv(products);
  });
  afterAll(() => t.close());

  it('imports the generator CSV: one product per group of rows, each SKU with its stock, sent to review', async () => {
    const res = await post(a.token, csv).expect(200);
    expect(res.body).toEqual({
      dryRun: false,
      rows: rowCount,
      created: rowCount,
      updated: 0,
      unchanged: 0,
      failed: 0,
      productsCreated: productCount,
      productsUpdated: 0,
      errors: [],
      errorCount: 0,
    });
    const c = await counts(a.supplierId);
    expect(c.products).toBe(productCount);
    expect(c.skus).toBe(rowCount);
    expect(c.transitions).toBe(productCount * 2); // create + submit
    const [{ pending }] = await t.dataSource.query(`SELECT count(*)::int AS pending FROM products WHERE supplier_id = $1 AND status = 'pending_review'`, [a.supplierId]);
    expect(pending).toBe(productCount);
    const [{ drift }] = await t.dataSource.query(
      `SELECT count(*)::int AS drift FROM skus k WHERE k.supplier_id = $1 AND k.stock <> coalesce((SELECT sum(delta) FROM stock_movements m WHERE m.sku_id = k.id), 0)`,
      [a.supplierId],
    );
    expect(drift).toBe(0);
  });

  it('is idempotent by SKU code: the same file again changes nothing', async () => {
    const before = await counts(a.supplierId);
    const res = await post(a.token, csv).expect(200);
    expect(res.body).toMatchObject({ created: 0, updated: 0, unchanged: rowCount, failed: 0, productsCreated: 0, productsUpdated: 0 });
    expect(await counts(a.supplierId)).toEqual(before);
  });

  it('updates what changed: price, absolute stock (as a movement), and content of a listed product (back to review)', async () => {
    const lines = csv.trimEnd().split('\r\n');
    const [header, ...rows] = lines;
    const cells = (line: string) => line.split(',');
    // pick single-SKU products without quoted fields; approve one, then rename it
    const productOfRow = (r: string) => `${cells(r)[1]}|${cells(r)[8]}|${cells(r)[9]}`;
    const skusOf = new Map<string, number>();
    for (const r of rows) skusOf.set(productOfRow(r), (skusOf.get(productOfRow(r)) ?? 0) + 1);
    const simple = rows.filter((r) => !r.includes('"') && skusOf.get(productOfRow(r)) === 1);
    const multi = rows.filter((r) => !r.includes('"') && skusOf.get(productOfRow(r))! > 1);
    const first = cells(simple[0]);
    const second = cells(simple[1]);
    const [row1] = await t.dataSource.query(`SELECT product_id FROM skus WHERE supplier_id = $1 AND sku_code = $2`, [a.supplierId, first[0]]);
    await t.http.post(`/api/v1/catalog/products/${row1.product_id}/approve`).set(bearer(admin)).expect(200);
    const [row2] = await t.dataSource.query(`SELECT id, stock FROM skus WHERE supplier_id = $1 AND sku_code = $2`, [a.supplierId, second[0]]);

    const renamed = [...first];
    renamed[1] = `${first[1]}（新包装）`;
    renamed[4] = String(Number(first[4]) + 100);
    const restocked = [...second];
    restocked[5] = String(row2.stock + 40);
    const changed = [header, ...rows.map((r) => (r === simple[0] ? renamed.join(',') : r === simple[1] ? restocked.join(',') : r))].join('\r\n');
    const res = await post(a.token, changed).expect(200);
    expect(res.body).toMatchObject({ created: 0, updated: 2, unchanged: rowCount - 2, failed: 0, productsUpdated: 1 });
    const view = await t.http.get(`/api/v1/catalog/products/${row1.product_id}`).set(bearer(a.token)).expect(200);
    expect(view.body).toMatchObject({ name: renamed[1], status: 'pending_review' });
    expect(view.body.skus.find((s: { skuCode: string }) => s.skuCode === first[0]).priceFen).toBe(Number(renamed[4]));
    const history = await t.http.get(`/api/v1/catalog/products/${row1.product_id}/history`).set(bearer(a.token)).expect(200);
    expect(history.body.at(-1)).toMatchObject({ action: 'revise', fromStatus: 'active', toStatus: 'pending_review', reason: 'content changed by import' });
    const [m] = await t.dataSource.query(`SELECT kind, delta, stock_after, reason FROM stock_movements WHERE sku_id = $1 ORDER BY id DESC LIMIT 1`, [row2.id]);
    expect(m).toEqual({ kind: 'adjustment', delta: 40, stock_after: row2.stock + 40, reason: 'import: stock count' });

    // the rows of one product must agree on its columns: renaming only its second SKU's row is refused
    const current = changed.split('\r\n').slice(1);
    const secondOfProduct = multi.find((r, i) => i > 0 && productOfRow(multi[i - 1]) === productOfRow(r))!;
    const partial = cells(secondOfProduct);
    const disagree = [header, ...current.map((r) => (r === secondOfProduct ? [partial[0], `${partial[1]}（单改）`, ...partial.slice(2)].join(',') : r))].join('\r\n');
    const refused = await post(a.token, disagree).expect(200);
    expect(refused.body.errors).toEqual([
      { line: rows.indexOf(secondOfProduct) + 2, skuCode: partial[0], field: 'row', reason: expect.stringMatching(/product columns differ from line \d+/) },
    ]);
    expect(refused.body).toMatchObject({ updated: 0, unchanged: rowCount - 1 });

    // a product under review keeps its content: rows that would change it are refused, by line
    const again = [header, ...current.map((r) => (r === renamed.join(',') ? [first[0], `${first[1]}（又改）`, ...first.slice(2)].join(',') : r))].join('\r\n');
    const frozen = await post(a.token, again).expect(200);
    const line = rows.indexOf(simple[0]) + 2;
    expect(frozen.body.errors).toEqual([{ line, skuCode: first[0], field: 'row', reason: expect.stringMatching(/under review/) }]);
  });

  it('reports refused rows by line and field and imports the rest', async () => {
    const body = [
      HEADER,
      'OK-1,崂山绿茶 试饮装,tea,50g/袋,1990,10,,370212,"多行描述，\r\n第二行",https://img.example.com/a.jpg|https://img.example.com/b.jpg',
      'OK-2,崂山绿茶 试饮装,tea,100g/袋,3590,5,2,370212,"多行描述，\r\n第二行",https://img.example.com/a.jpg|https://img.example.com/b.jpg',
      'BAD-PRICE,茶,tea,1袋,12.50,1,,,,',
      'BAD-STOCK,茶,tea,1袋,100,-3,,,,',
      'BAD-CAT,茶,spaceships,1袋,100,1,,,,',
      'CASH-1,超市购物卡,cash-equivalents,面值100元,10000,1,,,,',
      'OK-1,重复的编码,tea,1袋,100,1,,,,',
      'bad code!,茶,tea,1袋,100,1,,,,',
      'BAD-REGION,茶,tea,1袋,100,1,,37,,',
      'BAD-URL,茶,tea,1袋,100,1,,,,javascript:alert(1)',
      'SHORT,茶,tea',
      '',
      "DEFUSED,'-20%折扣茶,tea,1袋,100,1,,,'=cmd,",
    ].join('\r\n');
    const res = await post(b.token, body).expect(200);
    expect(res.body).toMatchObject({ rows: 12, created: 3, failed: 9, productsCreated: 2 });
    expect(res.body.errors.map((e: { line: number; skuCode: string; field: string }) => [e.line, e.skuCode, e.field])).toEqual([
      // the quoted descriptions of OK-1 and OK-2 span two lines each
      [6, 'BAD-PRICE', 'price_fen'],
      [7, 'BAD-STOCK', 'stock'],
      [8, 'BAD-CAT', 'category_code'],
      [9, 'CASH-1', 'category_code'],
      [10, 'OK-1', 'sku_code'],
      [11, 'bad code!', 'sku_code'],
      [12, 'BAD-REGION', 'origin_region_code'],
      [13, 'BAD-URL', 'image_urls'],
      [14, 'SHORT', 'row'],
    ]);
    expect(res.body.errors.find((e: { skuCode: string }) => e.skuCode === 'CASH-1').reason).toMatch(/forbidden/);
    expect(res.body.errors.find((e: { skuCode: string; field: string }) => e.skuCode === 'OK-1').reason).toBe('duplicate of line 2');
    // the two OK rows are one product with two SKUs; the spreadsheet guard quote is undone
    const [tea] = await t.dataSource.query(
      `SELECT p.name, p.description, p.image_urls, p.origin_region_code, array_agg(k.sku_code ORDER BY k.sku_code) AS codes
         FROM products p JOIN skus k ON k.product_id = p.id WHERE p.supplier_id = $1 AND p.name = '崂山绿茶 试饮装' GROUP BY p.id`,
      [b.supplierId],
    );
    expect(tea).toEqual({ name: '崂山绿茶 试饮装', description: '多行描述，\r\n第二行', image_urls: ['https://img.example.com/a.jpg', 'https://img.example.com/b.jpg'], origin_region_code: '370212', codes: ['OK-1', 'OK-2'] });
    const [defused] = await t.dataSource.query(`SELECT name, description FROM products WHERE supplier_id = $1 AND name LIKE '%折扣茶'`, [b.supplierId]);
    expect(defused).toEqual({ name: '-20%折扣茶', description: '=cmd' });
  });

  it('does everything but write in a dry run', async () => {
    const s = await onboardSupplier(t, admin);
    const before = await counts(s.supplierId);
    const dry = await post(s.token, csv, '?dryRun=true').expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, created: rowCount, productsCreated: productCount, failed: 0 });
    expect(await counts(s.supplierId)).toEqual(before);
    const real = await post(s.token, csv, '?submit=false').expect(200);
    expect({ ...real.body, dryRun: true }).toEqual(dry.body);
    const [{ drafts }] = await t.dataSource.query(`SELECT count(*)::int AS drafts FROM products WHERE supplier_id = $1 AND status = 'draft'`, [s.supplierId]);
    expect(drafts).toBe(productCount);
  });

  it('accepts JSON {csv}, refuses broken files as a whole, and is for supplier staff only', async () => {
    const small = `${HEADER}\r\nJSON-1,JSON导入茶,tea,1袋,100,1,,,,\r\n`;
    const json = await t.http.post('/api/v1/catalog/imports').set(bearer(b.token)).send({ csv: small }).expect(200);
    expect(json.body).toMatchObject({ created: 1 });
    const extra = await t.http.post('/api/v1/catalog/imports').set(bearer(b.token)).send({ csv: small, more: 1 }).expect(400);
    expect(extra.body.error.code).toBe('VALIDATION_FAILED');
    const header = await post(b.token, 'sku,name\r\nx,y\r\n').expect(400);
    expect(header.body.error).toMatchObject({ code: 'CSV_HEADER_INVALID', details: { unknown: ['sku', 'name'], missing: expect.arrayContaining(['sku_code', 'price_fen']) } });
    const broken = await post(b.token, `${HEADER}\r\nX,"unterminated,tea,1,1,1,,,,\r\n`).expect(400);
    expect(broken.body.error.code).toBe('CSV_MALFORMED');
    await post(worker, small).expect(403);
    await post(admin, small).expect(403);
  });
});
