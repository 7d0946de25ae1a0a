import { AuthUser, TransactionRunner } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RowError } from '../shared/csv.util';
import { UnionAccess } from '../shared/union-access.service';
import { parseRoster, RosterRow } from './roster-csv.parser';

export interface RosterChange {
  line: number;
  employeeNo: string;
  action: 'create' | 'update';
  fields?: string[];
}

export interface RosterImportReport {
  dryRun: boolean;
  totalRows: number;
  validRows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  /** the first changes (all of them up to 500), so a dry run shows what would happen */
  changes: RosterChange[];
}

const MAX_CHANGES_LISTED = 500;

interface Existing {
  employee_no: string;
  name: string;
  phone: string;
  group_name: string;
  join_date: string | null;
  status: string;
  left_at: Date | null;
}

/**
 * Roster import: validate every row, compare with the roster, and write only what changed, in one
 * bulk upsert (15,000 rows in one statement). Re-importing the same file changes nothing (the
 * upsert's WHERE skips identical rows, so unchanged rows are not even rewritten). A dry run returns
 * the same report without writing. Bad rows are reported and skipped; the good ones are imported.
 * Members missing from the file are left alone: leaving is an explicit action.
 */
@Injectable()
export class RosterImportService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
  ) {}

  async import(actor: AuthUser, unionId: string, csv: string, dryRun: boolean): Promise<RosterImportReport> {
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const [{ today }] = await em.query(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today`);
      const { rows, errors, totalRows } = parseRoster(csv, today);
      const existing = await this.existing(em, unionId, rows);
      const toWrite: RosterRow[] = [];
      const changes: RosterChange[] = [];
      let unchanged = 0;
      let leftRows = 0;
      for (const r of rows) {
        const e = existing.get(r.employeeNo);
        if (!e) {
          toWrite.push(r);
          changes.push({ line: r.line, employeeNo: r.employeeNo, action: 'create' });
          continue;
        }
        if (e.status === 'left') {
          errors.push({ line: r.line, field: 'employee_no', reason: `this member left the union on ${e.left_at?.toISOString().slice(0, 10)}; import does not re-admit`, employeeNo: r.employeeNo });
          leftRows++;
          continue;
        }
        const fields = diff(e, r);
        if (!fields.length) unchanged++;
        else {
          toWrite.push(r);
          changes.push({ line: r.line, employeeNo: r.employeeNo, action: 'update', fields });
        }
      }
      let created = changes.filter((c) => c.action === 'create').length;
      let updated = changes.length - created;
      if (!dryRun && toWrite.length) {
        const written = await this.upsert(em, unionId, toWrite);
        // another import may have raced this one: report what this statement actually did
        created = written.created;
        updated = written.updated;
        unchanged = rows.length - leftRows - created - updated;
      }
      errors.sort((a, b) => a.line - b.line);
      return {
        dryRun,
        totalRows,
        validRows: rows.length - leftRows,
        created,
        updated,
        unchanged,
        rejected: new Set(errors.map((e) => e.line)).size,
        errors,
        changes: changes.slice(0, MAX_CHANGES_LISTED),
      };
    });
  }

  private async existing(em: EntityManager, unionId: string, rows: RosterRow[]): Promise<Map<string, Existing>> {
    if (!rows.length) return new Map();
    const found: Existing[] = await em.query(
      `SELECT employee_no, name, phone, group_name, join_date::text AS join_date, status, left_at
         FROM members WHERE union_id = $1 AND employee_no = ANY($2::text[])`,
      [unionId, rows.map((r) => r.employeeNo)],
    );
    return new Map(found.map((f) => [f.employee_no, f]));
  }

  private async upsert(em: EntityManager, unionId: string, rows: RosterRow[]): Promise<{ created: number; updated: number }> {
    const result: { inserted: boolean }[] = await em.query(
      `INSERT INTO members (union_id, employee_no, name, phone, group_name, join_date)
       SELECT $1, r.employee_no, r.name, r.phone, r.group_name, r.join_date
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::date[]) AS r(employee_no, name, phone, group_name, join_date)
       ON CONFLICT (union_id, employee_no) DO UPDATE
          SET name = EXCLUDED.name, phone = EXCLUDED.phone, group_name = EXCLUDED.group_name, join_date = EXCLUDED.join_date, updated_at = now()
        WHERE members.status = 'active'
          AND (members.name, members.phone, members.group_name, members.join_date)
              IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.phone, EXCLUDED.group_name, EXCLUDED.join_date)
       RETURNING (xmax = 0) AS inserted`,
      [unionId, rows.map((r) => r.employeeNo), rows.map((r) => r.name), rows.map((r) => r.phone), rows.map((r) => r.group), rows.map((r) => r.joinDate)],
    );
    const created = result.filter((r) => r.inserted).length;
    return { created, updated: result.length - created };
  }
}

function diff(e: Existing, r: RosterRow): string[] {
  const fields: string[] = [];
  if (e.name !== r.name) fields.push('name');
  if (e.phone !== r.phone) fields.push('phone');
  if (e.group_name !== r.group) fields.push('group');
  if ((e.join_date ?? null) !== r.joinDate) fields.push('join_date');
  return fields;
}
