import fc from 'fast-check';
import { canonicalJson } from '../sealing/canonical-encoding';
import { parsedJsonCanonical } from './fast-entry-hash';
import { jsonbTextCanonicalInto } from './jsonb-text-canonical';

// jsonb's text output (JsonbToCString): keys by byte length, then bytes; ': ' and ', '
function jsonbText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

function rewrite(text: string): string | null {
  const src = Buffer.from(`xx${text}yy`, 'utf8');
  const dst = Buffer.alloc(src.length + 10, 0x21);
  const end = jsonbTextCanonicalInto(src, 2, src.length - 2, dst, 3);
  return end < 0 ? null : dst.toString('utf8', 3, end);
}

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'ab', 'b', 'Z', 'line', 'note', 'orderIds', 'memberId', 'checkoutId', '中', 'é', '\\', 'a"b', ''));
const scalar = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, 1e21, 2 ** 53, -(2 ** 53), 123456789012345, 1234567890123456),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('中秋福利', 'a\\b', 'q"', '\n', '\u0001', '😀'),
  fc.boolean(),
  fc.constant(null),
);
const json = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
})).v;

describe('jsonbTextCanonicalInto', () => {
  it('writes what parsedJsonCanonical writes from the parsed text, or refuses', () => {
    fc.assert(
      fc.property(json, (v) => {
        const text = jsonbText(v);
        const expected = parsedJsonCanonical(JSON.parse(text));
        const got = rewrite(text);
        if (got !== null) expect(got).toBe(expected);
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the plain values entries carry, reordering keys jsonb sorted by length', () => {
    const cases: unknown[] = [
      { line: 84, note: '中秋福利' },
      { checkoutId: 'c', memberId: 'm', orderIds: ['o1', 'o2'] },
      { z: [1, 'x', { b: true, a: null }], a: { n: -3 }, kab: 'v' },
      [],
      {},
      [1, [2, []], {}],
      'text',
      0,
      -12,
      null,
    ];
    for (const v of cases) expect(rewrite(jsonbText(v))).toBe(canonicalJson(v));
  });

  it('refuses what it cannot rewrite exactly', () => {
    expect(rewrite(`${'['.repeat(300)}1${']'.repeat(300)}`)).toBeNull(); // deeper than its recursion goes
    expect(rewrite(`${'['.repeat(200)}1${']'.repeat(200)}`)).toBe(`${'['.repeat(200)}1${']'.repeat(200)}`);
    for (const text of ['{"a":1}', '{"a": 1,"b": 2}', '[1,2]', '{"é": 1}', '"a\\"b"', '1.5', '1e3', '01', '-0', '1234567890123456', 'nul', 'true ', '{"a": 1', '[1, 2', '{"a": 1, "a": 2}', '']) {
      expect([text, rewrite(text)]).toEqual([text, null]);
    }
  });
});
