// The verifier's byte path for entry metadata: jsonb's text output (JsonbToCString writes
// `{"k": 1, "note": "中秋"}`: a space after ':' and ',', keys in jsonb's own order) rewritten into the
// canonical JSON the entry was hashed with, straight from the bytes — no JSON.parse, no strings.
// Only plain values take it; anything else returns -1 and the caller parses the text as before
// (parsedJsonCanonical / canonicalJson, which also name what cannot be encoded).
// Kept free of framework imports (worker threads load it).

let src: Buffer;
let end = 0;
let i = 0;
let out: Buffer;
let o = 0;
// members of the objects being written: [start in out, end in out, key start in src, key end in src] each
let members = new Int32Array(256);
let top = 0;

/**
 * Writes the canonical JSON of the jsonb text src[s, e) into dst at pos and returns the position
 * after it, or -1 (dst's contents past pos undefined) when the text is not plain: a string holding
 * a backslash or a control character, a key that is not ASCII (canonical order is by UTF-16 code
 * units, equal to byte order only for ASCII), a number that is not a safe integer written plainly,
 * or spacing other than jsonb's. The output is never longer than the input: dst needs e - s bytes.
 */
export function jsonbTextCanonicalInto(text: Buffer, s: number, e: number, dst: Buffer, pos: number): number {
  src = text;
  end = e;
  i = s;
  out = dst;
  o = pos;
  top = 0;
  depth = 0;
  const ok = value() && i === end;
  src = out = EMPTY; // hold no caller buffers between calls
  return ok ? o : -1;
}
const EMPTY = Buffer.alloc(0);

/** nesting depth: deeper metadata (jsonb allows thousands of levels) goes the parsing path, not this recursion */
let depth = 0;
const MAX_DEPTH = 256;

function value(): boolean {
  if (i >= end) return false;
  const c = src[i];
  if (c === 0x7b || c === 0x5b) {
    if (++depth > MAX_DEPTH) return false;
    const ok = c === 0x7b ? object() : array();
    depth--;
    return ok;
  }
  if (c === 0x22) return string(false);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number();
  return literal(c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : EMPTY);
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

function literal(word: Buffer): boolean {
  if (!word.length || i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (src[i + k] !== word[k]) return false;
  for (let k = 0; k < word.length; k++) out[o++] = word[k];
  i += word.length;
  return true;
}

/** A string copied as it is: JSON.stringify writes the same bytes when there is nothing to escape. */
function string(key: boolean): boolean {
  const start = i++;
  for (;;) {
    if (i >= end) return false;
    const c = src[i];
    if (c === 0x22) break;
    if (c === 0x5c || c < 0x20 || (key && c >= 0x80)) return false;
    i++;
  }
  i++;
  for (let k = start; k < i; k++) out[o++] = src[k];
  return true;
}

/** An integer of at most 15 digits (always safe), no leading zero, no minus zero; a fraction or exponent is not plain. */
function number(): boolean {
  const start = i;
  if (src[i] === 0x2d) i++;
  const first = i;
  while (i < end && src[i] >= 0x30 && src[i] <= 0x39) i++;
  const digits = i - first;
  if (digits === 0 || digits > 15 || (src[first] === 0x30 && (digits > 1 || first > start))) return false;
  if (i < end && (src[i] === 0x2e || src[i] === 0x65 || src[i] === 0x45)) return false;
  for (let k = start; k < i; k++) out[o++] = src[k];
  return true;
}

/** `, ` between items: one comma out. */
function separator(): boolean {
  if (i + 1 < end && src[i] === 0x2c && src[i + 1] === 0x20) {
    i += 2;
    out[o++] = 0x2c;
    return true;
  }
  return false;
}

function array(): boolean {
  out[o++] = 0x5b;
  i++;
  if (i < end && src[i] === 0x5d) {
    i++;
    out[o++] = 0x5d;
    return true;
  }
  for (;;) {
    if (!value()) return false;
    if (separator()) continue;
    if (i < end && src[i] === 0x5d) {
      i++;
      out[o++] = 0x5d;
      return true;
    }
    return false;
  }
}

function object(): boolean {
  out[o++] = 0x7b;
  i++;
  if (i < end && src[i] === 0x7d) {
    i++;
    out[o++] = 0x7d;
    return true;
  }
  const base = top;
  let sorted = true;
  for (;;) {
    if (src[i] !== 0x22) return false;
    if (top + 4 > members.length) {
      const grown = new Int32Array(2 * members.length);
      grown.set(members);
      members = grown;
    }
    const at = top;
    top += 4;
    members[at] = o;
    members[at + 2] = i;
    if (!string(true)) return false;
    members[at + 3] = i;
    if (at > base && compareKeys(at - 4, at) >= 0) sorted = false;
    if (!(i + 1 < end && src[i] === 0x3a && src[i + 1] === 0x20)) return false;
    i += 2;
    out[o++] = 0x3a;
    if (!value()) return false;
    members[at + 1] = o;
    if (separator()) continue;
    if (i < end && src[i] === 0x7d) break;
    return false;
  }
  i++;
  if (!sorted && !reorder(base)) return false;
  top = base;
  out[o++] = 0x7d;
  return true;
}

/** Compares two members' keys (ASCII, so bytes order them as UTF-16 code units would). */
function compareKeys(a: number, b: number): number {
  const as = members[a + 2];
  const al = members[a + 3] - as;
  const bs = members[b + 2];
  const bl = members[b + 3] - bs;
  // both include their quotes: compare the contents, the shorter first when one is a prefix
  for (let k = 1; k < Math.min(al, bl) - 1; k++) {
    const d = src[as + k] - src[bs + k];
    if (d !== 0) return d;
  }
  return al - bl;
}

/** jsonb orders keys by length first: the members written so far are put in canonical order. */
function reorder(base: number): boolean {
  const count = (top - base) / 4;
  const order = Array.from({ length: count }, (_, k) => base + 4 * k);
  order.sort((a, b) => compareKeys(a, b));
  for (let k = 1; k < count; k++) if (compareKeys(order[k - 1], order[k]) === 0) return false; // jsonb has no duplicate keys
  const from = members[base];
  const copy = Buffer.from(out.subarray(from, o));
  let w = from;
  for (let k = 0; k < count; k++) {
    if (k) out[w++] = 0x2c;
    const m = order[k];
    w += copy.copy(out, w, members[m] - from, members[m + 1] - from);
  }
  return w === o;
}
