import { AppError, csvEncodingProblem } from '@huigong/common';
import { parse } from 'csv-parse/sync';

/** One problem with one row of an uploaded file: what the union admin fixes in their spreadsheet. */
export interface RowError {
  line: number;
  field: string;
  reason: string;
  employeeNo?: string;
}

export interface CsvRecord {
  line: number;
  values: Record<string, string>;
  /** columns found on this line (a short or long line is reported, not guessed at) */
  width: number;
}

export const MAX_CSV_ROWS = 100_000;

/**
 * Parses an uploaded CSV with a header line into records keyed by canonical column names.
 * `aliases` maps accepted header spellings (e.g. the Chinese headers of a spreadsheet export) to
 * the canonical name. A missing required column or a malformed file is one 422 for the whole file;
 * everything about individual rows is left to the caller's per-row report.
 */
export function parseCsv(text: string, columns: { required: string[]; optional: string[]; aliases?: Record<string, string> }): { header: string[]; records: CsvRecord[] } {
  if (typeof text !== 'string' || !text.trim()) {
    throw AppError.unprocessable('EMPTY_CSV', 'The file is empty: send CSV text with a header line (Content-Type: text/csv)');
  }
  const encoding = csvEncodingProblem(text);
  if (encoding) throw AppError.unprocessable('CSV_ENCODING', `The file ${encoding.reason}`, encoding);
  let raw: { info: { lines: number }; record: string[] }[];
  try {
    raw = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, info: true, max_record_size: 64 * 1024 }) as unknown as typeof raw;
  } catch (err) {
    const e = err as { code?: string; message: string; lines?: number };
    throw AppError.unprocessable('MALFORMED_CSV', `The file is not valid CSV: ${e.message}`, { line: e.lines, code: e.code });
  }
  if (raw.length - 1 > MAX_CSV_ROWS) {
    throw AppError.unprocessable('TOO_MANY_ROWS', `At most ${MAX_CSV_ROWS} rows per file`, { rows: raw.length - 1, max: MAX_CSV_ROWS });
  }
  const known = new Set([...columns.required, ...columns.optional]);
  const header = raw[0].record.map((h) => {
    const key = h.trim().toLowerCase();
    return columns.aliases?.[key] ?? columns.aliases?.[h.trim()] ?? key;
  });
  const missing = columns.required.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !known.has(h));
  const duplicated = header.filter((h, i) => header.indexOf(h) !== i);
  if (missing.length || unknown.length || duplicated.length) {
    throw AppError.unprocessable('INVALID_CSV_HEADER', `The header line must name the columns ${[...columns.required, ...columns.optional].join(',')}`, {
      line: raw[0].info.lines,
      missing,
      unknown,
      duplicated,
      expected: [...columns.required, ...columns.optional],
    });
  }
  const records = raw.slice(1).map(({ info, record }) => {
    const values: Record<string, string> = {};
    header.forEach((h, i) => (values[h] = record[i] ?? ''));
    return { line: info.lines, values, width: record.length };
  });
  return { header, records };
}

/** Chinese mobile numbers: 11 digits starting 13-19; spaces, dashes and a +86 prefix are dropped. */
export function normalizePhone(input: string): string | null {
  let p = input.replace(/[\s-]/g, '');
  if (/^(\+?86)1\d{10}$/.test(p)) p = p.replace(/^\+?86/, '');
  return /^1[3-9]\d{9}$/.test(p) ? p : null;
}

/** YYYY-MM-DD, also YYYY/M/D and YYYY.M.D as spreadsheets write them; a real calendar date. */
export function normalizeDate(input: string): string | null {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(input.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export const EMPLOYEE_NO = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Points as a union admin writes them ("500", "500.5", "500.50") to integer fen, by string
 * arithmetic: no float ever touches an amount.
 */
export function pointsToFen(input: string): number | null {
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(fen) ? fen : null;
}
