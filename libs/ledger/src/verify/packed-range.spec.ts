import fc from 'fast-check';
import { checkEntryBatch, EntryRow, SealRow, TransferRow } from './entry-batch-check';
import { fastHashEntry } from './fast-entry-hash';
import { checkPackedRange, PackedRange } from './packed-range';

// created_at as PACKED_RANGE_SQL sends it (timestamp_out, ISO DateStyle): the fraction's trailing zeros dropped, none if zero.
const raw = (canonical: string) => canonical.replace('T', ' ').replace(/Z$/, '').replace(/0+$/, '').replace(/\.$/, '');

// What PACKED_RANGE_SQL returns for these rows (metadata as jsonb text: JSON with a space after ':' and ',').
function pack(es: EntryRow[], ss: SealRow[], ts: TransferRow[]): PackedRange {
  const seals = new Map(ss.map((s) => [s[0], s]));
  const records = es.map((e) => {
    const s = seals.get(e[0]);
    const meta = e[5] === null ? '' : JSON.stringify(e[5], null, 1).replace(/\n\s*/g, ' ').replace(/\{ /g, '{').replace(/ \}/g, '}').replace(/\[ /g, '[').replace(/ \]/g, ']');
    return [e[0], e[1], e[2], e[3], e[4] === null ? '' : `=${e[4]}`, meta, raw(e[6]), String(e[7]), ...(s ? [s[1], String(s[2]), s[3]] : ['', '', ''])].join('\u0001');
  });
  return [es.length, es.length, es.length ? records.join('\u0002') : null, ts.length, ts.length ? ts.map((t) => t.join(',')).join(';') : null];
}

const text = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom('"', '\\', 'a\u0000b', '\u001f', '\u2028', '中秋福利', '\ud83d\ude00', 'x\u0001y', 'x\u0002y'));
const TS = '2026-11-26T19:21:02.000001Z';
const SOH = String.fromCharCode(1);
const STX = String.fromCharCode(2);

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
  it('finds what checkEntryBatch finds over the same rows, or refuses a packing it cannot split exactly', () => {
    fc.assert(
      fc.property(ledger, ({ es, ss, ts }) => {
        const packed = checkPackedRange(pack(es, ss, ts));
        const ambiguous = es.some((e) => [e[1], e[2], e[3], e[4] ?? ''].some((v) => v.includes(SOH) || v.includes(STX)));
        if (ambiguous) expect(packed).toBeNull();
        else expect(packed).toEqual(checkEntryBatch(es, ss, ts));
      }),
      { numRuns: 2000 },
    );
  });

  it('names a transfer without an entry, and refuses counts that do not add up', () => {
    const es: EntryRow[] = [['5', 'k', 'key', 'r', null, null, TS, 1]];
    const ts: TransferRow[] = [
      ['4', '1', '2', '3'],
      ['5', '1', '2', '3'],
      ['6', '1', '2', '3'],
    ];
    expect(checkPackedRange(pack(es, [], ts))).toEqual(checkEntryBatch(es, [], ts));
    expect(checkPackedRange(pack(es, [], ts))?.problem).toEqual({ id: '4', reason: 'transfer belongs to an entry that does not exist' });
    const [n, , p, tn, tp] = pack(es, [], ts);
    expect(checkPackedRange([n, n - 1, p, tn, tp])).toBeNull();
    expect(checkPackedRange([n, n, p, tn + 1, tp])).toBeNull();
    expect(checkPackedRange([n + 1, n + 1, p, tn, tp])).toBeNull();
  });

  it('rewrites created_at to the canonical form exactly, and refuses a shape it does not know', () => {
    for (const [sent, canonical] of [
      ['2026-11-26 19:21:02', '2026-11-26T19:21:02.000000Z'],
      ['2026-11-26 19:21:02.1', '2026-11-26T19:21:02.100000Z'],
      ['2026-11-26 19:21:02.00001', '2026-11-26T19:21:02.000010Z'],
      ['2026-11-26 19:21:02.123456', '2026-11-26T19:21:02.123456Z'],
    ]) {
      const [n, pn, p, tn, tp] = pack([['5', 'k', 'key', 'r', null, null, canonical, 0]], [['5', '1', 0, fastHashEntry('5', 'k', 'key', 'r', null, canonical, null, [])]], []);
      expect(p).toContain(sent + SOH);
      const r = checkPackedRange([n, pn, p, tn, tp]);
      expect([r?.entries, r?.unsealed, r?.problem]).toEqual([1, 0, undefined]); // hashed as sealed: same bytes
    }
    for (const other of ['11/26/2026 19:21:02', 'infinity', '12026-11-26 19:21:02', '2026-11-26 19:21:02.', '2026-11-26 19:21:02.1234567', '0026-11-26 19:21:02 BC']) {
      const [n, pn, p, tn, tp] = pack([['5', 'k', 'key', 'r', null, null, TS, 0]], [], []);
      expect(checkPackedRange([n, pn, p!.replace(raw(TS), other), tn, tp])).toBeNull();
    }
  });
});
