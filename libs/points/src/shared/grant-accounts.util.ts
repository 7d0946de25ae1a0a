import { AccountType, LedgerQueryService } from '@huigong/ledger';
import { EntityManager } from 'typeorm';
import { OWNER_TYPES, parseGrantOwnerId } from './ledger-keys.constants';

export interface GrantKey {
  grantAccountId: string;
  campaignId: string;
  memberId: string;
}

/**
 * The campaign_members rows behind grant accounts, by the accounts' owner ids (`<campaign>:<member>`):
 * campaign_members has no index on grant_account_id (the distribution's mark must stay a HOT update,
 * migration 1765900000000), so readers go account → owner → primary key. Ids that are not grant
 * accounts are absent. Callers still check cm.grant_account_id on the row.
 */
export async function grantKeys(ledgerQuery: LedgerQueryService, grantAccountIds: string[], em: EntityManager): Promise<GrantKey[]> {
  if (!grantAccountIds.length) return [];
  const accounts = await ledgerQuery.accountsByIds([...new Set(grantAccountIds)], em);
  const out: GrantKey[] = [];
  for (const a of accounts) {
    if (a.type !== AccountType.WorkerGrant || a.ownerType !== OWNER_TYPES.memberGrant) continue;
    const k = parseGrantOwnerId(a.ownerId);
    if (k) out.push({ grantAccountId: a.id, ...k });
  }
  return out;
}
