import { EMPLOYEE_NO, normalizeDate, normalizePhone, parseCsv, RowError } from '../shared/csv.util';

export interface RosterRow {
  line: number;
  employeeNo: string;
  name: string;
  phone: string;
  group: string;
  joinDate: string | null;
}

export const ROSTER_COLUMNS = {
  required: ['employee_no', 'name', 'phone'],
  optional: ['group', 'join_date'],
  // what a spreadsheet exported by a Chinese union office is likely to say
  aliases: { 工号: 'employee_no', 姓名: 'name', 手机号: 'phone', 手机: 'phone', 部门: 'group', 班组: 'group', 入职日期: 'join_date' } as Record<string, string>,
};

/**
 * Reads and validates a roster file: `employee_no,name,phone,group,join_date`. Returns the valid
 * rows and a per-row report (line, field, reason) of the invalid ones; a row with any error is
 * left out entirely. A later duplicate of an employee number is an error on its own line.
 */
export function parseRoster(text: string, today: string): { rows: RosterRow[]; errors: RowError[]; totalRows: number } {
  const { records } = parseCsv(text, ROSTER_COLUMNS);
  const rows: RosterRow[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  const expectedWidth = Object.keys(records[0]?.values ?? {}).length;
  for (const rec of records) {
    const v = rec.values;
    const rowErrors: RowError[] = [];
    const employeeNo = v.employee_no ?? '';
    const err = (field: string, reason: string) => rowErrors.push({ line: rec.line, field, reason, employeeNo: employeeNo || undefined });
    if (rec.width !== expectedWidth) err('row', `expected ${expectedWidth} columns, found ${rec.width}`);
    if (!employeeNo) err('employee_no', 'is required');
    else if (!EMPLOYEE_NO.test(employeeNo)) err('employee_no', 'must be 1-32 letters, digits, _ or -');
    else if (seen.has(employeeNo)) err('employee_no', `duplicates line ${seen.get(employeeNo)}`);
    const name = v.name ?? '';
    if (!name) err('name', 'is required');
    else if ([...name].length > 64) err('name', 'is longer than 64 characters');
    const phone = normalizePhone(v.phone ?? '');
    if (!v.phone) err('phone', 'is required');
    else if (!phone) err('phone', 'must be an 11-digit mainland China mobile number (1[3-9]xxxxxxxxx)');
    const group = v.group ?? '';
    if ([...group].length > 64) err('group', 'is longer than 64 characters');
    let joinDate: string | null = null;
    if (v.join_date) {
      joinDate = normalizeDate(v.join_date);
      if (!joinDate) err('join_date', 'must be a date such as 2019-07-01');
      else if (joinDate > today) err('join_date', 'is in the future');
      else if (joinDate < '1950-01-01') err('join_date', 'is before 1950');
    }
    if (employeeNo && EMPLOYEE_NO.test(employeeNo) && !seen.has(employeeNo)) seen.set(employeeNo, rec.line);
    if (rowErrors.length) errors.push(...rowErrors);
    else rows.push({ line: rec.line, employeeNo, name, phone: phone!, group, joinDate });
  }
  return { rows, errors, totalRows: records.length };
}
