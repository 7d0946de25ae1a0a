import fc from 'fast-check';
import { requestHash, stableJson } from './idempotency.service';

describe('request hashing for Idempotency-Key', () => {
  it('ignores key order and undefined members, and nothing else', () => {
    expect(stableJson({ b: 1, a: [1, { d: 'x', c: null }], u: undefined })).toBe('{"a":[1,{"c":null,"d":"x"}],"b":1}');
    expect(requestHash({ a: 1, b: 2 })).toBe(requestHash({ b: 2, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ lines: [1, 2] })).not.toBe(requestHash({ lines: [2, 1] }));
  });

  it('hashes equal JSON values equally, whatever the key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const shuffled = JSON.parse(JSON.stringify(v), (_k, x) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        );
        expect(requestHash(shuffled)).toBe(requestHash(v));
        expect(JSON.parse(stableJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });
});
