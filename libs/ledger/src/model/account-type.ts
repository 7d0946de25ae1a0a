/**
 * The seeded account types. Types are rows of `ledger_account_types` (more can be added with
 * LedgerService.defineAccountType); this enum names the ones every context relies on.
 */
export enum AccountType {
  UnionFunding = 'union_funding',
  UnionBudget = 'union_budget',
  CampaignPool = 'campaign_pool',
  WorkerGrant = 'worker_grant',
  OrderEscrow = 'order_escrow',
  SupplierPayable = 'supplier_payable',
  SupplierPaidOut = 'supplier_paid_out',
}

/**
 * What a posting must keep true of an account (balance = credits − debits):
 * - `debits_le_credits`: balance ≥ −overdraftLimit after every entry (budgets, pools, grants);
 * - `credits_le_debits`: balance ≤ overdraftLimit after every entry (the mirror image);
 * - `none`: unguarded sources, sinks and receiving accounts (funding, escrow, payables, paid out).
 */
export type AccountGuard = 'debits_le_credits' | 'credits_le_debits' | 'none';

export const ACCOUNT_GUARDS: AccountGuard[] = ['debits_le_credits', 'credits_le_debits', 'none'];
