import { AppError, AuthUser, hasRole, Role } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SecurityEventsService } from './security-events.service';

/**
 * Tenant scoping, enforced in services: platform admins and auditors reach everything, a union
 * admin their union and the unions below it, everyone else their own organization.
 */
@Injectable()
export class AccessScopeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: SecurityEventsService,
  ) {}

  seesEverything(user: AuthUser): boolean {
    return hasRole(user, Role.PlatformAdmin, Role.Auditor);
  }

  /** The user's organization path (a union admin reaches every path it prefixes), or null for everything. */
  async scopePath(user: AuthUser, em: EntityManager = this.dataSource.manager): Promise<string | null> {
    if (this.seesEverything(user)) return null;
    const [org] = await em.query(`SELECT path FROM organizations WHERE id = $1`, [user.organizationId]);
    if (!org) throw AppError.forbidden('Your organization no longer exists');
    return org.path;
  }

  async canReachOrganization(user: AuthUser, organizationId: string, em: EntityManager = this.dataSource.manager): Promise<boolean> {
    if (this.seesEverything(user)) return true;
    // ids compare as PostgreSQL's uuid does: a URL may spell the user's own organization in upper case
    if (organizationId.toLowerCase() === user.organizationId.toLowerCase()) return true;
    if (!hasRole(user, Role.UnionAdmin)) return false;
    const rows = await em.query(
      `SELECT 1 FROM organizations t, organizations mine
        WHERE t.id = $1 AND mine.id = $2 AND t.path LIKE mine.path || '%'`,
      [organizationId, user.organizationId],
    );
    return rows.length > 0;
  }

  /** Throws OUT_OF_SCOPE (403) and records the attempt. */
  async assertOrganization(user: AuthUser, organizationId: string, what: string, em?: EntityManager): Promise<void> {
    if (await this.canReachOrganization(user, organizationId, em)) return;
    await this.refuse(user, what, { organizationId });
  }

  async refuse(user: AuthUser, what: string, detail: Record<string, unknown>): Promise<never> {
    await this.events.record('cross_tenant_refused', user.id, { what, ...detail });
    throw AppError.forbidden(`${what} is outside your scope`, 'OUT_OF_SCOPE', detail);
  }
}
