import { AppError, AuthUser, TransactionRunner } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EMPLOYEE_NO, parseCsv, pointsToFen, RowError } from '../shared/csv.util';
import { UnionAccess } from '../shared/union-access.service';
import { Campaign } from './campaign.entity';
import { CampaignStatus } from './campaign.lifecycle';
import { CampaignTransitionsService } from './campaign-transitions.service';
import { CreateCampaignDto, MAX_FEN_PER_MEMBER } from './campaign.dto';

export interface MemberAmountsReport {
  dryRun: boolean;
  totalRows: number;
  validRows: number;
  rejected: number;
  totalFen: number;
  errors: RowError[];
}

/**
 * A union admin drafts a campaign: who (everyone, some groups, or a per-member CSV), how much,
 * the ordering window, what the points may buy. Nothing is reserved until approval.
 */
@Injectable()
export class CreateCampaignService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly transitions: CampaignTransitionsService,
  ) {}

  async create(actor: AuthUser, unionId: string, dto: CreateCampaignDto): Promise<Campaign> {
    const fields: { field: string; reasons: string[] }[] = [];
    if (dto.amountMode === 'flat' && dto.pointsPerMemberFen === undefined) fields.push({ field: 'pointsPerMemberFen', reasons: ['is required for a flat campaign'] });
    if (dto.amountMode === 'per_member' && dto.pointsPerMemberFen !== undefined) fields.push({ field: 'pointsPerMemberFen', reasons: ['a per_member campaign takes its amounts from the CSV'] });
    if (dto.perMemberCapFen !== undefined && dto.pointsPerMemberFen !== undefined && dto.pointsPerMemberFen > dto.perMemberCapFen) {
      fields.push({ field: 'pointsPerMemberFen', reasons: [`exceeds perMemberCapFen (${dto.perMemberCapFen})`] });
    }
    if (Date.parse(dto.closesAt) <= Date.parse(dto.opensAt)) fields.push({ field: 'closesAt', reasons: ['must be after opensAt'] });
    if (dto.distributeAt && Date.parse(dto.distributeAt) >= Date.parse(dto.closesAt)) fields.push({ field: 'distributeAt', reasons: ['must be before closesAt'] });
    if (fields.length) throw new AppError('VALIDATION_FAILED', `Request validation failed: ${fields.map((f) => f.field).join(', ')}`, 400, { fields });
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const [{ past }] = await em.query(`SELECT $1::timestamptz <= now() AS past`, [dto.closesAt]);
      if (past) throw AppError.unprocessable('WINDOW_IN_PAST', 'The ordering window closes in the past', { closesAt: dto.closesAt });
      const saved = await em.save(
        em.create(Campaign, {
          unionId,
          name: dto.name,
          purpose: dto.purpose ?? null,
          amountMode: dto.amountMode,
          pointsPerMemberFen: dto.pointsPerMemberFen ?? null,
          eligibleGroups: dto.eligibleGroups ? [...new Set(dto.eligibleGroups)] : null,
          opensAt: new Date(dto.opensAt),
          closesAt: new Date(dto.closesAt),
          allowedCategoryIds: dto.allowedCategoryIds ? [...new Set(dto.allowedCategoryIds)] : null,
          perMemberCapFen: dto.perMemberCapFen ?? null,
          distributeAt: dto.distributeAt ? new Date(dto.distributeAt) : null,
          status: CampaignStatus.Draft,
          totalFen: 0,
          memberCount: 0,
          expiredFen: 0,
          returnedFen: 0,
          createdBy: actor.id,
        }),
      );
      await em.query(
        `INSERT INTO campaign_transitions (campaign_id, union_id, action, from_status, to_status, actor, reason) VALUES ($1, $2, 'create', 'draft', 'draft', $3, NULL)`,
        [saved.id, unionId, actor.id],
      );
      return em.findOneOrFail(Campaign, { where: { id: saved.id } });
    });
  }

  /**
   * Per-member amounts for a draft per_member campaign, from `employee_no,points` (or
   * `employee_no,amount_fen`). Replaces the previous upload. Rows naming unknown or departed
   * members, members outside the eligible groups, or amounts over the per-member cap are reported
   * and left out.
   */
  async setMemberAmounts(actor: AuthUser, campaignId: string, csv: string, dryRun: boolean): Promise<MemberAmountsReport> {
    return this.tx.run(async (em) => {
      await this.transitions.lock(em, campaignId);
      const campaign = await em.findOneOrFail(Campaign, { where: { id: campaignId } });
      await this.access.reach(actor, campaign.unionId, em);
      if (campaign.status !== CampaignStatus.Draft) throw AppError.conflict('CAMPAIGN_NOT_DRAFT', 'Amounts can only change while the campaign is a draft', { status: campaign.status });
      if (campaign.amountMode !== 'per_member') throw AppError.conflict('NOT_PER_MEMBER', 'This campaign gives every member the same amount');
      const { header, records } = parseCsv(csv, { required: ['employee_no'], optional: ['points', 'amount_fen'], aliases: { 工号: 'employee_no', 积分: 'points' } });
      const amountColumn = header.includes('amount_fen') ? 'amount_fen' : 'points';
      if (header.includes('amount_fen') === header.includes('points')) {
        throw AppError.unprocessable('INVALID_CSV_HEADER', 'The header must be employee_no,points or employee_no,amount_fen', { header });
      }
      const errors: RowError[] = [];
      const seen = new Map<string, number>();
      const parsed: { line: number; employeeNo: string; fen: number }[] = [];
      for (const r of records) {
        const employeeNo = r.values.employee_no;
        const before = errors.length;
        const err = (field: string, reason: string) => errors.push({ line: r.line, field, reason, employeeNo: employeeNo || undefined });
        if (!EMPLOYEE_NO.test(employeeNo)) err('employee_no', 'must be 1-32 letters, digits, _ or -');
        else if (seen.has(employeeNo)) err('employee_no', `duplicates line ${seen.get(employeeNo)}`);
        else seen.set(employeeNo, r.line);
        const raw = r.values[amountColumn];
        const fen = amountColumn === 'points' ? pointsToFen(raw) : /^\d{1,15}$/.test(raw) ? Number(raw) : null;
        if (fen === null || fen <= 0) err(amountColumn, amountColumn === 'points' ? 'must be a positive number of points with at most 2 decimals' : 'must be a positive whole number of fen');
        else if (fen > MAX_FEN_PER_MEMBER) err(amountColumn, `exceeds the most one member may receive, ${MAX_FEN_PER_MEMBER} fen (${MAX_FEN_PER_MEMBER / 100} points)`);
        else if (campaign.perMemberCapFen !== null && fen > campaign.perMemberCapFen) err(amountColumn, `exceeds the per-member cap of ${campaign.perMemberCapFen} fen`);
        if (errors.length === before) parsed.push({ line: r.line, employeeNo, fen: fen! });
      }
      const members: { id: string; employee_no: string; status: string; group_name: string }[] = await em.query(
        `SELECT id, employee_no, status, group_name FROM members WHERE union_id = $1 AND employee_no = ANY($2::text[])`,
        [campaign.unionId, parsed.map((p) => p.employeeNo)],
      );
      const byNo = new Map(members.map((m) => [m.employee_no, m]));
      const valid: { memberId: string; fen: number }[] = [];
      for (const p of parsed) {
        const m = byNo.get(p.employeeNo);
        if (!m) errors.push({ line: p.line, field: 'employee_no', reason: 'is not on the roster', employeeNo: p.employeeNo });
        else if (m.status !== 'active') errors.push({ line: p.line, field: 'employee_no', reason: 'this member has left the union', employeeNo: p.employeeNo });
        else if (campaign.eligibleGroups && !campaign.eligibleGroups.includes(m.group_name)) {
          errors.push({ line: p.line, field: 'employee_no', reason: `group "${m.group_name}" is not eligible for this campaign`, employeeNo: p.employeeNo });
        } else valid.push({ memberId: m.id, fen: p.fen });
      }
      const totalFen = valid.reduce((s, v) => s + v.fen, 0);
      // cannot trip while rows and files are bounded (see MAX_FEN_PER_MEMBER); should either bound
      // change, refuse here rather than store a total that every later read of the campaign rejects
      if (!Number.isSafeInteger(totalFen)) {
        throw AppError.unprocessable('AMOUNTS_TOTAL_TOO_LARGE', 'The amounts add up to more than can be recorded exactly', { field: amountColumn, validRows: valid.length });
      }
      if (!dryRun) {
        await em.query(`DELETE FROM campaign_members WHERE campaign_id = $1 AND state = 'draft'`, [campaignId]);
        if (valid.length) {
          // in member order, as distribution reads them (see ApproveCampaignService)
          await em.query(
            `INSERT INTO campaign_members (campaign_id, member_id, union_id, amount_fen, state)
             SELECT $1, v.member_id, $2, v.amount, 'draft' FROM unnest($3::uuid[], $4::bigint[]) AS v(member_id, amount) ORDER BY v.member_id`,
            [campaignId, campaign.unionId, valid.map((v) => v.memberId), valid.map((v) => v.fen)],
          );
        }
        await em.query(`UPDATE campaigns SET total_fen = $2, member_count = $3, updated_at = now() WHERE id = $1`, [campaignId, totalFen, valid.length]);
      }
      errors.sort((a, b) => a.line - b.line);
      return { dryRun, totalRows: records.length, validRows: valid.length, rejected: new Set(errors.map((e) => e.line)).size, totalFen, errors };
    });
  }
}
