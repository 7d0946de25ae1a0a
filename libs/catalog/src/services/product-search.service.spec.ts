import { MAX_TERMS, searchTerms } from './product-search.service';

describe('searchTerms', () => {
  it('splits on ASCII and full-width spaces and drops empty terms', () => {
    expect(searchTerms(' 崂山\u3000绿茶  礼盒 ')).toEqual(['崂山', '绿茶', '礼盒']);
    expect(searchTerms(undefined)).toEqual([]);
    expect(searchTerms('   ')).toEqual([]);
  });

  it(`keeps at most ${MAX_TERMS} terms`, () => {
    expect(searchTerms('a b c d e f g')).toHaveLength(MAX_TERMS);
  });
});
