import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { randomUUID } from 'node:crypto';
import { changedTables, tableChecksums } from './support/db-checksum';
import { bearer, startTestApp, TestApp, testConfig } from './support/test-app';

/**
 * Hostile CSV in (broken encodings, wrong columns, duplicates, formula cells, giant files) and CSV
 * out (every route that produces text/csv neutralises cells starting with = + - @).
 */
const ROSTER_HEADER = 'employee_no,name,phone,group,join_date';
const CATALOG_HEADER = 'sku_code,product_name,category_code,spec,price_fen,stock';
const FORMULAS = ['=HYPERLINK("http://evil.example","点我")', '+SUM(1+1)', '-2+3+cmd|\' /C calc\'!A0', '@SUM(A1:A9)'];

/** Exports this suite seeds formula-like values into (every other text/csv route is still checked cell by cell). */
const SEEDED_EXPORTS = ['/api/v1/unions/{unionId}/activation-codes.csv', '/api/v1/supplier/orders/pick-list.csv'];

/** A cell a spreadsheet would run: starts with = + @ (or tab/CR), or - not followed by a plain number. */
const dangerous = (cell: string) => /^[=+@\t\r]/.test(cell) || /^-(?!\d+(\.\d+)?$)/.test(cell);

describe('CSV imports with hostile files (e2e)', () => {
  let t: TestApp;
  let unionAdmin: string;
  let supplier: string;
  let unionId: string;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 20 }) });
    [unionAdmin, supplier] = await Promise.all(['union-admin', 'supplier'].map((u) => t.login(u)));
    [{ id: unionId }] = await t.dataSource.query(`SELECT organization_id AS id FROM users WHERE username = 'union-admin'`);
  });
  afterAll(() => t.close());

  const roster = (body: string | Buffer, contentType = 'text/csv', query = '') =>
    t.http.post(`/api/v1/unions/${unionId}/members/import${query}`).set(bearer(unionAdmin)).set('Content-Type', contentType).send(body);
  const catalog = (body: string | Buffer, contentType = 'text/csv', query = '') =>
    t.http.post(`/api/v1/catalog/imports${query}`).set(bearer(supplier)).set('Content-Type', contentType).send(body);
  const importers = [
    { name: 'roster', send: roster, header: ROSTER_HEADER, row: (i: number, name: string) => `FZ${String(i).padStart(5, '0')},${name},1390000${String(i).padStart(4, '0')},一车间,2020-01-01` },
    { name: 'catalog', send: catalog, header: CATALOG_HEADER, row: (i: number, name: string) => `FZ-${i},${name},tea,250g,6800,10` },
  ];

  /** Runs a request and proves it changed no row anywhere. */
  async function refusedWithoutWrites(run: () => Promise<{ status: number; body: { error?: { code?: string; message?: string; details?: unknown } } }>) {
    const before = await tableChecksums(t.dataSource);
    const res = await run();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof res.body.error?.code).toBe('string');
    expect(typeof res.body.error?.message).toBe('string');
    expect(changedTables(before, await tableChecksums(t.dataSource))).toEqual([]);
    return res;
  }

  describe.each(importers)('$name import', ({ send, header, row }) => {
    const text = () => `${header}\n${row(1, '张三')}\n${row(2, '崂山绿茶')}\n`;

    it('refuses GBK bytes sent as UTF-8 with CSV_ENCODING and the line, writing nothing', async () => {
      const res = await refusedWithoutWrites(() => send(iconv.encode(text(), 'gbk')));
      expect(res.body.error!.code).toBe('CSV_ENCODING');
      expect(res.body.error!.details).toMatchObject({ line: 2 });
      expect(res.body.error!.message).toMatch(/UTF-8/);
    });

    it('reads GBK when the Content-Type says charset=gbk', async () => {
      const res = await send(iconv.encode(text(), 'gbk'), 'text/csv; charset=gbk', '?dryRun=true');
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toMatch(/CSV_ENCODING|\uFFFD/);
    });

    it('refuses UTF-16 with a BOM, and binary garbage, writing nothing', async () => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text(), 'utf16le')]);
      expect((await refusedWithoutWrites(() => send(utf16))).body.error!.code).toBe('CSV_ENCODING');
      // deterministic "random" bytes: a zip-like header and every byte value
      const garbage = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))]);
      await refusedWithoutWrites(() => send(garbage));
    });

    it('refuses unknown media types and charsets', async () => {
      await refusedWithoutWrites(() => send(text(), 'text/csv; charset=klingon'));
      await refusedWithoutWrites(() => send(Buffer.from(text()), 'application/octet-stream'));
    });

    it('refuses a wrong, missing or duplicated column for the whole file', async () => {
      const cols = header.split(',');
      const variants = [
        [...cols.slice(0, -1), 'surprise'].join(','), // a wrong column
        cols.slice(1).join(','), // a missing one
        [...cols, cols[0]].join(','), // a duplicated one
      ];
      for (const h of variants) {
        const res = await refusedWithoutWrites(() => send(`${h}\n${row(1, '张三')}\n`));
        expect(res.body.error!.code).toMatch(/HEADER/);
        expect(res.body.error!.details).toEqual(expect.objectContaining({ missing: expect.any(Array), unknown: expect.any(Array), duplicated: expect.any(Array) }));
      }
    });

    it('reports a duplicated row on its own line and keeps the first', async () => {
      const res = await send(`${header}\n${row(7, '李四')}\n${row(7, '李四')}\n`, 'text/csv', '?dryRun=true');
      expect(res.status).toBe(200);
      expect(res.body.errors).toEqual([expect.objectContaining({ line: 3 })]);
      expect(JSON.stringify(res.body.errors[0])).toMatch(/duplicate/);
    });

    it('refuses a file with more rows than allowed (100,000) without writing', async () => {
      const rows: string[] = [header];
      for (let i = 0; i < 100_001; i++) rows.push(row(i % 90_000, '职工'));
      const res = await refusedWithoutWrites(() => send(rows.join('\n')));
      expect(res.body.error!.code).toMatch(/TOO_MANY_ROWS|CSV_TOO_LARGE/);
    });

    it('keeps formula-like cells as plain text (exports neutralise them)', async () => {
      const res = await send(`${header}\n${row(9, FORMULAS[1])}\n`, 'text/csv', '?dryRun=true');
      expect(res.status).toBe(200);
    });
  });
});

describe('CSV exports neutralise formula cells (e2e)', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 30 }) });
    for (const [role, user] of Object.entries({ platform_admin: 'admin', union_admin: 'union-admin', supplier_staff: 'supplier', worker: 'worker', auditor: 'auditor' })) tokens[role] = await t.login(user);
    const [{ union, supplierOrg }] = await t.dataSource.query(
      `SELECT (SELECT organization_id FROM users WHERE username = 'union-admin') AS union, (SELECT organization_id FROM users WHERE username = 'supplier') AS "supplierOrg"`,
    );
    ids.unionId = union;
    // people's names and groups as a roster import brings them in
    const roster = [ROSTER_HEADER, ...FORMULAS.map((f, i) => `XL${i},${f.includes(',') ? `"${f.replace(/"/g, '""')}"` : f},1370000000${i},${FORMULAS[(i + 1) % 4].replace(/[",]/g, '')},2020-01-01`)].join('\n');
    const imported = await t.http.post(`/api/v1/unions/${union}/members/import`).set(bearer(tokens.union_admin)).set('Content-Type', 'text/csv').send(roster);
    expect(imported.status).toBe(200);
    expect(imported.body.rejected).toBe(0);
    // an order the demo supplier has accepted, with a formula-like recipient, address and note
    const skus: { id: string; org: string }[] = await t.dataSource.query(
      `SELECT k.id, s.organization_id AS org FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = k.supplier_id
        WHERE p.status = 'active' AND k.stock > 0 AND k.price_fen <= 20000 ORDER BY (s.organization_id = $1) DESC, k.price_fen LIMIT 60`,
      [supplierOrg],
    );
    let orderId: string | undefined;
    let orderSupplierOrg: string | undefined;
    for (const sku of skus) {
      const res = await t.http
        .post('/api/v1/checkout')
        .set(bearer(tokens.worker))
        .set('Idempotency-Key', randomUUID())
        .send({ lines: [{ skuId: sku.id, quantity: 1 }], address: { recipient: FORMULAS[3], phone: '13805320001', regionCode: '370202', detail: FORMULAS[2] }, note: FORMULAS[0] });
      if (res.status === 201) {
        orderId = res.body.orders[0].id;
        orderSupplierOrg = sku.org;
        break;
      }
    }
    expect(orderId).toBeDefined();
    if (orderSupplierOrg !== supplierOrg) {
      // the demo worker's campaign may only buy from another supplier: act as that supplier's staff
      const staff = { organizationId: orderSupplierOrg, username: 'csv-supplier-staff', displayName: '发货员', password: 'csv-supplier-pw', roles: ['supplier_staff'] };
      expect((await t.http.post('/api/v1/users').set(bearer(tokens.platform_admin)).send(staff)).status).toBe(201);
      tokens.supplier_staff = await t.login(staff.username, staff.password);
    }
    expect((await t.http.post(`/api/v1/supplier/orders/${orderId}/accept`).set(bearer(tokens.supplier_staff)).send({})).status).toBe(200);
    // product names typed by suppliers reach the pick list through the order's snapshot
    await t.dataSource.query(`UPDATE order_lines SET product_name = $2, spec = $3 WHERE order_id = $1`, [orderId, FORMULAS[1], FORMULAS[0]]);
  }, 120_000);
  afterAll(() => t.close());

  /** Every GET the OpenAPI document says answers text/csv (or whose path ends in .csv). */
  const csvRoutes = () =>
    Object.entries(t.openApi.paths).flatMap(([path, item]) => {
      const op = item.get;
      if (!op) return [];
      const produces = Object.values(op.responses ?? {}).some((r) => !!r && 'content' in r && r.content?.['text/csv'] && !/UNAUTHORIZED|FORBIDDEN/.test(r.description ?? ''));
      return produces || path.endsWith('.csv') ? [{ path, roles: ((op as unknown as Record<string, unknown>)['x-roles'] as string[]) ?? [] }] : [];
    });

  it('finds the CSV exports in the document', () => {
    expect(csvRoutes().map((r) => r.path)).toEqual(expect.arrayContaining(SEEDED_EXPORTS));
  });

  it('writes one BOM, CRLF lines, and no cell a spreadsheet would run, in every export', async () => {
    const wrong: string[] = [];
    const notExercised: string[] = [];
    for (const { path, roles } of csvRoutes()) {
      const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name] ?? `missing-fixture-for-${name}`);
      // the role that owns the seeded data (a union admin for union exports, the supplier for its orders)
      const role = ['union_admin', 'supplier_staff', 'platform_admin', 'auditor', 'worker'].find((r) => roles.includes(r));
      const res = await t.http.get(url).set(bearer(tokens[role!])).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
      });
      const seeded = SEEDED_EXPORTS.includes(path);
      if (res.status !== 200) {
        // an export this suite has no fixture for (a path or query parameter it cannot know) is reported, not failed
        if (seeded) wrong.push(`${path}: ${res.status}`);
        else notExercised.push(`${path}: ${res.status}`);
        continue;
      }
      const text = res.body as string;
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      if (!text.startsWith('\uFEFF') || text.startsWith('\uFEFF\uFEFF')) wrong.push(`${path}: must start with exactly one BOM`);
      if (/[^\r]\n/.test(text)) wrong.push(`${path}: a line ends without CR`);
      const cells = (parse(text, { bom: true, relax_column_count: true }) as string[][]).flat();
      for (const c of cells.filter(dangerous)) wrong.push(`${path}: cell ${JSON.stringify(c)} is not neutralised`);
      const neutralised = FORMULAS.filter((f) => cells.some((c) => c === `'${f}` || c === `'${f.replace(/[",]/g, '')}`));
      if (!neutralised.length) (seeded ? wrong : notExercised).push(`${path}: none of the seeded formula values appear; seed one where this export shows it`);
    }
    if (notExercised.length) console.warn(`CSV exports checked for shape only or not reached:\n${notExercised.join('\n')}`);
    expect(wrong).toEqual([]);
  });
});
