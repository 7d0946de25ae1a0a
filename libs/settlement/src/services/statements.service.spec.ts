import { parse } from 'csv-parse/sync';
import { StatementDetailView } from '../domain/settlement-views';
import { fenToYuan, statementCsv } from './statements.service';

describe('fenToYuan', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [100, '1.00'],
    [84_000, '840.00'],
    [123_456_789, '1234567.89'],
    [-1_250, '-12.50'],
  ])('%d fen → %s', (fen, yuan) => expect(fenToYuan(fen)).toBe(yuan));
});

describe('statementCsv', () => {
  const statement: StatementDetailView = {
    id: 's',
    number: 'ST-20261127-000001',
    runId: 'r',
    supplierId: 'sup',
    supplierOrganizationId: 'org',
    payableAccountId: '7',
    periodStart: '2026-11-20T01:00:00.000Z',
    periodEnd: '2026-11-27T01:00:00.000Z',
    lineCount: 2,
    totalFen: 36_850,
    issuedAt: '2026-11-27T01:00:00.000Z',
    status: 'paid',
    lines: [
      { lineNo: 1, orderId: 'o1', unionId: 'u', completedAt: '2026-11-20T01:00:00.000Z', amountFen: 36_000, completionEntryId: '11' },
      { lineNo: 2, orderId: 'o2', unionId: 'u', completedAt: '2026-11-21T01:00:00.000Z', amountFen: 850, completionEntryId: '12' },
    ],
    linesPage: { total: 2, limit: 50, offset: 0 },
    payout: { id: 'p', statementId: 's', amountFen: 36_850, bankReference: '=HYPERLINK("x")', paidOn: '2026-11-27', ledgerEntryId: '13', recordedBy: 'admin', recordedAt: '2026-11-27T02:00:00.000Z' },
  };

  it('writes a row per line, a total row and the payout, with BOM and CRLF, formula cells neutralised', () => {
    const csv = statementCsv(statement);
    expect(csv.startsWith('\uFEFFstatement_number,line_no,')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(5 + 1); // header, 2 lines, total, payout, trailing
    const rows = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.line_no, r.amount_fen, r.amount_yuan])).toEqual([
      ['1', '36000', '360.00'],
      ['2', '850', '8.50'],
      ['total', '36850', '368.50'],
      ['paid', '36850', '368.50'],
    ]);
    // a bank reference typed by a person never becomes a spreadsheet formula
    expect(rows[3].order_id).toBe(`'=HYPERLINK("x")`);
  });
});
