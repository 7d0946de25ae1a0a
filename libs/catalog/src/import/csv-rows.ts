import { AppError, csvEncodingProblem } from '@huigong/common';
import { parse } from 'csv-parse';
import { CSV_HEADER } from '../demo';

/** The supplier import format: one row per SKU; rows with identical product columns form one product. */
export const IMPORT_COLUMNS = CSV_HEADER;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export const REQUIRED_COLUMNS: readonly ImportColumn[] = ['sku_code', 'product_name', 'category_code', 'spec', 'price_fen', 'stock'];
export const MAX_IMPORT_ROWS = 100_000;
export const MAX_STOCK = 10_000_000;
export const MAX_PRICE_FEN = 100_000_000;
export const SKU_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const REGION_CODE_PATTERN = /^\d{6}$/;
const MAX_IMAGES = 10;

export interface ImportRowError {
  /** line in the file, the header being line 1 */
  line: number;
  skuCode: string | null;
  field: ImportColumn | 'row';
  reason: string;
}

/** A row that passed the checks that need no database. */
export interface ImportRow {
  line: number;
  skuCode: string;
  productName: string;
  categoryCode: string;
  spec: string;
  priceFen: number;
  stock: number;
  perMemberLimit: number | null;
  /** null: the supplier's own region */
  originRegionCode: string | null;
  description: string;
  imageUrls: string[];
}

interface RawRecord {
  line: number;
  cells: string[];
}

/** Parses CSV text into records with their starting line numbers (quoted fields may span lines). */
export function parseCsv(text: string): Promise<RawRecord[]> {
  const encoding = csvEncodingProblem(text);
  if (encoding) return Promise.reject(new AppError('CSV_ENCODING', `The file ${encoding.reason}`, 400, encoding));
  return new Promise((resolve, reject) => {
    parse(text, { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] }, (err, records: string[][]) => {
      if (err) {
        const e = err as Error & { lines?: number; code?: string };
        reject(new AppError('CSV_MALFORMED', `The CSV cannot be read: ${e.message}`, 400, { line: e.lines, reason: e.code }));
        return;
      }
      const out: RawRecord[] = [];
      let line = 1;
      for (const cells of records) {
        out.push({ line, cells });
        // a record takes one line plus one for every line break inside its quoted fields
        line += 1;
        for (const c of cells) for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) line++;
      }
      resolve(out);
    });
  });
}

/** Spreadsheets evaluate cells starting with = + - @; exports defuse them with a leading quote, which we undo. */
function undefuse(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

function isBlank(cells: string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/**
 * Maps the header, then checks each row on its own. Returns the rows that passed and one error per
 * failed field; whole-file problems (header, size) throw.
 */
export function readImportRows(records: RawRecord[]): { rows: ImportRow[]; errors: ImportRowError[]; dataRows: number } {
  const [header, ...data] = records;
  if (!header) throw new AppError('CSV_EMPTY', 'The CSV has no header line', 400, { expected: IMPORT_COLUMNS });
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const unknown = names.filter((n) => !(IMPORT_COLUMNS as readonly string[]).includes(n));
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  const duplicated = names.filter((n, i) => names.indexOf(n) !== i);
  if (unknown.length || missing.length || duplicated.length) {
    throw new AppError('CSV_HEADER_INVALID', 'The CSV header does not match the import format', 400, {
      unknown,
      missing,
      duplicated,
      expected: IMPORT_COLUMNS,
    });
  }
  const rowsWithData = data.filter((r) => !isBlank(r.cells));
  if (rowsWithData.length > MAX_IMPORT_ROWS) {
    throw new AppError('CSV_TOO_LARGE', `At most ${MAX_IMPORT_ROWS} rows per import`, 400, { rows: rowsWithData.length, max: MAX_IMPORT_ROWS });
  }
  const index = new Map(names.map((n, i) => [n as ImportColumn, i]));
  const rows: ImportRow[] = [];
  const errors: ImportRowError[] = [];
  for (const rec of rowsWithData) {
    const get = (c: ImportColumn) => undefuse((index.has(c) ? rec.cells[index.get(c)!] ?? '' : '').trim());
    const skuCode = get('sku_code');
    const bad = (field: ImportColumn | 'row', reason: string) => errors.push({ line: rec.line, skuCode: skuCode || null, field, reason });
    if (rec.cells.length !== names.length) {
      // the columns are shifted: checking them one by one would only add noise
      bad('row', `has ${rec.cells.length} fields, the header ${names.length}`);
      continue;
    }
    const before = errors.length;
    if (!SKU_CODE_PATTERN.test(skuCode)) bad('sku_code', 'must be 1-64 letters, digits, . _ - starting with a letter or digit');
    const productName = get('product_name');
    if (productName.length < 1 || productName.length > 120) bad('product_name', 'must have 1-120 characters');
    const categoryCode = get('category_code');
    if (!categoryCode) bad('category_code', 'is required');
    const spec = get('spec');
    if (spec.length < 1 || spec.length > 100) bad('spec', 'must have 1-100 characters');
    const priceFen = integer(get('price_fen'), 1, MAX_PRICE_FEN);
    if (priceFen === null) bad('price_fen', `must be a whole number of fen between 1 and ${MAX_PRICE_FEN}`);
    const stock = integer(get('stock'), 0, MAX_STOCK);
    if (stock === null) bad('stock', `must be a whole number between 0 and ${MAX_STOCK}`);
    const limitText = get('per_member_limit');
    const perMemberLimit = limitText === '' ? null : integer(limitText, 1, 1_000_000);
    if (limitText !== '' && perMemberLimit === null) bad('per_member_limit', 'must be empty or a whole number of at least 1');
    const origin = get('origin_region_code');
    if (origin !== '' && !REGION_CODE_PATTERN.test(origin)) bad('origin_region_code', 'must be a 6-digit GB/T 2260 region code');
    const description = get('description');
    if (description.length > 5000) bad('description', 'must have at most 5000 characters');
    const images = get('image_urls');
    const imageUrls = images === '' ? [] : images.split('|').map((u) => u.trim());
    if (imageUrls.length > MAX_IMAGES) bad('image_urls', `at most ${MAX_IMAGES} URLs separated by |`);
    else if (imageUrls.some((u) => !isImageUrl(u))) bad('image_urls', 'must be http(s) URLs of at most 500 characters, separated by |');
    if (errors.length > before) continue;
    rows.push({
      line: rec.line,
      skuCode,
      productName,
      categoryCode,
      spec,
      priceFen: priceFen!,
      stock: stock!,
      perMemberLimit,
      originRegionCode: origin === '' ? null : origin,
      description,
      imageUrls,
    });
  }
  return { rows, errors, dataRows: rowsWithData.length };
}

function integer(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

export function isImageUrl(u: string): boolean {
  if (u.length > 500 || /\s/.test(u)) return false;
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
