/**
 * Every CSV the platform hands out goes through here (RFC 4180, CRLF, UTF-8 with a BOM so Excel
 * opens Chinese text correctly). Cells come from people (names, addresses, product titles, bank
 * references) and are opened in spreadsheets, so a text cell starting with = + - @ (or a tab or
 * carriage return) is prefixed with a single quote: it stays text instead of becoming a formula
 * (CSV injection). Numbers we compute ourselves (amounts in fen, counts) are written as they are.
 */
export type CsvValue = string | number | bigint | boolean | Date | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  const s = String(value);
  return typeof value === 'string' && FORMULA_START.test(s) ? `'${s}` : s;
}

export function csvCell(value: CsvValue): string {
  const s = neutraliseCell(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}

/** A whole document: BOM, header line, one line per row (rows as arrays in header order, or records keyed by header). */
export function toCsv<H extends string>(header: readonly H[], rows: Iterable<readonly CsvValue[] | Record<H, CsvValue>>): string {
  let out = '\uFEFF' + csvLine(header);
  for (const row of rows) {
    out += csvLine(Array.isArray(row) ? (row as readonly CsvValue[]) : header.map((h) => (row as Record<H, CsvValue>)[h]));
  }
  return out;
}
