import fc from 'fast-check';
import { checkEntryBatch, EntryRow, SealRow, TransferRow } from './entry-batch-check';
import { fastHashEntry } from './fast-entry-hash';
import { checkPackedRange, PackedRange, unescapeCopyText } from './packed-range';

// created_at as the range's COPY sends it (timestamp_out, ISO DateStyle): the fraction's trailing zeros dropped, none if zero.
const raw = (canonical: string) => canonical.replace('T', ' ').replace(/Z$/, '').replace(/0+$/, '').replace(/\.$/, '');

// COPY's text output of one value (CopyAttributeOutText): backslash, tab, newline, CR, \b \f \v escaped; NULL as \N.
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
const copyText = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\b\f\n\r\t\v]/g, (c) => ESCAPES[c]));

// jsonb's text output of a value: JSON with a space after ':' and ','
const jsonbText = (v: unknown) => JSON.stringify(v, null, 1).replace(/\n\s*/g, ' ').replace(/\{ /g, '{').replace(/ \}/g, '}').replace(/\[ /g, '[').replace(/ \]/g, ']');

// What the range's two COPY commands send for these rows.
function pack(es: EntryRow[], ss: SealRow[], ts: TransferRow[]): PackedRange {
  const seals = new Map(ss.map((s) => [s[0], s]));
  const rows = es.map((e) => {
    const s = seals.get(e[0]);
    const fields = [e[0], e[1], e[2], e[3], e[4], e[5] === null ? null : jsonbText(e[5]), raw(e[6]), String(e[7]), ...(s ? [s[1], String(s[2]), s[3]] : [null, null, null])];
    return `${fields.map(copyText).join('\t')}\n`;
  });
  return { entries: Buffer.from(rows.join(''), 'utf8'), transfers: Buffer.from(ts.map((t) => `${t.join('\t')}\n`).join(''), 'latin1') };
}
const replaceIn = (r: PackedRange, from: string, to: string): PackedRange => ({ entries: Buffer.from(r.entries.toString('utf8').replace(from, to), 'utf8'), transfers: r.transfers });

const text = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('"', '\\', '\\N', 'N', '', 'a\u0000b', '\u001f', '\u2028', '中秋福利', '\ud83d\ude00', 'x\u0001y', 'a\tb', 'x\ny\r', '\b\f\u000b', 'back\\slash\\'),
);
const TS = '2026-11-26T19:21:02.000001Z';

const ledger = fc
  .array(
    fc.record({
      kind: text,
      key: text,
      reference: text,
      actor: fc.option(text, { nil: null }),
      metadata: fc.oneof(fc.constant(null), fc.dictionary(text, fc.oneof(fc.integer(), text, fc.constant(1.5), fc.boolean()), { maxKeys: 3 })),
      transfers: fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1000 })), { minLength: 0, maxLength: 3 }),
      posted: fc.integer({ min: 0, max: 3 }),
      sealed: fc.boolean(),
      tamper: fc.boolean(),
      createdAt: fc.constantFrom(TS, '2026-11-26T19:21:02.000000Z', '2026-11-26T19:21:02.120000Z', '2026-11-26T00:00:00.999990Z', '2026-11-26T19:21:02.123456Z'),
    }),
    { maxLength: 12 },
  )
  .map((list) => {
    const es: EntryRow[] = [];
    const ss: SealRow[] = [];
    const ts: TransferRow[] = [];
    list.forEach((x, i) => {
      const id = String(10 + 3 * i);
      const tt = x.transfers.map(([d, c, a]) => [String(d), String(c), String(a)] as [string, string, string]);
      es.push([id, x.kind, x.key, x.reference, x.actor, x.metadata, x.createdAt, x.posted]);
      for (const t of tt) ts.push([id, ...t]);
      if (x.sealed) {
        let h: string;
        try {
          h = fastHashEntry(id, x.kind, x.key, x.reference, x.actor, x.createdAt, x.metadata, tt);
        } catch {
          h = 'f'.repeat(64);
        }
        ss.push([id, '7', i, x.tamper ? h.replace(/^./, (c) => (c === '0' ? '1' : '0')) : h]);
      }
    });
    return { es, ss, ts };
  });

describe('checkPackedRange', () => {
  it('finds what checkEntryBatch finds over the same rows, whatever their text holds', () => {
    fc.assert(
      fc.property(ledger, ({ es, ss, ts }) => {
        expect(checkPackedRange(pack(es, ss, ts))).toEqual(checkEntryBatch(es, ss, ts));
      }),
      { numRuns: 2000 },
    );
  });

  it('names a transfer without an entry, and refuses rows that do not have the expected shape', () => {
    const es: EntryRow[] = [['5', 'k', 'key', 'r', null, null, TS, 1]];
    const ts: TransferRow[] = [
      ['4', '1', '2', '3'],
      ['5', '1', '2', '3'],
      ['6', '1', '2', '3'],
    ];
    expect(checkPackedRange(pack(es, [], ts))).toEqual(checkEntryBatch(es, [], ts));
    expect(checkPackedRange(pack(es, [], ts))?.problem).toEqual({ id: '4', reason: 'transfer belongs to an entry that does not exist' });
    const good = pack(es, [['5', '1', 0, 'ab']], ts);
    expect(checkPackedRange(good)).not.toBeNull();
    const { entries, transfers } = good;
    const e = entries.toString('utf8');
    const refused: [string, PackedRange][] = [
      ['a row cut short', { entries: entries.subarray(0, entries.length - 1), transfers }],
      ['a transfer cut short', { entries, transfers: transfers.subarray(0, transfers.length - 1) }],
      ['a field too many', { entries: Buffer.from(e.replace('\tk\t', '\tk\tk\t')), transfers }],
      ['a field too few', { entries: Buffer.from(e.replace('\tk\t', '\t')), transfers }],
      ['a NULL the schema forbids', { entries: Buffer.from(e.replace('\tk\t', '\t\\N\t')), transfers }],
      ['half a seal', { entries: Buffer.from(e.replace('\tab\n', '\t\\N\n')), transfers }],
      ['a NULL in a transfer', { entries, transfers: Buffer.from(transfers.toString('latin1').replace('\t3\n', '\t\\N\n')) }],
      ['an escape COPY does not write', { entries: Buffer.from(e.replace('\tkey\t', '\tk\\x41\t')), transfers }],
      ['ids not ascending', { entries: Buffer.concat([entries, entries]), transfers }],
    ];
    for (const [why, range] of refused) expect([why, checkPackedRange(range)]).toEqual([why, null]);
  });

  it('reads a literal backslash-N as text and \\N as NULL', () => {
    const es: EntryRow[] = [
      ['5', 'k', '\\N', 'r', '\\N', { note: '\\N' }, TS, 0],
      ['6', 'k', 'N', 'r', null, null, TS, 0],
    ];
    expect(checkPackedRange(pack(es, [], []))).toEqual(checkEntryBatch(es, [], []));
  });

  it('undoes exactly the escapes COPY writes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (v) => {
        const b = Buffer.from(`x${copyText(v)}y`, 'utf8');
        expect(unescapeCopyText(b, 1, b.length - 1)).toBe(v);
      }),
    );
    for (const bad of ['\\', 'a\\x41', '\\0']) expect(unescapeCopyText(Buffer.from(bad), 0, Buffer.byteLength(bad))).toBeUndefined();
  });

  it('rewrites created_at to the canonical form exactly, and refuses a shape it does not know', () => {
    for (const [sent, canonical] of [
      ['2026-11-26 19:21:02', '2026-11-26T19:21:02.000000Z'],
      ['2026-11-26 19:21:02.1', '2026-11-26T19:21:02.100000Z'],
      ['2026-11-26 19:21:02.00001', '2026-11-26T19:21:02.000010Z'],
      ['2026-11-26 19:21:02.123456', '2026-11-26T19:21:02.123456Z'],
    ]) {
      const range = pack([['5', 'k', 'key', 'r', null, null, canonical, 0]], [['5', '1', 0, fastHashEntry('5', 'k', 'key', 'r', null, canonical, null, [])]], []);
      expect(range.entries.toString('utf8')).toContain(`\t${sent}\t`);
      const r = checkPackedRange(range);
      expect([r?.entries, r?.unsealed, r?.problem]).toEqual([1, 0, undefined]); // hashed as sealed: same bytes
    }
    for (const other of ['11/26/2026 19:21:02', 'infinity', '12026-11-26 19:21:02', '2026-11-26 19:21:02.', '2026-11-26 19:21:02.1234567', '0026-11-26 19:21:02 BC']) {
      expect(checkPackedRange(replaceIn(pack([['5', 'k', 'key', 'r', null, null, TS, 0]], [], []), raw(TS), other))).toBeNull();
    }
  });
});
