import fc from 'fast-check';
import { CanonicalEncodingError, canonicalJson, hashEntry } from '../sealing';
import { fastHashEntry, parsedJsonCanonical, TransferTuple } from './fast-entry-hash';

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', '"', '\\', '\u0000\u001f\u007f', '\u2028/\u2029', '中秋福利', '\ud800', '\udfff\ud83d\ude00'));
const decimal = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String);
const metadata: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  ),
})).value;
const timestamp = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) => fc.integer({ min: 0, max: 999 }).map((us) => d.toISOString().replace(/Z$/, `${String(us).padStart(3, '0')}Z`)));

const entry = fc.record({
  id: decimal,
  kind: text,
  idempotencyKey: text,
  reference: fc.option(text, { nil: null }),
  actor: fc.option(text, { nil: null }),
  createdAt: timestamp,
  metadata: fc.oneof(fc.constant(null), fc.dictionary(text, metadata, { maxKeys: 6 })),
  transfers: fc.array(fc.tuple(decimal, decimal, decimal), { minLength: 0, maxLength: 4 }),
});

describe('fastHashEntry', () => {
  it('hashes exactly as hashEntry does', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const transfers = e.transfers.map(([d, c, a]) => ({ debitAccountId: d, creditAccountId: c, amount: a }));
        expect(fastHashEntry(e.id, e.kind, e.idempotencyKey, e.reference, e.actor, e.createdAt, e.metadata, e.transfers as TransferTuple[])).toBe(hashEntry({ ...e, transfers }));
      }),
      { numRuns: 3000 },
    );
  });

  it('matches the worked example of SEALING.md', () => {
    expect(
      fastHashEntry('2', 'reserve', 'reserve:campaign-3', 'campaign:3', 'union-admin:12', '2026-11-26T19:21:02.000001Z', { campaignId: 3, note: '中秋福利' }, [['2', '3', '2000000']]),
    ).toBe('6c45217725a88c600866e6c5d5f98fc398a522eecbcb0699e5a5d9fbc8e6f3d8');
  });

  it('refuses what hashEntry refuses', () => {
    const ok: Parameters<typeof fastHashEntry> = ['1', 'k', 'key', 'r', null, '2026-11-26T19:21:02.000001Z', null, [['1', '2', '3']]];
    const bad: [number, unknown][] = [
      [0, '01'],
      [5, '2026-11-26T19:21:02.001Z'],
      [6, { x: 0.5 }],
      [6, undefined],
      [7, [['1', '2', '-3']]],
      [7, [['x', '2', '3']]],
    ];
    for (const [i, value] of bad) {
      const args = [...ok] as unknown[];
      args[i] = value;
      expect(() => fastHashEntry(...(args as Parameters<typeof fastHashEntry>))).toThrow(CanonicalEncodingError);
    }
  });

  it('encodes parsed JSON (metadata as pg decodes jsonb) exactly as canonicalJson, or leaves it to canonicalJson', () => {
    const json = fc.oneof(fc.jsonValue(), metadata, fc.constantFrom(1.5, -0, 1e21, { a: 0.1 }, [1, 2.5], { b: 1, a: [true, null, '\u2028'] }));
    fc.assert(
      fc.property(json, (v) => {
        const parsed: unknown = JSON.parse(JSON.stringify(v) ?? 'null');
        let expected: string | undefined;
        try {
          expected = canonicalJson(parsed);
        } catch (err) {
          if (!(err instanceof CanonicalEncodingError)) throw err;
        }
        expect(parsedJsonCanonical(parsed)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
