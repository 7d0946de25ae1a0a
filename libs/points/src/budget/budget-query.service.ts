import { toSafeNumber } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { agreementInForceSql } from '../unions/agreement-terms';
import { BudgetSummaryDto } from '../unions/union.dto';

/**
 * A union's budget as its admin sees it: the ledger balance, the credit limit of the agreement in
 * force today (read from the agreements, so it is right before the switch job or the reconciler has
 * set it on the budget account), what may still be allocated (balance + limit, as approval counts
 * it) and what is owed (max(0, −balance)).
 */
@Injectable()
export class BudgetQueryService {
  constructor(
    private readonly ledgerQuery: LedgerQueryService,
    private readonly dataSource: DataSource,
  ) {}

  async summaries(unions: { organizationId: string; budgetAccountId: string }[], em: EntityManager = this.dataSource.manager): Promise<Map<string, BudgetSummaryDto>> {
    const out = new Map<string, BudgetSummaryDto>();
    if (!unions.length) return out;
    const ids = unions.map((u) => u.organizationId);
    const accounts = new Map((await this.ledgerQuery.accountsByIds(unions.map((u) => u.budgetAccountId), em)).map((a) => [a.id, a]));
    const rows: { union_id: string; deposited: string | null; credit_limit: string | null }[] = await em.query(
      `SELECT u.id AS union_id,
              (SELECT sum(amount_fen) FROM union_deposits d WHERE d.union_id = u.id) AS deposited,
              (${agreementInForceSql('u.id', 'f.credit_limit_fen')}) AS credit_limit
         FROM unnest($1::uuid[]) AS u(id)`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.union_id, r]));
    for (const u of unions) {
      const account = accounts.get(String(u.budgetAccountId));
      const balance = toSafeNumber(account?.balance ?? 0);
      // the agreement in force's, 0 with none: what approval counts
      const creditLimit = toSafeNumber(byId.get(u.organizationId)?.credit_limit ?? 0);
      out.set(u.organizationId, {
        budgetAccountId: u.budgetAccountId,
        balanceFen: balance,
        creditLimitFen: creditLimit,
        availableFen: balance + creditLimit,
        owedFen: Math.max(0, -balance),
        depositedFen: toSafeNumber(byId.get(u.organizationId)?.deposited ?? 0),
      });
    }
    return out;
  }

  async summary(union: { organizationId: string; budgetAccountId: string }, em?: EntityManager): Promise<BudgetSummaryDto> {
    return (await this.summaries([union], em)).get(union.organizationId)!;
  }
}
