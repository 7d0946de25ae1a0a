import fc from 'fast-check';

/** A JSON schema as @nestjs/swagger writes it (the parts the generators read). */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  nullable?: boolean;
}

/** Strings people (or attackers) type: injections, control and direction characters, emoji, giant ones. */
export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE orders; --",
  '1; SELECT pg_sleep(5)',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '=HYPERLINK("http://evil.example","x")',
  '+cmd|\' /C calc\'!A0',
  '-2+3',
  '@SUM(1+1)',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  '👷‍♀️🏭💴',
  '\uD800',
  '\uFEFF',
  'null',
  'undefined',
  'NaN',
  '-1',
  '9007199254740993',
  '1e309',
  '{"$gt": ""}',
  '__proto__',
  'constructor',
  ' ',
  '',
];

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty'];

export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...INJECTIONS),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('A'.repeat(5_000), '惠'.repeat(20_000), 'x'.repeat(200_000)),
  );

export const hostileNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(-1, 0, -0, 0.5, -0.5, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e20, -1e20, 1e308, -1e308, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 1),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );

/** Any JSON value at all, nested a little. */
export const anyJson = (): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileString(),
      hostileNumber(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PROTO_KEYS)), tie('value'), { maxKeys: 3 }),
    ),
  })).value;

/** A value that can never satisfy `schema` (so a body carrying it must be refused). */
export function wrongTypeFor(schema: Schema): fc.Arbitrary<unknown> {
  const notObject = fc.oneof(hostileString(), hostileNumber(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
  switch (schema.type) {
    case 'string':
      return fc.oneof(hostileNumber(), fc.boolean(), fc.constant({ $ne: null }), fc.array(hostileString(), { minLength: 1, maxLength: 2 }));
    case 'integer':
      return fc.oneof(
        fc.constantFrom('12', 'abc', '1e3', '', true, false, { $gt: 0 }, [1], 0.5, 1.5, -0.25, 2 ** 53 + 2, 1e20, -(2 ** 60)),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
      );
    case 'number':
      return fc.constantFrom('12', 'abc', true, { $gt: 0 }, [1], 2 ** 53 + 2, 1e20, -(2 ** 60));
    case 'boolean':
      return fc.constantFrom('true', 'false', 1, 0, 'yes', {}, [true]);
    case 'array':
      return fc.oneof(hostileString(), hostileNumber(), fc.constant({ 0: 'a' }), fc.boolean());
    default:
      return notObject;
  }
}
