import { AppError } from '@huigong/common';
import { InsufficientFundsError, LedgerQueryService } from '@huigong/ledger';
import { EntityManager } from 'typeorm';
import { AGREEMENT_IN_FORCE_SQL } from '../unions/agreement-terms';

/**
 * Every allocation from the union budget (approval, members added later) needs a welfare purchase
 * agreement whose term covers today, Beijing time, by the database clock (the most recently recorded such one
 * is in force, agreement-terms.ts; a renewal signed ahead of time does not end the current one): the
 * budget's credit limit comes from it. Refused with NO_AGREEMENT_IN_FORCE.
 */
export async function assertAgreementInForce(em: EntityManager, unionId: string): Promise<void> {
  const [agreement] = await em.query(AGREEMENT_IN_FORCE_SQL, [unionId]);
  if (!agreement) throw AppError.unprocessable('NO_AGREEMENT_IN_FORCE', 'The union has no welfare purchase agreement in force today', { unionId });
}

/**
 * May the union allocate `requiredFen` more? Read under the union row lock (every budget debit of
 * the points context takes it), so the answer holds until the commit (money paid back into the
 * budget meanwhile only adds to it). Refused with INSUFFICIENT_BUDGET and the shortfall.
 * `creditLimitFen`: the agreement in force's credit limit. The account's stored limit can be higher
 * (held at what is owed while the union owes more than its agreement grants); credit beyond the
 * agreement's is never for new allocations.
 */
export async function assertBudgetCovers(em: EntityManager, ledgerQuery: LedgerQueryService, budgetAccountId: string, requiredFen: number, creditLimitFen?: number): Promise<void> {
  const account = await ledgerQuery.account(budgetAccountId, em);
  const balance = Number(account?.balance ?? 0);
  const creditLimit = creditLimitFen ?? Number(account?.overdraftLimit ?? 0);
  if (balance + creditLimit < requiredFen) throw insufficientBudget(requiredFen, balance, creditLimit);
}

export function insufficientBudget(requiredFen: number, balanceFen: number, creditLimitFen: number): AppError {
  const availableFen = balanceFen + creditLimitFen;
  return AppError.unprocessable('INSUFFICIENT_BUDGET', `The union budget cannot cover ${requiredFen} fen: ${requiredFen - availableFen} fen short`, {
    requiredFen,
    availableFen,
    shortfallFen: requiredFen - availableFen,
    balanceFen,
    creditLimitFen,
  });
}

/** The ledger's own guard, should it fire anyway, in the same terms. */
export function mapInsufficientFunds(err: unknown, requiredFen: number): unknown {
  if (err instanceof InsufficientFundsError) {
    const d = (err.details ?? {}) as { balance?: number; shortfall?: number };
    const shortfall = Number(d.shortfall ?? 0);
    return AppError.unprocessable('INSUFFICIENT_BUDGET', `The union budget cannot cover ${requiredFen} fen: ${shortfall} fen short`, {
      requiredFen,
      availableFen: requiredFen - shortfall,
      shortfallFen: shortfall,
      balanceFen: d.balance,
    });
  }
  return err;
}
