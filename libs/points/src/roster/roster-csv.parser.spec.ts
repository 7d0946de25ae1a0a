import { normalizeDate, normalizePhone, pointsToFen } from '../shared/csv.util';
import { parseRoster } from './roster-csv.parser';

const TODAY = '2025-06-30';

describe('roster CSV', () => {
  it('reads valid rows, normalising phones and dates', () => {
    const csv = '\ufeffemployee_no,name,phone,group,join_date\nQ1,王师傅,138 0013 8000,装卸一队,2015/3/1\nQ2,李娜,+8613900139000,,\n';
    const { rows, errors, totalRows } = parseRoster(csv, TODAY);
    expect(errors).toEqual([]);
    expect(totalRows).toBe(2);
    expect(rows).toEqual([
      { line: 2, employeeNo: 'Q1', name: '王师傅', phone: '13800138000', group: '装卸一队', joinDate: '2015-03-01' },
      { line: 3, employeeNo: 'Q2', name: '李娜', phone: '13900139000', group: '', joinDate: null },
    ]);
  });

  it('reports every bad field of every bad row with its line, and leaves those rows out', () => {
    const csv = [
      'employee_no,name,phone,group,join_date',
      'Q1,王师傅,13800138000,一队,2015-03-01',
      'Q2,,12345,一队,2015-02-30',
      'Q1,重复,13800138001,一队,',
      'Q 3,张三,13800138002,一队,2099-01-01',
      'Q4,李四,13800138003',
    ].join('\n');
    const { rows, errors } = parseRoster(csv, TODAY);
    expect(rows.map((r) => r.employeeNo)).toEqual(['Q1']);
    expect(errors).toEqual([
      { line: 3, field: 'name', reason: 'is required', employeeNo: 'Q2' },
      { line: 3, field: 'phone', reason: expect.stringContaining('11-digit'), employeeNo: 'Q2' },
      { line: 3, field: 'join_date', reason: expect.stringContaining('date'), employeeNo: 'Q2' },
      { line: 4, field: 'employee_no', reason: 'duplicates line 2', employeeNo: 'Q1' },
      { line: 5, field: 'employee_no', reason: expect.stringContaining('letters'), employeeNo: 'Q 3' },
      { line: 5, field: 'join_date', reason: 'is in the future', employeeNo: 'Q 3' },
      { line: 6, field: 'row', reason: 'expected 5 columns, found 3', employeeNo: 'Q4' },
    ]);
  });

  it('accepts the Chinese headers of a spreadsheet export and refuses a header without required columns', () => {
    expect(parseRoster('工号,姓名,手机号,部门,入职日期\nQ1,王师傅,13800138000,一队,2015-03-01', TODAY).rows).toHaveLength(1);
    expect(() => parseRoster('employee_no,name\nQ1,王', TODAY)).toThrow(expect.objectContaining({ code: 'INVALID_CSV_HEADER', details: expect.objectContaining({ missing: ['phone'] }) }));
    expect(() => parseRoster('a,"b\n', TODAY)).toThrow(expect.objectContaining({ code: 'MALFORMED_CSV' }));
    expect(() => parseRoster('  ', TODAY)).toThrow(expect.objectContaining({ code: 'EMPTY_CSV' }));
  });
});

describe('amounts and fields', () => {
  it('turns points into integer fen by string arithmetic', () => {
    expect(pointsToFen('500')).toBe(50000);
    expect(pointsToFen('500.5')).toBe(50050);
    expect(pointsToFen('0.01')).toBe(1);
    expect(pointsToFen('0.1')).toBe(10);
    // 0.1 + 0.2 style float traps never arise: each digit is read, not computed
    expect(pointsToFen('1234567.89')).toBe(123456789);
    for (const bad of ['', '-1', '1.234', '1e3', 'abc', '1,000']) expect(pointsToFen(bad)).toBeNull();
  });

  it('accepts mainland mobile numbers only', () => {
    expect(normalizePhone('13800138000')).toBe('13800138000');
    expect(normalizePhone('86-138-0013-8000')).toBe('13800138000');
    for (const bad of ['12800138000', '1380013800', '138001380000', '0532-82982000']) expect(normalizePhone(bad)).toBeNull();
  });

  it('accepts real calendar dates only', () => {
    expect(normalizeDate('2024-02-29')).toBe('2024-02-29');
    expect(normalizeDate('2023-02-29')).toBeNull();
    expect(normalizeDate('2023.7.1')).toBe('2023-07-01');
    expect(normalizeDate('07/01/2023')).toBeNull();
  });
});
