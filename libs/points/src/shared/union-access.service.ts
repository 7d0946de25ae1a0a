import { AppError, AuthUser } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { UnionProfile } from '../unions/union-profile.entity';

export interface UnionRow extends UnionProfile {
  name: string;
  parentId: string | null;
  path: string;
  regionCode: string | null;
}

/**
 * Reaching a union: scope first (a union admin reaches their union and those below it; platform
 * admins and auditors reach all), then its points profile. Budget-changing use cases lock the
 * union row so that a balance read before a debit stays true until the commit.
 */
@Injectable()
export class UnionAccess {
  constructor(
    private readonly scope: AccessScopeService,
    private readonly dataSource: DataSource,
  ) {}

  async profile(unionId: string, em: EntityManager = this.dataSource.manager, lock: 'update' | null = null): Promise<UnionRow> {
    const [row] = await em.query(
      `SELECT u.organization_id, u.city_region_code, u.contact_name, u.contact_phone, u.funding_account_id::text AS funding_account_id,
              u.budget_account_id::text AS budget_account_id, u.onboarded_by, u.created_at, o.name, o.parent_id, o.path, o.region_code
         FROM unions u JOIN organizations o ON o.id = u.organization_id
        WHERE u.organization_id = $1 ${lock === 'update' ? 'FOR UPDATE OF u' : ''}`,
      [unionId],
    );
    if (!row) throw new AppError('UNION_NOT_FOUND', `Union ${unionId} is not onboarded`, 404, { unionId });
    return {
      organizationId: row.organization_id,
      cityRegionCode: row.city_region_code,
      contactName: row.contact_name,
      contactPhone: row.contact_phone,
      fundingAccountId: row.funding_account_id,
      budgetAccountId: row.budget_account_id,
      onboardedBy: row.onboarded_by,
      createdAt: row.created_at,
      name: row.name,
      parentId: row.parent_id,
      path: row.path,
      regionCode: row.region_code,
    };
  }

  /** OUT_OF_SCOPE (403, recorded) outside the user's scope; UNION_NOT_FOUND (404) if not onboarded. */
  async reach(user: AuthUser, unionId: string, em: EntityManager = this.dataSource.manager, lock: 'update' | null = null): Promise<UnionRow> {
    await this.scope.assertOrganization(user, unionId, 'Union', em);
    return this.profile(unionId, em, lock);
  }

  /** The user's organization path for list filters, or null when they see everything. */
  scopePath(user: AuthUser, em?: EntityManager): Promise<string | null> {
    return this.scope.scopePath(user, em);
  }
}
