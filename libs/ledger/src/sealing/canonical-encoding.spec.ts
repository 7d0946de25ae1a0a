import { createHash } from 'node:crypto';
import {
  BlockHeader,
  CanonicalEncodingError,
  CanonicalEntry,
  GENESIS_PREV_HASH,
  canonicalJson,
  encodeBlockHeader,
  encodeEntry,
  hashBlockHeader,
  hashEntry,
} from './canonical-encoding';

function entry(overrides: Partial<CanonicalEntry> = {}): CanonicalEntry {
  return {
    id: '42',
    kind: 'order',
    idempotencyKey: 'order:9001',
    reference: 'order:9001',
    actor: 'worker:7',
    createdAt: '2026-11-26T19:20:34.123456Z',
    metadata: { orderId: 9001, note: '惠工' },
    transfers: [
      { debitAccountId: '10', creditAccountId: '20', amount: '1250' },
      { debitAccountId: '11', creditAccountId: '20', amount: '350' },
    ],
    ...overrides,
  };
}

describe('canonicalJson', () => {
  it('sorts object keys by UTF-16 code units at every depth, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { z: true, y: null }, B: [3, 2, 1] })).toBe(
      '{"B":[3,2,1],"a":{"y":null,"z":true},"b":1}',
    );
    // U+FF5E sorts before U+1F600 (surrogate pair D83D DE00) by code units, the reverse of code points.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFF5E': 2, é: 3, e: 4, '': 5 })).toBe(
      '{"":5,"e":4,"é":3,"😀":1,"～":2}',
    );
    const keys = Object.keys(JSON.parse(canonicalJson({ '\u{1F600}': 1, '\uFF5E': 2 })) as object);
    expect(keys).toEqual(['\u{1F600}', '\uFF5E']);
  });

  it('does not depend on insertion order', () => {
    expect(canonicalJson({ a: 1, b: 2, c: [{ y: 1, x: 2 }] })).toBe(
      canonicalJson({ c: [{ x: 2, y: 1 }], b: 2, a: 1 }),
    );
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 'a', [2, 1], {}])).toBe('[3,"a",[2,1],{}]');
  });

  it('escapes strings exactly as JSON.stringify', () => {
    const s = 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007 del \u007f ls \u2028 slash / 惠 😀 lone \ud800';
    expect(canonicalJson(s)).toBe(JSON.stringify(s));
    expect(canonicalJson({ [s]: s })).toBe(`{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
  });

  it('renders scalars, safe integers and bigint', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(-17)).toBe('-17');
    expect(canonicalJson(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(canonicalJson(123456789012345678901234567890n)).toBe('"123456789012345678901234567890"');
    expect(canonicalJson({ amount: 5n })).toBe('{"amount":"5"}');
  });

  it('omits undefined object members', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('accepts null-prototype objects and shared references', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.x = 1;
    const shared = { k: 1 };
    expect(canonicalJson(o)).toBe('{"x":1}');
    expect(canonicalJson([shared, shared])).toBe('[{"k":1},{"k":1}]');
  });

  it.each<[string, unknown]>([
    ['a float', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['an unsafe integer', 2 ** 53],
    ['a nested float', { a: [1, { b: 0.1 }] }],
    ['top-level undefined', undefined],
    ['undefined in an array', [1, undefined]],
    ['a hole in an array', [1, , 2]], // eslint-disable-line no-sparse-arrays
    ['a function', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['a Date', new Date(0)],
    ['a Buffer', Buffer.from('x')],
    ['a Map', new Map([[1, 2]])],
    ['a class instance', new (class Foo { a = 1 })()],
  ])('rejects %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalEncodingError);
  });

  it('rejects cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/circular/);
    const arr: unknown[] = [];
    arr.push(arr);
    expect(() => canonicalJson(arr)).toThrow(/circular/);
  });

  it('names the offending path', () => {
    expect(() => canonicalJson({ a: [{ b: 0.5 }] })).toThrow('$.a[0].b: number 0.5 is not a safe integer');
  });
});

describe('encodeEntry / hashEntry', () => {
  it('prefixes the domain tag and encodes only the entry fields, keys sorted', () => {
    const e = { ...entry({ metadata: null, transfers: [{ debitAccountId: '1', creditAccountId: '2', amount: '3' }] }), extra: 'ignored' };
    expect(encodeEntry(e)).toBe(
      'huigong-entry-v1\n' +
        '{"actor":"worker:7","createdAt":"2026-11-26T19:20:34.123456Z","id":"42","idempotencyKey":"order:9001",' +
        '"kind":"order","metadata":null,"reference":"order:9001",' +
        '"transfers":[{"amount":"3","creditAccountId":"2","debitAccountId":"1"}]}',
    );
  });

  it('is lowercase hex SHA-256 of the UTF-8 encoding and is stable', () => {
    const e = entry();
    const expected = createHash('sha256').update(Buffer.from(encodeEntry(e), 'utf8')).digest('hex');
    expect(hashEntry(e)).toBe(expected);
    expect(hashEntry(e)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEntry(entry())).toBe(hashEntry(e));
    // Pinned so that any accidental change to the encoding rules is caught.
    expect(hashEntry(e)).toBe('ee1d3796adf74e85a318ade47bdfb51a2ab398fabc717c15d5ed610c4bdb1197');
  });

  it('does not depend on metadata key order or on JSON round trips', () => {
    const a = entry({ metadata: { x: 1, y: { b: 2, a: 1 } } });
    const b = entry({ metadata: { y: { a: 1, b: 2 }, x: 1 } });
    expect(hashEntry(a)).toBe(hashEntry(b));
    expect(hashEntry(JSON.parse(JSON.stringify(a)) as CanonicalEntry)).toBe(hashEntry(a));
  });

  const base = hashEntry(entry());
  const t = entry().transfers;
  it.each<[string, Partial<CanonicalEntry>]>([
    ['id', { id: '43' }],
    ['kind', { kind: 'refund' }],
    ['idempotencyKey', { idempotencyKey: 'order:9002' }],
    ['reference', { reference: null }],
    ['actor', { actor: 'worker:8' }],
    ['createdAt (one microsecond)', { createdAt: '2026-11-26T19:20:34.123457Z' }],
    ['metadata value', { metadata: { orderId: 9002, note: '惠工' } }],
    ['metadata shape', { metadata: { orderId: '9001', note: '惠工' } }],
    ['amount', { transfers: [{ ...t[0], amount: '1251' }, t[1]] }],
    ['debit account', { transfers: [{ ...t[0], debitAccountId: '12' }, t[1]] }],
    ['credit account', { transfers: [{ ...t[0], creditAccountId: '21' }, t[1]] }],
    ['transfer order', { transfers: [t[1], t[0]] }],
    ['transfer count', { transfers: [t[0]] }],
  ])('changes when %s changes', (_label, change) => {
    expect(hashEntry(entry(change))).not.toBe(base);
  });

  it.each<[string, Partial<CanonicalEntry>]>([
    ['a non-canonical id', { id: '042' }],
    ['a negative amount', { transfers: [{ debitAccountId: '1', creditAccountId: '2', amount: '-5' }] }],
    ['a float amount', { transfers: [{ debitAccountId: '1', creditAccountId: '2', amount: '1.5' }] }],
    ['a numeric amount', { transfers: [{ debitAccountId: '1', creditAccountId: '2', amount: 5 as unknown as string }] }],
    ['millisecond createdAt', { createdAt: '2026-11-26T19:20:34.123Z' }],
    ['offset createdAt', { createdAt: '2026-11-26T19:20:34.123456+08:00' }],
    ['undefined metadata', { metadata: undefined }],
    ['float metadata', { metadata: { ratio: 0.5 } }],
    ['a numeric kind', { kind: 1 as unknown as string }],
    ['undefined reference', { reference: undefined as unknown as null }],
  ])('rejects %s', (_label, change) => {
    expect(() => hashEntry(entry(change))).toThrow(CanonicalEncodingError);
  });
});

describe('block headers', () => {
  const header: BlockHeader = {
    height: 0,
    prevHash: GENESIS_PREV_HASH,
    merkleRoot: 'ab'.repeat(32),
    entryCount: 3,
    firstEntryId: '1',
    lastEntryId: '3',
    sealedAt: '2026-11-26T19:21:00.000001Z',
  };

  it('has a 64-zero genesis prevHash', () => {
    expect(GENESIS_PREV_HASH).toBe('0'.repeat(64));
  });

  it('encodes with the block domain tag and sorted keys', () => {
    expect(encodeBlockHeader({ ...header, extra: 1 } as BlockHeader)).toBe(
      'huigong-block-v1\n' +
        `{"entryCount":3,"firstEntryId":"1","height":0,"lastEntryId":"3","merkleRoot":"${'ab'.repeat(32)}",` +
        `"prevHash":"${'0'.repeat(64)}","sealedAt":"2026-11-26T19:21:00.000001Z"}`,
    );
    expect(hashBlockHeader(header)).toBe(
      createHash('sha256').update(encodeBlockHeader(header), 'utf8').digest('hex'),
    );
  });

  it.each<keyof BlockHeader>(['height', 'prevHash', 'merkleRoot', 'entryCount', 'firstEntryId', 'lastEntryId', 'sealedAt'])(
    'changes when %s changes',
    (field) => {
      const changed: Record<string, unknown> = { ...header };
      const v = header[field];
      changed[field] = typeof v === 'number' ? v + 1 : field.endsWith('Id') ? `${v}0` : field === 'sealedAt' ? '2026-11-26T19:21:00.000002Z' : 'cd'.repeat(32);
      expect(hashBlockHeader(changed as unknown as BlockHeader)).not.toBe(hashBlockHeader(header));
    },
  );

  it.each<[string, Partial<BlockHeader>]>([
    ['uppercase hex', { merkleRoot: 'AB'.repeat(32) }],
    ['short hash', { prevHash: '00' }],
    ['negative height', { height: -1 }],
    ['fractional height', { height: 1.5 }],
    ['zero entries', { entryCount: 0 }],
    ['bad sealedAt', { sealedAt: '2026-11-26 19:21:00' }],
  ])('rejects %s', (_label, change) => {
    expect(() => hashBlockHeader({ ...header, ...change })).toThrow(CanonicalEncodingError);
  });
});
