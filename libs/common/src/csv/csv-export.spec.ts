import { csvCell, toCsv } from './csv-export';

describe('CSV export', () => {
  it.each(['=1+1', '+86123', '-2', '@SUM(A1)', '\tx', '\rx'])('neutralises a text cell starting like a formula: %p', (cell) => {
    expect(csvCell(cell).replace(/^"|"$/g, '')).toMatch(/^'/);
  });

  it('leaves numbers we computed, and harmless text, alone', () => {
    expect(csvCell(-150)).toBe('-150');
    expect(csvCell(12n)).toBe('12');
    expect(csvCell('崂山茶')).toBe('崂山茶');
    expect(csvCell(null)).toBe('');
  });

  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('a,"b"\nc')).toBe('"a,""b""\nc"');
  });

  it('writes a BOM, a header and CRLF lines from arrays or records', () => {
    expect(toCsv(['a', 'b'], [[1, 'x'], { a: 2, b: '=y' }])).toBe("\uFEFFa,b\r\n1,x\r\n2,'=y\r\n");
  });
});
