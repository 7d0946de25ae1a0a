/**
 * The supplier's pick-and-pack list as CSV (RFC 4180, CRLF, UTF-8 with a BOM so Excel opens the
 * Chinese text correctly). Cells come from members (names, addresses) and are opened in
 * spreadsheets, so a cell starting with = + - @ (or a tab / carriage return) is prefixed with a
 * single quote: it stays text instead of becoming a formula (CSV injection).
 */
export const PICK_LIST_HEADER = [
  'order_id',
  'placed_at',
  'state',
  'recipient',
  'phone',
  'region_code',
  'address',
  'line_no',
  'sku_id',
  'product_name',
  'spec',
  'quantity',
  'unit_price_fen',
  'amount_fen',
  'note',
] as const;

export type PickListRow = Record<(typeof PICK_LIST_HEADER)[number], string | number | null>;

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  // numbers we write ourselves (quantities, amounts) are safe; text from people is not
  return typeof value === 'string' && FORMULA_START.test(s) ? `'${s}` : s;
}

export function csvCell(value: string | number | null | undefined): string {
  const s = neutraliseCell(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function pickListCsv(rows: PickListRow[]): string {
  const lines = [PICK_LIST_HEADER.join(',')];
  for (const r of rows) lines.push(PICK_LIST_HEADER.map((h) => csvCell(r[h])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
