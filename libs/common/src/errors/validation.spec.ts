import { hostileFields } from './validation';

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
