import { AppError, AuthUser, hasRole, Page, Role } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { Organization, OrganizationType } from '../entities/organization.entity';
import { AccessScopeService } from './access-scope.service';

export interface CreateOrganizationInput {
  type: OrganizationType;
  name: string;
  parentId?: string | null;
  regionCode?: string | null;
}

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectRepository(Organization) private readonly repo: Repository<Organization>,
    private readonly scope: AccessScopeService,
  ) {}

  /** Used by the use cases of other contexts inside their own transaction (e.g. onboarding a union). */
  async create(em: EntityManager, input: CreateOrganizationInput): Promise<Organization> {
    const id = randomUUID();
    let path = `/${id}/`;
    if (input.parentId) {
      const parent = await em.findOne(Organization, { where: { id: input.parentId } });
      if (!parent) throw AppError.unprocessable('PARENT_NOT_FOUND', `Parent organization ${input.parentId} does not exist`, { parentId: input.parentId });
      if (input.type === OrganizationType.Union && parent.type !== OrganizationType.Union && parent.type !== OrganizationType.Platform) {
        throw AppError.unprocessable('INVALID_PARENT', 'A union sits under another union or the platform');
      }
      path = `${parent.path}${id}/`;
    }
    const org = em.create(Organization, { id, type: input.type, name: input.name, parentId: input.parentId ?? null, path, regionCode: input.regionCode ?? null });
    return em.save(org);
  }

  /** The platform operator's organization (there is one); created on first use. */
  async platform(em: EntityManager): Promise<Organization> {
    const found = await em.findOne(Organization, { where: { type: OrganizationType.Platform }, order: { createdAt: 'ASC' } });
    return found ?? this.create(em, { type: OrganizationType.Platform, name: '惠工平台运营中心', regionCode: '370200' });
  }

  async get(user: AuthUser, id: string): Promise<Organization> {
    const org = await this.repo.findOne({ where: { id } });
    if (!org) throw AppError.notFound('Organization', id);
    await this.scope.assertOrganization(user, id, 'Organization');
    return org;
  }

  async findById(id: string, em: EntityManager = this.repo.manager): Promise<Organization | null> {
    return em.findOne(Organization, { where: { id } });
  }

  async list(user: AuthUser, q: { type?: OrganizationType; parentId?: string; limit: number; offset: number }): Promise<Page<Organization>> {
    const qb = this.repo.createQueryBuilder('o').orderBy('o.path').take(q.limit).skip(q.offset);
    const path = await this.scope.scopePath(user);
    if (path !== null) {
      if (hasRole(user, Role.UnionAdmin)) qb.andWhere('o.path LIKE :p', { p: `${path}%` });
      else qb.andWhere('o.id = :own', { own: user.organizationId });
    }
    if (q.type) qb.andWhere('o.type = :type', { type: q.type });
    if (q.parentId) qb.andWhere('o.parent_id = :parentId', { parentId: q.parentId });
    const [items, total] = await qb.getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  /** Ids of the union and every union below it (for reports and scoping in other contexts). */
  async subtreeIds(organizationId: string, em: EntityManager = this.repo.manager): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT t.id FROM organizations t, organizations root WHERE root.id = $1 AND t.path LIKE root.path || '%'`,
      [organizationId],
    );
    return rows.map((r) => r.id);
  }

  /** The union organizations at and below `rootId` (every union when null), parents before children. */
  async unionTree(rootId: string | null, em: EntityManager = this.repo.manager): Promise<{ id: string; name: string; parentId: string | null; path: string; regionCode: string | null }[]> {
    const rows: { id: string; name: string; parent_id: string | null; path: string; region_code: string | null }[] = await em.query(
      `SELECT t.id, t.name, t.parent_id, t.path, t.region_code FROM organizations t
        WHERE t.type = 'union' AND ($1::uuid IS NULL OR t.path LIKE (SELECT path FROM organizations WHERE id = $1) || '%')
        ORDER BY t.path`,
      [rootId],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, path: r.path, regionCode: r.region_code }));
  }
}
