import { parse } from 'csv-parse';
import fc from 'fast-check';
import { csvCell, neutraliseCell } from '@huigong/common';
import { PICK_LIST_HEADER, pickListCsv, PickListRow } from './pick-list-csv';

function parseCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => parse(text, { bom: true, relax_column_count: false }, (err, rows: string[][]) => (err ? reject(err) : resolve(rows))));
}

function row(over: Partial<PickListRow>): PickListRow {
  const base = Object.fromEntries(PICK_LIST_HEADER.map((h) => [h, ''])) as PickListRow;
  return { ...base, ...over };
}

describe('pick list CSV', () => {
  it('neutralises cells that a spreadsheet would run as formulas', () => {
    expect(neutraliseCell('=HYPERLINK("http://x")')).toBe(`'=HYPERLINK("http://x")`);
    expect(neutraliseCell('+86 138')).toBe(`'+86 138`);
    expect(neutraliseCell('-1')).toBe(`'-1`);
    expect(neutraliseCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(neutraliseCell('青岛市市南区')).toBe('青岛市市南区');
    expect(neutraliseCell(-5)).toBe('-5'); // our own numbers stay numbers
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });

  it('round-trips any text through a CSV parser, with formulas neutralised (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string(), fc.string(), fc.integer({ min: 1, max: 99 })), { minLength: 1, maxLength: 5 }), async (items) => {
        const rows = items.map(([recipient, address, quantity]) => row({ recipient, address, quantity }));
        const parsed = await parseCsv(pickListCsv(rows));
        expect(parsed[0]).toEqual([...PICK_LIST_HEADER]);
        parsed.slice(1).forEach((cells, i) => {
          const [recipient, address] = items[i];
          expect(cells[PICK_LIST_HEADER.indexOf('recipient')]).toBe(neutraliseCell(recipient));
          expect(cells[PICK_LIST_HEADER.indexOf('address')]).toBe(neutraliseCell(address));
          expect(cells[PICK_LIST_HEADER.indexOf('quantity')]).toBe(String(items[i][2]));
          for (const c of cells) expect(/^[=+\-@\t\r]/.test(c) && !/^-?\d+$/.test(c)).toBe(false);
        });
      }),
      { numRuns: 200 },
    );
  });
});
