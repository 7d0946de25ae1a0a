import { Transform, Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { createValidationPipe, hostileFields, lowerCaseIds, RememberValidQueries } from './validation';

describe('hostileFields', () => {
  it('names prototype keys and Object.prototype method names at any depth', () => {
    const body = JSON.parse('{"a":1,"__proto__":{"x":1},"lines":[{"constructor":1,"ok":"hasOwnProperty"}],"n":{"prototype":null}}');
    expect(hostileFields(body).map((f) => f.field).sort()).toEqual(['__proto__', 'lines[0].constructor', 'n.prototype']);
  });

  it('names integers beyond 2^53 and lets safe ones, fractions and strings through', () => {
    expect(hostileFields({ amountFen: 2 ** 53, lines: [{ q: -(2 ** 60) }], ok: Number.MAX_SAFE_INTEGER, f: 0.5, s: '9007199254740993' }).map((f) => f.field)).toEqual(['amountFen', 'lines[0].q']);
    expect(hostileFields({ a: [1, 2, { b: 'c' }] })).toEqual([]);
  });

  it('names strings with NUL characters, at the top and nested', () => {
    expect(hostileFields('a\u0000b').map((f) => f.field)).toEqual(['value']);
    expect(hostileFields({ address: { detail: '1号\u0000' }, ok: '好' }).map((f) => f.field)).toEqual(['address.detail']);
  });

  it('names strings with lone UTF-16 surrogates, and leaves real astral characters alone', () => {
    expect(hostileFields({ contactEmail: '\ud800', name: 'x\udc00y', ok: '𝦗青岛😀' }).map((f) => f.field)).toEqual(['contactEmail', 'name']);
  });
});

describe('the validation pipe on queries', () => {
  @RememberValidQueries()
  class Q {
    @IsOptional() @Type(() => Number) @IsInt() @Min(0) n?: number;
    @IsOptional() @IsString({ each: true }) tags?: string[];
  }
  const meta = { type: 'query' as const, metatype: Q, data: undefined };

  it('answers a query it validated before with an equal DTO the handler may change freely', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform({ n: '3', tags: ['a', 'b'] }, meta)) as Q;
    expect(first).toBeInstanceOf(Q);
    expect(first).toEqual({ n: 3, tags: ['a', 'b'] });
    first.n = 99;
    first.tags!.push('changed');
    const again = (await pipe.transform({ n: '3', tags: ['a', 'b'] }, meta)) as Q;
    expect(again).toBeInstanceOf(Q);
    expect(again).toEqual({ n: 3, tags: ['a', 'b'] });
    expect(again).not.toBe(first);
    // the same answer as a pipe that never saw the query
    expect(again).toEqual(await createValidationPipe().transform({ n: '3', tags: ['a', 'b'] }, meta));
  });

  it('refuses an invalid query every time, and unknown or hostile fields too', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({ n: '-1' }, meta)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(pipe.transform({ n: '1', extra: 'x' }, meta)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(pipe.transform({ n: '1\u0000' }, meta)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    // a valid query remembered does not let a different, invalid one through
    await pipe.transform({ n: '1' }, meta);
    await expect(pipe.transform({ n: '1', extra: 'x' }, meta)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  /** transforms counted: how often class-transformer really ran for a class */
  let converted = 0;
  const counted = ({ value }: { value: unknown }) => {
    converted++;
    return Number(value);
  };

  it('remembers only the DTO classes that opt in', async () => {
    @RememberValidQueries()
    class OptedIn {
      @IsOptional() @Transform(counted) @IsInt() n?: number;
    }
    class Plain {
      @IsOptional() @Transform(counted) @IsInt() n?: number;
    }
    // a subclass does not inherit the opt-in (it may add fields the memo must not share)
    class PlainChild extends OptedIn {}
    for (const metatype of [OptedIn, Plain, PlainChild]) {
      const pipe = createValidationPipe();
      converted = 0;
      for (let i = 0; i < 3; i++) expect(await pipe.transform({ n: '7' }, { type: 'query', metatype, data: undefined })).toEqual({ n: 7 });
      expect([metatype.name, converted]).toEqual([metatype.name, metatype === OptedIn ? 1 : 3]);
    }
  });

  it('does not remember an opted-in DTO holding a Date or a nested object: a handler changing one does not change the next request', async () => {
    class Range {
      @IsString() from!: string;
    }
    @RememberValidQueries()
    class WithObjects {
      @IsOptional() @Type(() => Date) @IsDate() since?: Date;
      @IsOptional() @ValidateNested() @Type(() => Range) range?: Range;
    }
    const meta2 = { type: 'query' as const, metatype: WithObjects, data: undefined };
    const pipe = createValidationPipe();
    const query = { since: '2026-01-01T00:00:00Z' };
    await pipe.transform(query, meta2);
    const second = (await pipe.transform(query, meta2)) as WithObjects;
    second.since!.setFullYear(1999); // a handler "normalising" its argument
    const third = (await pipe.transform(query, meta2)) as WithObjects;
    expect(third.since!.getUTCFullYear()).toBe(2026);
    expect(third.since).not.toBe(second.since);
  });
});

describe('lowerCaseIds', () => {
  const U = 'A1B2C3D4-E5F6-47A8-99B0-C1D2E3F4A5B6';
  const l = U.toLowerCase();

  it('lower-cases a UUID path parameter, and UUIDs in id fields of a body at any depth', () => {
    expect(lowerCaseIds(U, 'param')).toBe(l);
    const body = { lines: [{ skuId: U, quantity: 1 }], addressId: U, memberIds: [U, 'not-a-uuid'], id: U, note: U, reason: 'ABC' };
    expect(lowerCaseIds(body, 'body')).toEqual({ lines: [{ skuId: l, quantity: 1 }], addressId: l, memberIds: [l, 'not-a-uuid'], id: l, note: U, reason: 'ABC' });
  });

  it('leaves other strings alone: non-UUID ids, free text that looks like one, custom parameters', () => {
    expect(lowerCaseIds('SKU-CODE', 'param')).toBe('SKU-CODE');
    expect(lowerCaseIds({ q: U, supplierId: 'ABC', bankReference: U }, 'query')).toEqual({ q: U, supplierId: 'ABC', bankReference: U });
    expect(lowerCaseIds(U, 'custom')).toBe(U);
    expect(lowerCaseIds('text,csv', 'body')).toBe('text,csv');
  });
});
