import { AppError, AuthUser, hasRole, Page, Role, TransactionRunner } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { normalizeDate, normalizePhone } from '../shared/csv.util';
import { UnionAccess } from '../shared/union-access.service';
import { Member } from './member.entity';
import { CreateMemberDto, UpdateMemberDto } from './member.dto';

/** The roster one member at a time: add, correct, read. */
@Injectable()
export class MembersService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly dataSource: DataSource,
  ) {}

  async create(actor: AuthUser, unionId: string, dto: CreateMemberDto): Promise<Member> {
    const fields = this.validate(dto);
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const taken = await em.query(`SELECT id, status FROM members WHERE union_id = $1 AND employee_no = $2`, [unionId, dto.employeeNo]);
      if (taken.length) {
        throw AppError.conflict('EMPLOYEE_NO_TAKEN', `Employee number ${dto.employeeNo} is already on the roster`, { memberId: taken[0].id, status: taken[0].status });
      }
      const saved = await em.save(em.create(Member, { unionId, employeeNo: dto.employeeNo, name: dto.name, status: 'active', ...fields }));
      return em.findOneOrFail(Member, { where: { id: saved.id } });
    });
  }

  async update(actor: AuthUser, unionId: string, memberId: string, dto: UpdateMemberDto): Promise<Member> {
    const fields = this.validate(dto);
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const member = await em.findOne(Member, { where: { id: memberId, unionId }, lock: { mode: 'pessimistic_write' } });
      if (!member) throw AppError.notFound('Member', memberId);
      if (member.status === 'left') throw AppError.conflict('MEMBER_LEFT', 'This member has left the union', { leftAt: member.leftAt });
      const patch: Partial<Member> = { ...fields };
      if (dto.name !== undefined) patch.name = dto.name;
      await em.update(Member, { id: memberId }, patch);
      return em.findOneOrFail(Member, { where: { id: memberId } });
    });
  }

  async get(actor: AuthUser, unionId: string, memberId: string): Promise<Member> {
    await this.access.reach(actor, unionId);
    const member = await this.dataSource.getRepository(Member).findOne({ where: { id: memberId, unionId } });
    if (!member) throw AppError.notFound('Member', memberId);
    return member;
  }

  async list(actor: AuthUser, unionId: string, q: { status?: string; group?: string; q?: string; activated?: boolean; limit: number; offset: number }): Promise<Page<Member>> {
    await this.access.reach(actor, unionId);
    if (!hasRole(actor, Role.PlatformAdmin, Role.Auditor, Role.UnionAdmin)) throw AppError.forbidden('Only admins and auditors list members');
    const qb = this.dataSource.getRepository(Member).createQueryBuilder('m').where('m.union_id = :unionId', { unionId }).orderBy('m.employee_no').take(q.limit).skip(q.offset);
    if (q.status) qb.andWhere('m.status = :status', { status: q.status });
    if (q.group !== undefined) qb.andWhere('m.group_name = :group', { group: q.group });
    if (q.q) qb.andWhere('(m.name LIKE :p OR m.employee_no LIKE :p OR m.phone LIKE :p)', { p: `${q.q.replace(/[%_\\]/g, '\\$&')}%` });
    if (q.activated !== undefined) qb.andWhere(q.activated ? 'm.user_id IS NOT NULL' : 'm.user_id IS NULL');
    const [items, total] = await qb.getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  /** The same rules as the roster file, so a member typed in and one imported look alike. */
  private validate(dto: { phone?: string; joinDate?: string | null; group?: string }): Partial<Member> {
    const out: Partial<Member> = {};
    const fields: { field: string; reasons: string[] }[] = [];
    if (dto.phone !== undefined) {
      const phone = normalizePhone(dto.phone);
      if (!phone) fields.push({ field: 'phone', reasons: ['must be an 11-digit mainland China mobile number (1[3-9]xxxxxxxxx)'] });
      else out.phone = phone;
    }
    if (dto.joinDate !== undefined) {
      if (dto.joinDate === null) out.joinDate = null;
      else {
        const d = normalizeDate(dto.joinDate);
        if (!d) fields.push({ field: 'joinDate', reasons: ['must be a real date YYYY-MM-DD'] });
        else out.joinDate = d;
      }
    }
    if (dto.group !== undefined) out.group = dto.group.trim();
    if (fields.length) throw new AppError('VALIDATION_FAILED', `Request validation failed: ${fields.map((f) => f.field).join(', ')}`, 400, { fields });
    return out;
  }
}
