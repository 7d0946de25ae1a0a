import {
  CATEGORIES,
  CSV_HEADER,
  FORBIDDEN_CATEGORIES,
  NOUN_ORIGINS,
  QINGDAO_REGIONS,
  REGIONS,
  generateProducts,
  generateSuppliers,
  isLocalRegion,
  productsToCsv,
  type DemoProduct,
  type DemoSupplier,
} from './index';

/** Minimal RFC 4180 reader, so the test checks the format rather than trusting one library. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += ch;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const categoryByCode = new Map(CATEGORIES.map((c) => [c.code, c]));
const regionByCode = new Map(REGIONS.map((r) => [r.code, r]));

describe('word lists', () => {
  it('has exactly 30 allowed categories with unique kebab-case codes', () => {
    expect(CATEGORIES).toHaveLength(30);
    const codes = CATEGORIES.map((c) => c.code);
    expect(new Set(codes).size).toBe(30);
    for (const c of CATEGORIES) {
      expect(c.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(c.forbidden).toBe(false);
      expect(c.subcategories.length).toBeGreaterThanOrEqual(2);
      expect(c.subcategories.length).toBeLessThanOrEqual(5);
      const nouns = c.subcategories.flatMap((s) => s.nouns);
      expect(nouns.length).toBeGreaterThanOrEqual(5);
      expect(nouns.length).toBeLessThanOrEqual(15);
      // Every category must be sellable from anywhere, so it needs nouns not tied to a place.
      expect(nouns.some((n) => NOUN_ORIGINS[n] === undefined)).toBe(true);
      expect(new Set(c.subcategories.map((s) => s.code)).size).toBe(c.subcategories.length);
    }
    expect(CATEGORIES.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        '农副产品', '粮油米面', '肉禽蛋品', '海鲜水产', '新鲜水果', '茶叶', '休闲零食', '日用百货',
        '小家电', '酒水饮料', '乳品', '调味品', '干货', '蔬菜', '滋补保健', '个人护理', '家居清洁',
        '厨具', '床上用品', '服装鞋帽', '母婴', '文体用品', '图书', '数码配件', '户外运动',
        '汽车用品', '宠物用品', '花卉园艺', '地方特产', '节日礼盒',
      ]),
    );
  });

  it('keeps cash equivalents as a separate forbidden category', () => {
    expect(FORBIDDEN_CATEGORIES.map((c) => c.code)).toEqual(['cash-equivalents']);
    expect(FORBIDDEN_CATEGORIES[0].forbidden).toBe(true);
    expect(FORBIDDEN_CATEGORIES[0].name).toContain('购物卡');
    expect(categoryByCode.has('cash-equivalents')).toBe(false);
  });

  it('has sane price ranges and spec templates', () => {
    for (const c of CATEGORIES) {
      expect(Number.isSafeInteger(c.priceFen.min) && c.priceFen.min > 0).toBe(true);
      expect(Number.isSafeInteger(c.priceFen.max) && c.priceFen.max >= c.priceFen.min).toBe(true);
      for (const s of c.subcategories) {
        if (s.priceFen) {
          expect(s.priceFen.min).toBeGreaterThanOrEqual(c.priceFen.min);
          expect(s.priceFen.max).toBeLessThanOrEqual(c.priceFen.max);
        }
        for (const t of [...c.specs, ...(s.specs ?? [])]) {
          // A placeholder without values (or values without a placeholder) would print "{n}".
          expect(t.pattern.includes('{n}')).toBe(t.n !== undefined);
          expect(t.pattern.includes('{m}')).toBe(t.m !== undefined);
          expect(t.pattern.includes('{v}')).toBe(t.v !== undefined);
        }
      }
    }
  });

  it('lists Qingdao districts and other regions with GB/T 2260 codes', () => {
    const codes = REGIONS.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    const qingdao = [
      '370200', '370202', '370203', '370211', '370212', '370213', '370214', '370215', '370281', '370283', '370285',
    ];
    for (const code of qingdao) {
      expect(isLocalRegion(code)).toBe(true);
      expect(regionByCode.has(code)).toBe(true);
    }
    expect(QINGDAO_REGIONS.every((r) => isLocalRegion(r.code))).toBe(true);
    expect(REGIONS.filter((r) => !isLocalRegion(r.code)).length).toBeGreaterThanOrEqual(25);
    expect(regionByCode.get('370212')?.name).toContain('崂山区');
    expect(regionByCode.get('230184')?.name).toContain('五常');
    for (const origin of Object.values(NOUN_ORIGINS)) expect(regionByCode.has(origin)).toBe(true);
    for (const r of REGIONS) for (const c of r.specialties) expect(categoryByCode.has(c)).toBe(true);
  });

  it('isLocalRegion matches the city prefix only', () => {
    expect(isLocalRegion('370212')).toBe(true);
    expect(isLocalRegion('370600')).toBe(false);
    expect(isLocalRegion('370000')).toBe(false);
    expect(isLocalRegion('3702')).toBe(false);
    expect(isLocalRegion('370686', '3706')).toBe(true);
  });
});

describe('generateSuppliers', () => {
  const suppliers = generateSuppliers({ seed: 7 });

  it('generates 200 suppliers by default, about 30% in Qingdao', () => {
    expect(suppliers).toHaveLength(200);
    const local = suppliers.filter((s) => isLocalRegion(s.regionCode)).length;
    expect(local).toBe(60);
  });

  it('generates well-formed, unique suppliers that sell allowed categories', () => {
    expect(new Set(suppliers.map((s) => s.code)).size).toBe(suppliers.length);
    expect(new Set(suppliers.map((s) => s.companyName)).size).toBe(suppliers.length);
    for (const s of suppliers) {
      expect(s.companyName).toMatch(/(公司|合作社)$/);
      expect(s.contactName).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
      expect(s.contactPhone).toMatch(/^1[3-9]\d{9}$/);
      expect(regionByCode.get(s.regionCode)?.name).toBe(s.regionName);
      expect(s.certification === null).toBe(!s.certified);
      expect(s.categories.length).toBeGreaterThan(0);
      expect(new Set(s.categories).size).toBe(s.categories.length);
      for (const c of s.categories) expect(categoryByCode.has(c)).toBe(true);
    }
  });

  it('is deterministic per seed', () => {
    expect(generateSuppliers({ seed: 7 })).toEqual(suppliers);
    expect(generateSuppliers({ seed: 8 })).not.toEqual(suppliers);
    expect(generateSuppliers({})).toEqual(generateSuppliers({}));
  });

  it('rejects a bad count', () => {
    expect(() => generateSuppliers({ count: -1 })).toThrow(RangeError);
    expect(() => generateSuppliers({ count: 1.5 })).toThrow(RangeError);
    expect(generateSuppliers({ count: 0 })).toEqual([]);
  });
});

describe('generateProducts', () => {
  const suppliers = generateSuppliers({ seed: 42 });
  const supplierByCode = new Map(suppliers.map((s) => [s.code, s]));
  let products: DemoProduct[];

  beforeAll(() => {
    products = [...generateProducts(suppliers, { seed: 42, count: 5000 })];
  });

  it('generates the requested count', () => {
    expect(products).toHaveLength(5000);
  });

  it('is deterministic per seed and stable as a prefix', () => {
    const again = [...generateProducts(suppliers, { seed: 42, count: 5000 })];
    expect(again).toEqual(products);
    const other = [...generateProducts(suppliers, { seed: 43, count: 5000 })];
    expect(other).not.toEqual(products);
    expect([...generateProducts(suppliers, { seed: 42, count: 100 })]).toEqual(products.slice(0, 100));
  });

  // Checks over thousands of items collect offenders and assert once: readable failures, and far
  // faster than one expect() per SKU.

  it('prices every SKU as a positive safe integer inside its category range', () => {
    const bad = products.flatMap((p) => {
      const category = categoryByCode.get(p.categoryCode)!;
      const sub = category.subcategories.find((s) => s.code === p.subcategoryCode);
      const range = sub?.priceFen ?? category.priceFen;
      const ok = (fen: number) => Number.isSafeInteger(fen) && fen > 0 && fen >= range.min && fen <= range.max;
      return p.skus
        .filter((sku) => !ok(sku.priceFen))
        .map((sku) => `${p.name} ${sku.spec}: ${sku.priceFen}`);
    });
    expect(bad).toEqual([]);
  });

  it('only lists products in categories their supplier sells, never forbidden ones', () => {
    const forbidden = new Set(FORBIDDEN_CATEGORIES.map((c) => c.code));
    const bad = products.filter((p) => {
      const sells = supplierByCode.get(p.supplierCode)!.categories.includes(p.categoryCode);
      const subs = categoryByCode.get(p.categoryCode)?.subcategories.map((s) => s.code) ?? [];
      return !sells || forbidden.has(p.categoryCode) || !subs.includes(p.subcategoryCode ?? '');
    });
    expect(bad).toEqual([]);
  });

  it('keeps SKU codes unique per supplier', () => {
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for (const p of products) {
      for (const sku of p.skus) {
        const key = `${p.supplierCode}/${sku.skuCode}`;
        if (seen.has(key)) duplicates.push(key);
        seen.add(key);
      }
    }
    expect(duplicates).toEqual([]);
  });

  it('generates plausible SKUs, stock, limits, images and descriptions', () => {
    let skuCount = 0;
    let outOfStock = 0;
    let limited = 0;
    const bad: string[] = [];
    const image = /^https:\/\/img\.huigong\.example\/p\/[0-9a-f]+\.jpg$/;
    for (const p of products) {
      if (p.skus.length < 1 || p.skus.length > 3) bad.push(`${p.name}: ${p.skus.length} SKUs`);
      if (new Set(p.skus.map((s) => s.spec)).size !== p.skus.length) bad.push(`${p.name}: repeated spec`);
      for (const sku of p.skus) {
        if (/[{}]/.test(sku.spec)) bad.push(`${p.name}: spec ${sku.spec}`);
        if (!Number.isSafeInteger(sku.stock) || sku.stock < 0 || sku.stock > 5000) {
          bad.push(`${p.name}: stock ${sku.stock}`);
        }
        const limit = sku.perMemberLimit;
        if (limit !== null && !(Number.isSafeInteger(limit) && limit > 0)) bad.push(`${p.name}: limit ${limit}`);
        skuCount++;
        if (sku.stock === 0) outOfStock++;
      }
      if (p.skus[0].perMemberLimit !== null) limited++;
      if (!/^[\u4e00-\u9fff]+$/.test(p.name)) bad.push(`name ${p.name}`);
      const sentences = p.description.split('。').filter((s) => s !== '');
      if (sentences.length < 1 || sentences.length > 3 || !p.description.endsWith('。')) {
        bad.push(`${p.name}: description ${p.description}`);
      }
      if (p.imageUrls.length === 0 || !p.imageUrls.every((u) => image.test(u))) bad.push(`${p.name}: images`);
      if (regionByCode.get(p.originRegionCode)?.name !== p.originRegionName) bad.push(`${p.name}: origin`);
    }
    expect(bad).toEqual([]);
    expect(outOfStock / skuCount).toBeGreaterThan(0.01);
    expect(outOfStock / skuCount).toBeLessThan(0.06);
    expect(limited / products.length).toBeGreaterThan(0.05);
    expect(limited / products.length).toBeLessThan(0.15);
  });

  it('normally takes the origin from the supplier, so Qingdao suppliers sell local goods', () => {
    const fromSupplierRegion = products.filter(
      (p) => p.originRegionCode === supplierByCode.get(p.supplierCode)!.regionCode,
    ).length;
    expect(fromSupplierRegion / products.length).toBeGreaterThan(0.7);
    const local = products.filter((p) => isLocalRegion(p.originRegionCode)).length / products.length;
    expect(local).toBeGreaterThanOrEqual(0.15);
    expect(local).toBeLessThanOrEqual(0.5);
  });

  it('produces names a search for 大米, 崂山 or 海参 will find', () => {
    for (const word of ['大米', '崂山', '海参']) {
      expect(products.some((p) => p.name.includes(word))).toBe(true);
    }
  });

  it('streams 50,000 products with mostly distinct names', () => {
    let count = 0;
    const names = new Set<string>();
    for (const p of generateProducts(suppliers, { seed: 1, count: 50_000 })) {
      count++;
      names.add(p.name);
    }
    expect(count).toBe(50_000);
    expect(names.size / count).toBeGreaterThan(0.5);
  }, 60_000); // generous: a timeout, not a speed assertion

  it('skips forbidden categories a supplier claims and rejects bad input', () => {
    const cashOnly: DemoSupplier = { ...suppliers[0], code: 'X1', categories: ['cash-equivalents'] };
    const mixed: DemoSupplier = { ...suppliers[0], code: 'X2', categories: ['cash-equivalents', 'tea'] };
    const out = [...generateProducts([cashOnly, mixed], { seed: 3, count: 200 })];
    expect(out.every((p) => p.supplierCode === 'X2' && p.categoryCode === 'tea')).toBe(true);
    expect(() => generateProducts([cashOnly], { count: 1 })).toThrow();
    expect(() => generateProducts(suppliers, { count: -5 })).toThrow(RangeError);
  });
});

describe('productsToCsv', () => {
  const suppliers = generateSuppliers({ seed: 5, count: 50 });
  const products = [...generateProducts(suppliers, { seed: 5, count: 500 })];

  it('writes the bulk-import header and one row per SKU that parses back', () => {
    const csv = productsToCsv(products);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([...CSV_HEADER]);
    expect(rows[0].join(',')).toBe(
      'sku_code,product_name,category_code,spec,price_fen,stock,per_member_limit,origin_region_code,description,image_urls',
    );
    const skus = products.flatMap((p) => p.skus.map((sku) => ({ p, sku })));
    expect(rows).toHaveLength(skus.length + 1);
    expect(rows.slice(1)).toEqual(
      skus.map(({ p, sku }) => [
        sku.skuCode,
        p.name,
        p.categoryCode,
        sku.spec,
        String(sku.priceFen),
        String(sku.stock),
        sku.perMemberLimit === null ? '' : String(sku.perMemberLimit),
        p.originRegionCode,
        p.description,
        p.imageUrls.join('|'),
      ]),
    );
    expect(rows.flat().filter((cell) => /^[=+\-@]/.test(cell))).toEqual([]);
  });

  it('quotes per RFC 4180 and defuses formula-like cells', () => {
    const tricky: DemoProduct = {
      supplierCode: 'S',
      categoryCode: 'tea',
      subcategoryCode: null,
      name: '=HYPERLINK("http://x","点我")',
      description: '第一行，含逗号,和"引号"\r\n第二行',
      imageUrls: ['https://img.huigong.example/p/a.jpg', 'https://img.huigong.example/p/b.jpg'],
      originRegionCode: '370212',
      originRegionName: '山东省青岛市崂山区',
      skus: [{ skuCode: '-1', spec: '@SUM(A1)', priceFen: 100, stock: 1, perMemberLimit: 2 }],
    };
    const csv = productsToCsv([tricky]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual([
      "'-1",
      `'=HYPERLINK("http://x","点我")`,
      'tea',
      "'@SUM(A1)",
      '100',
      '1',
      '2',
      '370212',
      '第一行，含逗号,和"引号"\r\n第二行',
      'https://img.huigong.example/p/a.jpg|https://img.huigong.example/p/b.jpg',
    ]);
    expect(csv).toContain('"\'=HYPERLINK(""http://x"",""点我"")"');
  });

  it('writes only the header for no products', () => {
    expect(productsToCsv([])).toBe(`${CSV_HEADER.join(',')}\r\n`);
  });
});
