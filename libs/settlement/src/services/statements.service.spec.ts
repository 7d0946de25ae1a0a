import { parse } from 'csv-parse/sync';
import { StatementDetailView } from '../domain/settlement-views';
import { AccessScopeService } from '@huigong/identity';
import { TransactionRunner } from '@huigong/common';
import { EntityManager } from 'typeorm';
import { StatementLineView } from '../domain/settlement-views';
import { StatementReader } from './statement-reader.service';
import { fenToYuan, statementCsv, StatementsService } from './statements.service';

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

describe('StatementsService.csv (streaming)', () => {
  // 4,500 lines: three keyset pages of at most 2,000, each written as it is read
  const lines: StatementLineView[] = Array.from({ length: 4_500 }, (_, i) => ({
    lineNo: i + 1,
    orderId: `o${i + 1}`,
    unionId: 'u',
    completedAt: '2026-11-20T01:00:00.000Z',
    amountFen: 100 + i,
    completionEntryId: String(1_000 + i),
  }));
  const summary = {
    id: 's',
    number: 'ST-20261127-000002',
    runId: 'r',
    supplierId: 'sup',
    supplierOrganizationId: 'org',
    payableAccountId: '7',
    periodStart: '2026-11-20T01:00:00.000Z',
    periodEnd: '2026-11-27T01:00:00.000Z',
    lineCount: lines.length,
    totalFen: lines.reduce((s, l) => s + l.amountFen, 0),
    issuedAt: '2026-11-27T01:00:00.000Z',
    status: 'issued' as const,
  };

  it('writes every line once, in line order, page by page, then the total', async () => {
    const asked: { after: number; limit: number }[] = [];
    const reader = {
      linesAfter: async (_id: string, after: number, limit: number) => {
        asked.push({ after, limit });
        return lines.filter((l) => l.lineNo > after).slice(0, limit);
      },
      payout: async () => null,
    } as unknown as StatementReader;
    const tx = { run: <T>(work: (em: EntityManager) => Promise<T>) => work({} as EntityManager) } as unknown as TransactionRunner;
    const service = new StatementsService(reader, {} as AccessScopeService, tx);
    const chunks: string[] = [];
    await service.csv(summary, async (c) => {
      chunks.push(c);
    });
    expect(asked).toEqual([
      { after: 0, limit: 2_000 },
      { after: 2_000, limit: 2_000 },
      { after: 4_000, limit: 2_000 },
    ]);
    expect(chunks).toHaveLength(1 + 3 + 1); // header, three pages, total
    const rows = parse(chunks.join(''), { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4_501);
    expect(rows.slice(0, -1).map((r) => Number(r.line_no))).toEqual(lines.map((l) => l.lineNo));
    expect(rows[4_500]).toMatchObject({ line_no: 'total', amount_fen: String(summary.totalFen) });
  });
});
