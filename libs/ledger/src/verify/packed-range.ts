// The verifier's fast range loader: two COPY ... TO STDOUT commands per id range (queued on one
// client, with the next range's queued behind them), because decoding a million pg rows field by field cost Node more than hashing them, and
// packing them into strings in SQL (string concatenation and string_agg, the previous loader) cost
// PostgreSQL twice what COPY's own text output costs. Kept free of framework imports (worker threads
// load it).
//
// COPY's text format is exact by construction: fields end at a tab, rows at a newline, a NULL is \N
// and every tab, newline, carriage return, backslash (and \b \f \v) inside a value is escaped with a
// backslash. A field holding a backslash is unescaped and goes the string path; anything that does
// not have the expected shape (field count, ids ascending, a NULL where the schema forbids one, a
// timestamp not in ISO DateStyle) refuses the range, which is then read as rows (verify-range-sql.ts)
// — never parsed by guess.
import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { hash } from 'node:crypto';
import { ENTRY_DOMAIN_TAG } from '../sealing/canonical-encoding';
import { checkEntryBatch, EntryBatchBuilder, EntryBatchResult, EntryRow, EntrySeal, SealRow, TransferRow } from './entry-batch-check';
import { parsedJsonCanonical, TransferTuple } from './fast-entry-hash';
import { jsonbTextCanonicalInto } from './jsonb-text-canonical';
import { ENTRY_RANGE_SQL, SEAL_RANGE_SQL, TRANSFER_RANGE_SQL } from './verify-range-sql';

/**
 * The range's entries with their seals, one row each: created_at goes as timestamp_out writes the
 * UTC wall time (ISO DateStyle: `2026-11-26 19:20:34.1234`, trailing zeros of the fraction dropped)
 * and is rewritten to the canonical form here (to_char cost ~0.7 µs per entry of the server's CPU).
 * COPY takes no parameters: the bounds are bigints this module formats itself.
 */
export const entryCopySql = (from: bigint, to: bigint): string => `COPY (
  SELECT e.id, e.kind, e.idempotency_key, e.reference, e.actor, e.metadata, e.created_at AT TIME ZONE 'UTC', e.transfer_count,
         s.block_height, s.leaf_index, s.entry_hash
    FROM ledger_entries e
    LEFT JOIN ledger_entry_seals s ON s.entry_id = e.id AND s.entry_id >= ${bound(from)} AND s.entry_id < ${bound(to)}
   WHERE e.id >= ${bound(from)} AND e.id < ${bound(to)}
   ORDER BY e.id) TO STDOUT`;

export const transferCopySql = (from: bigint, to: bigint): string => `COPY (
  SELECT entry_id, debit_account_id, credit_account_id, amount FROM ledger_transfers
   WHERE entry_id >= ${bound(from)} AND entry_id < ${bound(to)} ORDER BY entry_id, id) TO STDOUT`;

function bound(v: bigint): string {
  if (typeof v !== 'bigint') throw new TypeError('range bounds must be bigints');
  return v.toString();
}

/** A range as COPY sent it: the entries (with seals) and the transfers, each in COPY's text format. */
export interface PackedRange {
  entries: Buffer;
  transfers: Buffer;
}

const ENTRY_FIELDS = 11;
const TAB = 0x09;
const NL = 0x0a;
const BACKSLASH = 0x5c;

/** Queues the range's two COPY commands (on a pg client queries queue, so the next range can be asked for before this one is checked). */
export async function fetchPackedRange(c: ClientBase, from: bigint, to: bigint): Promise<PackedRange> {
  const [entries, transfers] = await Promise.all([copyOut(c, entryCopySql(from, to)), copyOut(c, transferCopySql(from, to))]);
  return { entries, transfers };
}

function copyOut(c: ClientBase, sql: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = c.query(copyTo(sql));
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Checks a fetched range; a range that does not have the expected shape is read again as rows on the same client. */
export async function checkRange(c: ClientBase, from: bigint, to: bigint, packed: PackedRange): Promise<EntryBatchResult> {
  const r = checkPackedRange(packed);
  if (r) return r;
  const values = [from.toString(), to.toString()];
  const [er, sr, tr] = [
    await c.query({ text: ENTRY_RANGE_SQL, values, rowMode: 'array' }),
    await c.query({ text: SEAL_RANGE_SQL, values, rowMode: 'array' }),
    await c.query({ text: TRANSFER_RANGE_SQL, values, rowMode: 'array' }),
  ];
  return checkEntryBatch(er.rows as EntryRow[], sr.rows as SealRow[], tr.rows as TransferRow[]);
}

/**
 * The same checks as checkEntryBatch over a range in COPY's text format, or null when the range does
 * not have the expected shape (the caller then reads it as rows). Seals whose entry does not exist
 * are not in a range (entries are joined to seals): the verifier counts the seals against the
 * sealed entries, and names the first orphan with one query when they differ.
 *
 * Works on the UTF-8 bytes: fields are found in one pass and an entry's canonical encoding is
 * copied together in one reused buffer (PreimageWriter) instead of being built from strings; an
 * entry the byte path cannot encode plainly (a field to escape is fine; a malformed one is not)
 * goes through EntryBatchBuilder.entry as strings, which names its problem exactly as before.
 */
export function checkPackedRange({ entries: buf, transfers: tbuf }: PackedRange): EntryBatchResult | null {
  // transfers are digits, tabs and newlines only: anything else (a NULL's backslash) goes the row path
  if (tbuf.includes(BACKSLASH)) return null;
  heightBuf = undefined; // seal()'s height reuse never reaches across calls
  const b = new EntryBatchBuilder();
  const f = new Int32Array(2 * ENTRY_FIELDS); // [start, end) of each field of the current record
  const w = writer;
  let records = 0;
  let p = 0;
  let prevS = 0;
  let prevE = 0;
  // transfers: the current one's [entry id, debit, credit, amount] bounds in tbuf
  const t = new Int32Array(8);
  let tp = 0;
  let tHave = tbuf.length > 0 && nextTransfer(tbuf, 0, t);
  if (tbuf.length > 0 && !tHave) return null;
  let nextSlash = -1; // the first backslash at or after p (buf.length: none)
  while (p < buf.length) {
    // one record: ENTRY_FIELDS fields split by tabs, ended by a newline (found natively: memchr
    // beats a JavaScript loop over every byte)
    const nl = buf.indexOf(NL, p);
    if (nl < 0) return null;
    f[0] = p;
    for (let k = 1, q = p; k < ENTRY_FIELDS; k++) {
      q = buf.indexOf(TAB, q);
      if (q < 0 || q > nl) return null;
      f[2 * k - 1] = q;
      f[2 * k] = ++q;
    }
    f[2 * ENTRY_FIELDS - 1] = nl;
    // no tab in the last field (the seal's hash): one more would be a field too many
    for (let q = f[2 * ENTRY_FIELDS - 2]; q < nl; q++) if (buf[q] === TAB) return null;
    if (nextSlash < p) {
      nextSlash = buf.indexOf(BACKSLASH, p);
      if (nextSlash < 0) nextSlash = buf.length;
    }
    let slashed = 0; // bit i: field i holds a backslash (a NULL, or an escaped character)
    if (nextSlash < nl) for (let i = 0; i < ENTRY_FIELDS; i++) if (hasByte(buf, f[2 * i], f[2 * i + 1], BACKSLASH)) slashed |= 1 << i;
    // bit i: text field i (kind, key, reference, actor) holds a byte JSON must escape
    let escape = 0;
    for (let i = 1; i <= 4; i++) if (needsJsonEscape(buf, f[2 * i], f[2 * i + 1])) escape |= 1 << i;
    p = nl + 1;
    records++;
    let nulls = 0;
    if (slashed) {
      for (let i = 0; i < ENTRY_FIELDS; i++) if (slashed & (1 << i) && f[2 * i + 1] - f[2 * i] === 2 && buf[f[2 * i] + 1] === 0x4e) nulls |= 1 << i;
      // a NULL only where the schema allows one (actor, metadata) or for a whole missing seal
      const seal = nulls & SEAL_FIELDS;
      if (nulls & ~NULLABLE || (seal && seal !== SEAL_FIELDS) || slashed & SEAL_FIELDS & ~nulls) return null;
      escape &= ~nulls;
    }
    if (!isRawTimestamp(buf, f[12], f[13])) return null;
    // ids strictly ascending, or the range is not what it seems
    if (records > 1 && cmpBytes(buf, prevS, prevE, buf, f[0], f[1]) >= 0) return null;
    prevS = f[0];
    prevE = f[1];
    // transfers before this entry's id belong to no entry
    while (tHave && cmpBytes(tbuf, t[0], t[1], buf, f[0], f[1]) < 0) {
      b.flag(tbuf.toString('latin1', t[0], t[1]), 'transfer belongs to an entry that does not exist');
      tp = t[7] + 1;
      tHave = tp < tbuf.length && nextTransfer(tbuf, tp, t);
      if (tp < tbuf.length && !tHave) return null;
    }
    const tFirst = tp;
    let mine = 0;
    while (tHave && cmpBytes(tbuf, t[0], t[1], buf, f[0], f[1]) === 0) {
      mine++;
      tp = t[7] + 1;
      tHave = tp < tbuf.length && nextTransfer(tbuf, tp, t);
      if (tp < tbuf.length && !tHave) return null;
    }
    if (slashed & ~nulls || !fastEntry(b, w, buf, f, escape, nulls, tbuf, tFirst, mine)) {
      if (!slowEntry(b, buf, f, nulls, tbuf, tFirst, mine)) return null;
    }
  }
  // transfers after the last entry belong to no entry
  while (tHave) {
    b.flag(tbuf.toString('latin1', t[0], t[1]), 'transfer belongs to an entry that does not exist');
    tp = t[7] + 1;
    tHave = tp < tbuf.length && nextTransfer(tbuf, tp, t);
    if (tp < tbuf.length && !tHave) return null;
  }
  heightBuf = undefined;
  return b.result();
}
const NULLABLE = (1 << 4) | (1 << 5) | (7 << 8);

function hasByte(a: Buffer, s: number, e: number, c: number): boolean {
  for (let i = s; i < e; i++) if (a[i] === c) return true;
  return false;
}

/** a control character, a quote or a backslash: JSON.stringify would escape it */
function needsJsonEscape(a: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = a[i];
    if (c < 0x20 || c === 0x22 || c === BACKSLASH) return true;
  }
  return false;
}
const SEAL_FIELDS = 7 << 8;

/** Bounds of the transfer row "entry\tdebit\tcredit\tamount\n" at p into t ([s,e) ×3, amount start, end): false if malformed. */
function nextTransfer(tbuf: Buffer, p: number, t: Int32Array): boolean {
  let k = 0;
  t[0] = p;
  let q = p;
  for (; q < tbuf.length; q++) {
    const c = tbuf[q];
    if (c === TAB) {
      if (++k === 4) return false;
      t[2 * k - 1] = q;
      t[2 * k] = q + 1;
    } else if (c === NL) break;
  }
  if (k !== 3 || q === tbuf.length) return false;
  t[7] = q;
  return true;
}

/** Like cmpId over two decimal byte ranges: by length, then bytes. */
function cmpBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): number {
  const d = ae - as - (be - bs);
  if (d !== 0) return d;
  for (let i = 0; i < ae - as; i++) {
    const x = a[as + i] - b[bs + i];
    if (x !== 0) return x;
  }
  return 0;
}

/** A canonical decimal: digits, no leading zero (CANONICAL_DECIMAL_RE). */
function isDecimal(a: Buffer, s: number, e: number): boolean {
  if (e <= s || (a[s] === 0x30 && e - s > 1)) return false;
  for (let i = s; i < e; i++) if (a[i] < 0x30 || a[i] > 0x39) return false;
  return true;
}

/** 2026-11-26 19:20:34[.1 to 6 digits] — a timestamp (UTC wall time) as timestamp_out writes it in ISO DateStyle */
export function isRawTimestamp(a: Buffer, s: number, e: number): boolean {
  const n = e - s;
  if (n !== 19 && (n < 21 || n > 26)) return false;
  for (let i = 0; i < n; i++) {
    const c = a[s + i];
    const want = i < 19 ? RAW_TIMESTAMP_SHAPE.charCodeAt(i) : i === 19 ? 0x2e : 0x39;
    if (want === 0x39 ? c < 0x30 || c > 0x39 : c !== want) return false;
  }
  return true;
}
const RAW_TIMESTAMP_SHAPE = '9999-99-99 99:99:99';
const ZEROS = '000000';

/** The canonical timestamp (2026-11-26T19:20:34.123400Z, as canonicalTime's to_char) of a raw one isRawTimestamp accepted. */
export function canonicalFromRaw(a: Buffer, s: number, e: number): string {
  const fraction = e - s > 19 ? a.toString('latin1', s + 20, e) : '';
  return `${a.toString('latin1', s, s + 10)}T${a.toString('latin1', s + 11, s + 19)}.${fraction}${ZEROS.slice(fraction.length)}Z`;
}

/** Reused output buffer of the canonical encoding (one per thread; everything here is synchronous). */
class PreimageWriter {
  out = Buffer.allocUnsafe(1 << 16);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.out.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.out.length, this.pos + n));
    this.out.copy(next, 0, 0, this.pos);
    this.out = next;
  }

  bytes(src: Buffer, s: number, e: number): void {
    this.ensure(e - s);
    if (e - s > 64) {
      this.pos += src.copy(this.out, this.pos, s, e);
      return;
    }
    // Buffer#copy costs more than the copy itself at these sizes
    const out = this.out;
    let pos = this.pos;
    for (let i = s; i < e; i++) out[pos++] = src[i];
    this.pos = pos;
  }

  byte(c: number): void {
    this.ensure(1);
    this.out[this.pos++] = c;
  }

  constant(c: Buffer): void {
    this.bytes(c, 0, c.length);
  }

  /** a JSON string of src[s,e): the bytes as they are, or JSON.stringify where something must be escaped */
  json(src: Buffer, s: number, e: number, escape: boolean): void {
    if (!escape) {
      this.ensure(e - s + 2);
      this.out[this.pos++] = 0x22;
      this.bytes(src, s, e);
      this.out[this.pos++] = 0x22;
    } else this.text(JSON.stringify(src.toString('utf8', s, e)));
  }

  text(v: string): void {
    this.ensure(3 * v.length);
    this.pos += this.out.write(v, this.pos, 'utf8');
  }
}
const writer = new PreimageWriter();
const C = (v: string) => Buffer.from(v, 'utf8');
const K_ACTOR = C(`${ENTRY_DOMAIN_TAG}{"actor":`);
const K_NULL = C('null');
const K_CREATED = C(',"createdAt":"');
const K_ID = C('","id":"');
const K_KEY = C('","idempotencyKey":');
const K_KIND = C(',"kind":');
const K_META = C(',"metadata":');
const K_REF = C(',"reference":');
const K_TRANSFERS = C(',"transfers":[');
const K_AMOUNT_FIRST = C('{"amount":"');
const K_AMOUNT = C(',{"amount":"');
const K_CREDIT = C('","creditAccountId":"');
const K_DEBIT = C('","debitAccountId":"');
const K_TRANSFER_END = C('"}');
const K_END = C(']}');

const bit = (escape: number, field: number) => (escape & (1 << field)) !== 0;

/**
 * The byte path for one entry: false (having changed nothing) when it is not plain — a field that
 * is not canonical, metadata canonicalJson must judge — so that slowEntry names the problem.
 */
function fastEntry(b: EntryBatchBuilder, w: PreimageWriter, buf: Buffer, f: Int32Array, escape: number, nulls: number, tbuf: Buffer, ts: number, count: number): boolean {
  if (!isDecimal(buf, f[0], f[1])) return false;
  const posted = parseCount(buf, f[14], f[15]);
  if (posted < 0) return false;
  if (!bit(nulls, 5) && f[11] === f[10]) return false;
  // transfers: all canonical, or the slow path says which is not
  const t = transferBounds;
  for (let p = ts, i = 0; i < count; i++) {
    nextTransfer(tbuf, p, t);
    if (!isDecimal(tbuf, t[2], t[3]) || !isDecimal(tbuf, t[4], t[5]) || !isDecimal(tbuf, t[6], t[7])) return false;
    p = t[7] + 1;
  }
  const id = buf.toString('latin1', f[0], f[1]);
  w.pos = 0;
  w.constant(K_ACTOR);
  if (bit(nulls, 4)) w.constant(K_NULL);
  else w.json(buf, f[8], f[9], bit(escape, 4));
  w.constant(K_CREATED);
  w.bytes(buf, f[12], f[12] + 10); // date
  w.byte(0x54); // T
  w.bytes(buf, f[12] + 11, f[12] + 19); // time
  w.byte(0x2e); // .
  // the fraction timestamp_out left (none when it is zero), padded to microseconds
  const fraction = f[13] - f[12] > 19 ? f[13] - f[12] - 20 : 0;
  if (fraction) w.bytes(buf, f[12] + 20, f[13]);
  for (let i = fraction; i < 6; i++) w.byte(0x30);
  w.byte(0x5a); // Z
  w.constant(K_ID);
  w.bytes(buf, f[0], f[1]);
  w.constant(K_KEY);
  w.json(buf, f[4], f[5], bit(escape, 2));
  w.constant(K_KIND);
  w.json(buf, f[2], f[3], bit(escape, 1));
  w.constant(K_META);
  if (bit(nulls, 5)) w.constant(K_NULL);
  else {
    // jsonb's text rewritten byte for byte when plain; else parsed, as pg parses jsonb (nothing flagged yet: a refusal here changes nothing)
    w.ensure(f[11] - f[10]);
    const at = jsonbTextCanonicalInto(buf, f[10], f[11], w.out, w.pos);
    if (at >= 0) w.pos = at;
    else {
      const metadata = parsedJsonCanonical(JSON.parse(buf.toString('utf8', f[10], f[11])));
      if (metadata === undefined) return false;
      w.text(metadata);
    }
  }
  w.constant(K_REF);
  w.json(buf, f[6], f[7], bit(escape, 3));
  w.constant(K_TRANSFERS);
  for (let p = ts, i = 0; i < count; i++) {
    nextTransfer(tbuf, p, t);
    // amounts are canonical decimals here: positive unless "0"; the accounts must differ
    if (cmpBytes(tbuf, t[2], t[3], tbuf, t[4], t[5]) === 0) b.flag(id, 'a transfer debits and credits the same account');
    if (t[7] - t[6] === 1 && tbuf[t[6]] === 0x30) b.flag(id, 'a transfer amount is not positive');
    w.constant(i ? K_AMOUNT : K_AMOUNT_FIRST);
    w.bytes(tbuf, t[6], t[7]);
    w.constant(K_CREDIT);
    w.bytes(tbuf, t[4], t[5]);
    w.constant(K_DEBIT);
    w.bytes(tbuf, t[2], t[3]);
    w.constant(K_TRANSFER_END);
    p = t[7] + 1;
  }
  w.constant(K_END);
  const hex = hash('sha256', w.out.subarray(0, w.pos), 'hex');
  b.hashed(id, hex, count, posted, seal(buf, f, nulls, hex));
  return true;
}
const transferBounds = new Int32Array(8);

function parseCount(a: Buffer, s: number, e: number): number {
  if (e <= s || e - s > 9) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = a[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The seal's three fields, all NULL (not sealed) or none (checkPackedRange refuses the rest). The
 * hash sealed is taken as the string `computed` when its bytes are those (no new string), and the
 * block height string is reused while consecutive entries share a block.
 */
function seal(buf: Buffer, f: Int32Array, nulls: number, computed?: string): EntrySeal | null {
  if (nulls & SEAL_FIELDS) return null;
  const [hs, he] = [f[16], f[17]];
  if (heightBuf !== buf || he - hs !== heightLength || cmpBytes(buf, heightAt, heightAt + heightLength, buf, hs, he) !== 0) {
    height = buf.toString('latin1', hs, he);
    [heightBuf, heightAt, heightLength] = [buf, hs, he - hs];
  }
  const leaf = parseCount(buf, f[18], f[19]);
  const sealed = computed !== undefined && sameAscii(computed, buf, f[20], f[21]) ? computed : buf.toString('utf8', f[20], f[21]);
  return { height, leafIndex: leaf >= 0 ? leaf : Number(buf.toString('latin1', f[18], f[19])), hash: sealed };
}
let height = '';
let heightBuf: Buffer | undefined;
let heightAt = 0;
let heightLength = 0;

function sameAscii(v: string, a: Buffer, s: number, e: number): boolean {
  if (v.length !== e - s) return false;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) !== a[s + i]) return false;
  return true;
}

/**
 * The string path (as checkEntryBatch): every field decoded (COPY's escapes undone), checked and
 * encoded by fastHashEntry. False: the row does not have the expected shape.
 */
function slowEntry(b: EntryBatchBuilder, buf: Buffer, f: Int32Array, nulls: number, tbuf: Buffer, ts: number, count: number): boolean {
  const fields: (string | null)[] = [];
  for (let i = 0; i < ENTRY_FIELDS; i++) {
    const v = bit(nulls, i) ? null : unescapeCopyText(buf, f[2 * i], f[2 * i + 1]);
    if (v === undefined) return false;
    fields.push(v);
  }
  const [id, kind, key, reference, actor, metadata] = fields as [string, string, string, string, string | null, string | null];
  if (metadata === '') return false;
  const transfers: TransferTuple[] = [];
  const t = transferBounds;
  for (let p = ts, i = 0; i < count; i++) {
    nextTransfer(tbuf, p, t);
    const tt: TransferTuple = [tbuf.toString('latin1', t[2], t[3]), tbuf.toString('latin1', t[4], t[5]), tbuf.toString('latin1', t[6], t[7])];
    b.checkTransfer(id, tt[0], tt[1], tt[2]);
    transfers.push(tt);
    p = t[7] + 1;
  }
  b.entry(id, kind, key, reference, actor, metadata === null ? null : JSON.parse(metadata), canonicalFromRaw(buf, f[12], f[13]), Number(fields[7]), transfers, seal(buf, f, nulls));
  return true;
}

/** What COPY's text output escaped (\\, \b \f \n \r \t \v, a backslashed delimiter), back as UTF-8 text; undefined for anything COPY does not write. */
export function unescapeCopyText(buf: Buffer, s: number, e: number): string | undefined {
  const at = buf.indexOf(BACKSLASH, s);
  if (at < 0 || at >= e) return buf.toString('utf8', s, e);
  const out = Buffer.allocUnsafe(e - s);
  let n = 0;
  for (let i = s; i < e; i++) {
    let c = buf[i];
    if (c === BACKSLASH) {
      if (++i === e) return undefined;
      c = COPY_ESCAPES[buf[i]];
      if (c === undefined) return undefined;
    }
    out[n++] = c;
  }
  return out.toString('utf8', 0, n);
}
const COPY_ESCAPES: Record<number, number> = { 0x5c: 0x5c, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x76: 0x0b };
