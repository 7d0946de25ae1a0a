import { AuthUser, hasRole, Page, Role } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BudgetQueryService } from '../budget/budget-query.service';
import { UnionAccess, UnionRow } from '../shared/union-access.service';
import { UnionDto } from './union.dto';

/** Reading onboarded unions, scoped: a union admin sees their union and the unions below it. */
@Injectable()
export class UnionDirectoryService {
  constructor(
    private readonly access: UnionAccess,
    private readonly budgets: BudgetQueryService,
    private readonly dataSource: DataSource,
  ) {}

  async get(user: AuthUser, unionId: string): Promise<UnionDto> {
    const u = await this.access.reach(user, unionId);
    const budget = await this.budgets.summary(u);
    return { ...toDto(u), budget };
  }

  async list(user: AuthUser, q: { parentId?: string; limit: number; offset: number }): Promise<Page<UnionDto>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const path = await this.access.scopePath(user);
    if (path !== null) {
      if (hasRole(user, Role.UnionAdmin)) {
        params.push(`${path}%`);
        where.push(`o.path LIKE $${params.length}`);
      } else {
        params.push(user.organizationId);
        where.push(`o.id = $${params.length}`);
      }
    }
    if (q.parentId) {
      params.push(q.parentId);
      where.push(`o.parent_id = $${params.length}`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM unions u JOIN organizations o ON o.id = u.organization_id ${filter}`, params);
    const rows = await this.dataSource.query(
      `SELECT u.organization_id FROM unions u JOIN organizations o ON o.id = u.organization_id ${filter}
        ORDER BY o.path LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    const unions = await Promise.all(rows.map((r: { organization_id: string }) => this.access.profile(r.organization_id)));
    const budgets = await this.budgets.summaries(unions);
    return { items: unions.map((u) => ({ ...toDto(u), budget: budgets.get(u.organizationId) })), total, limit: q.limit, offset: q.offset };
  }
}

function toDto(u: UnionRow): UnionDto {
  return {
    id: u.organizationId,
    name: u.name,
    parentId: u.parentId,
    path: u.path,
    regionCode: u.regionCode,
    cityRegionCode: u.cityRegionCode,
    contactName: u.contactName,
    contactPhone: u.contactPhone,
    fundingAccountId: u.fundingAccountId,
    budgetAccountId: u.budgetAccountId,
    createdAt: u.createdAt,
  };
}
