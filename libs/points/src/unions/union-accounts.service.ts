import { AppError } from '@huigong/common';
import { AccountType, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OWNER_TYPES } from '../shared/ledger-keys.constants';

export interface UnionProfileInput {
  cityRegionCode?: string | null;
  contactName?: string | null;
  contactPhone?: string | null;
  onboardedBy?: string | null;
}

/**
 * Gives a union organization its points profile and its two ledger accounts: funding (where
 * deposits come from) and budget (what the union may allocate). Idempotent, so onboarding an
 * existing union organization twice, or the demo seeder, changes nothing the second time.
 */
@Injectable()
export class UnionAccountsService {
  constructor(private readonly ledger: LedgerService) {}

  async ensureProfile(em: EntityManager, givenId: string, input: UnionProfileInput = {}): Promise<{ created: boolean }> {
    const [org] = await em.query(`SELECT id, type FROM organizations WHERE id = $1`, [givenId]);
    if (!org) throw AppError.unprocessable('ORGANIZATION_NOT_FOUND', `Organization ${givenId} does not exist`, { organizationId: givenId });
    // the stored id, not the request's spelling (a UUID may come in upper case): the accounts' owner id
    const organizationId: string = org.id;
    if (org.type !== 'union' && org.type !== 'enterprise') {
      throw AppError.unprocessable('NOT_A_UNION', `Organization ${organizationId} is a ${org.type}, not a union`, { organizationId, type: org.type });
    }
    const [funding, budget] = await this.ledger.openAccounts(em, [
      { type: AccountType.UnionFunding, ownerType: OWNER_TYPES.union, ownerId: organizationId, organizationId },
      { type: AccountType.UnionBudget, ownerType: OWNER_TYPES.union, ownerId: organizationId, organizationId },
    ]);
    const inserted = await em.query(
      `INSERT INTO unions (organization_id, city_region_code, contact_name, contact_phone, funding_account_id, budget_account_id, onboarded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (organization_id) DO NOTHING RETURNING 1`,
      [organizationId, input.cityRegionCode ?? null, input.contactName ?? null, input.contactPhone ?? null, funding.id, budget.id, input.onboardedBy ?? null],
    );
    return { created: inserted.length > 0 };
  }
}
