import { AppError } from '@huigong/common';
import { generateProducts, generateSuppliers, productsToCsv } from '../demo';
import { parseCsv, readImportRows } from './csv-rows';

const HEADER = 'sku_code,product_name,category_code,spec,price_fen,stock';

describe('import CSV rows', () => {
  it('reads back what the generator writes, line numbers included', async () => {
    const suppliers = generateSuppliers({ count: 5 });
    const products = [...generateProducts(suppliers, { count: 40 })];
    const { rows, errors, dataRows } = readImportRows(await parseCsv(productsToCsv(products)));
    expect(errors).toEqual([]);
    const skus = products.flatMap((p) => p.skus.map((k) => ({ p, k })));
    expect(dataRows).toBe(skus.length);
    expect(rows.map((r) => [r.skuCode, r.productName, r.priceFen, r.stock, r.perMemberLimit, r.originRegionCode, r.imageUrls])).toEqual(
      skus.map(({ p, k }) => [k.skuCode, p.name, k.priceFen, k.stock, k.perMemberLimit, p.originRegionCode, p.imageUrls]),
    );
    expect(rows.map((r) => r.line)).toEqual(skus.map((_, i) => i + 2));
  });

  it('accepts the required columns alone, in any order, with a BOM and LF line ends', async () => {
    const { rows, errors } = readImportRows(await parseCsv(`\uFEFFstock,price_fen,spec,category_code,product_name,sku_code\n7,990,1袋,tea,茶,A-1\n`));
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({ skuCode: 'A-1', stock: 7, priceFen: 990, originRegionCode: null, description: '', imageUrls: [], perMemberLimit: null });
  });

  it('checks each field and reports every failure of a row', async () => {
    const { rows, errors } = readImportRows(await parseCsv(`${HEADER},per_member_limit\r\n-x,,tea,,0,1.5,0\r\n`));
    expect(rows).toEqual([]);
    expect(errors.map((e) => e.field)).toEqual(['sku_code', 'product_name', 'spec', 'price_fen', 'stock', 'per_member_limit']);
    expect(errors.every((e) => e.line === 2)).toBe(true);
  });

  it('refuses a file whose header does not fit, naming what is wrong', async () => {
    let err: unknown;
    try {
      readImportRows(await parseCsv('sku_code,sku_code,colour\r\n'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CSV_HEADER_INVALID', details: { unknown: ['colour'], duplicated: ['sku_code'], missing: ['product_name', 'category_code', 'spec', 'price_fen', 'stock'] } });
    await expect(parseCsv('a,"b')).rejects.toMatchObject({ code: 'CSV_MALFORMED' });
  });
});
