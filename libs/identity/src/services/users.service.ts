import { AppError, AuthUser, hasRole, Page, Role } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { Organization, OrganizationType } from '../entities/organization.entity';
import { User } from '../entities/user.entity';
import { AccessScopeService } from './access-scope.service';
import { PasswordService } from './password.service';

export interface CreateUserInput {
  organizationId: string;
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
}

/** Which roles fit which kind of organization. */
const ROLES_BY_ORG: Record<OrganizationType, Role[]> = {
  [OrganizationType.Platform]: [Role.PlatformAdmin, Role.Auditor],
  [OrganizationType.Union]: [Role.UnionAdmin, Role.Worker],
  [OrganizationType.Enterprise]: [Role.UnionAdmin, Role.Worker],
  [OrganizationType.Supplier]: [Role.SupplierStaff],
};

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly repo: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly scope: AccessScopeService,
  ) {}

  /** Creates a user as `actor` (null for the system: CLI, demo data, activation). */
  async create(actor: AuthUser | null, input: CreateUserInput, em: EntityManager = this.dataSource.manager): Promise<User> {
    const org = await em.findOne(Organization, { where: { id: input.organizationId } });
    if (!org) throw AppError.unprocessable('ORGANIZATION_NOT_FOUND', `Organization ${input.organizationId} does not exist`);
    const allowed = ROLES_BY_ORG[org.type];
    const wrong = input.roles.filter((r) => !allowed.includes(r));
    if (wrong.length) {
      throw AppError.unprocessable('ROLE_NOT_ALLOWED', `Roles ${wrong.join(', ')} do not fit a ${org.type} organization`, { allowed });
    }
    if (actor && !hasRole(actor, Role.PlatformAdmin)) {
      // a union admin manages the people of their own unions, never platform roles
      await this.scope.assertOrganization(actor, org.id, 'Organization', em);
      if (!hasRole(actor, Role.UnionAdmin)) throw AppError.forbidden('Only platform and union admins create users');
    }
    const existing = await em.query(`SELECT 1 FROM users WHERE lower(username) = lower($1)`, [input.username]);
    if (existing.length) throw AppError.conflict('USERNAME_TAKEN', `Username ${input.username} is taken`, { username: input.username });
    const user = em.create(User, {
      organizationId: org.id,
      username: input.username,
      displayName: input.displayName,
      passwordHash: await this.passwords.hash(input.password),
      roles: [...new Set(input.roles)],
      disabledAt: null,
    });
    const saved = await em.save(user);
    delete (saved as Partial<User>).passwordHash;
    return saved;
  }

  async get(actor: AuthUser, id: string): Promise<User> {
    const user = await this.repo.findOne({ where: { id } });
    if (!user) throw AppError.notFound('User', id);
    if (actor.id !== id) await this.scope.assertOrganization(actor, user.organizationId, 'User');
    return user;
  }

  async list(actor: AuthUser, q: { organizationId?: string; role?: Role; limit: number; offset: number }): Promise<Page<User>> {
    const qb = this.repo.createQueryBuilder('u').orderBy('u.createdAt', 'ASC').addOrderBy('u.id').take(q.limit).skip(q.offset);
    if (!this.scope.seesEverything(actor)) {
      if (!hasRole(actor, Role.UnionAdmin)) throw AppError.forbidden('Only admins and auditors list users');
      const path = await this.scope.scopePath(actor);
      qb.innerJoin(Organization, 'o', 'o.id = u.organization_id').andWhere('o.path LIKE :p', { p: `${path}%` });
    }
    if (q.organizationId) qb.andWhere('u.organization_id = :org', { org: q.organizationId });
    if (q.role) qb.andWhere(':role = ANY(u.roles)', { role: q.role });
    const [items, total] = await qb.getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  async setDisabled(actor: AuthUser, id: string, disabled: boolean): Promise<User> {
    const user = await this.get(actor, id);
    if (actor.id === id) throw AppError.unprocessable('CANNOT_DISABLE_SELF', 'You cannot disable yourself');
    if (!hasRole(actor, Role.PlatformAdmin) && user.roles.some((r) => r === Role.PlatformAdmin || r === Role.Auditor)) {
      throw AppError.forbidden('Only platform admins manage platform users');
    }
    await this.repo.update({ id }, { disabledAt: disabled ? () => 'now()' : null } as never);
    if (disabled) await this.repo.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [id]);
    return (await this.repo.findOne({ where: { id } }))!;
  }

  /** Disables a user inside the caller's unit of work (e.g. a member leaving their union); their tokens stop at once. */
  async disableInTransaction(em: EntityManager, userId: string): Promise<void> {
    await em.query(`UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1`, [userId]);
    await em.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  }

  async setPassword(userId: string, password: string, em: EntityManager = this.dataSource.manager): Promise<void> {
    await em.update(User, { id: userId }, { passwordHash: await this.passwords.hash(password) });
  }

  async findByUsername(username: string): Promise<(User & { passwordHash: string }) | null> {
    return this.repo
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne() as Promise<(User & { passwordHash: string }) | null>;
  }

  async count(): Promise<number> {
    return this.repo.count();
  }
}
