import { DataSource } from 'typeorm';

export interface LedgerTotals {
  /** fen by account type, from the transfers themselves */
  byType: Record<string, number>;
  /** money that entered from union funding accounts (−their balance) */
  deposited: number;
  /** what that money is now: budgets + pools + grants + escrow + payables + paid out + ... */
  held: number;
  accounts: number;
}

/**
 * Conservation, computed from raw SQL on the ledger's tables (not through any service): every
 * account's balance recomputed from its transfers equals the totals the ledger keeps, no guarded
 * account is below its limit, all balances sum to zero, and what came in through union funding
 * equals what budgets, pools, grants (and escrow, payables, ...) hold. Throws with the figures if not.
 */
export async function assertConservation(ds: DataSource, step = ''): Promise<LedgerTotals> {
  const rows: { id: string; type: string; guard: string; overdraft_limit: string; from_transfers: string; stored: string }[] = await ds.query(`
    WITH flows AS (
      SELECT credit_account_id AS account_id, amount FROM ledger_transfers
      UNION ALL
      SELECT debit_account_id, -amount FROM ledger_transfers
    ), recomputed AS (SELECT account_id, sum(amount) AS balance FROM flows GROUP BY account_id)
    SELECT a.id, a.type, a.guard, a.overdraft_limit,
           coalesce(r.balance, 0)::text AS from_transfers,
           (a.credits_posted - a.debits_posted
             + coalesce((SELECT sum(t.credits - t.debits) FROM ledger_account_totals t WHERE t.account_id = a.id), 0))::text AS stored
      FROM ledger_accounts a LEFT JOIN recomputed r ON r.account_id = a.id`);
  const [{ orphans }] = await ds.query(
    `SELECT count(*)::int AS orphans FROM ledger_transfers t
      WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.debit_account_id)
         OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.credit_account_id)`,
  );
  const problems: string[] = [];
  if (orphans) problems.push(`${orphans} transfers point at no account`);
  const byType: Record<string, number> = {};
  let sum = 0n;
  for (const r of rows) {
    const b = BigInt(r.from_transfers);
    sum += b;
    byType[r.type] = (byType[r.type] ?? 0) + Number(b);
    if (b !== BigInt(r.stored)) problems.push(`account ${r.id} (${r.type}): transfers say ${b}, stored totals say ${r.stored}`);
    if (r.guard === 'debits_le_credits' && b < -BigInt(r.overdraft_limit)) problems.push(`account ${r.id} (${r.type}) is at ${b}, below −${r.overdraft_limit}`);
  }
  if (sum !== 0n) problems.push(`balances sum to ${sum}, not 0`);
  const deposited = -(byType.union_funding ?? 0);
  const held = Object.entries(byType)
    .filter(([type]) => type !== 'union_funding')
    .reduce((s, [, v]) => s + v, 0);
  if (deposited !== held) problems.push(`deposited ${deposited} ≠ held ${held} (${JSON.stringify(byType)})`);
  if (problems.length) throw new Error(`ledger conservation broken${step ? ` after ${step}` : ''}:\n${problems.join('\n')}`);
  return { byType, deposited, held, accounts: rows.length };
}

/** Balance of one account recomputed from its transfers (raw SQL). */
export async function rawBalance(ds: DataSource, accountId: string): Promise<number> {
  const [r] = await ds.query(
    `SELECT (coalesce((SELECT sum(amount) FROM ledger_transfers WHERE credit_account_id = $1), 0)
           - coalesce((SELECT sum(amount) FROM ledger_transfers WHERE debit_account_id = $1), 0))::text AS b`,
    [accountId],
  );
  return Number(r.b);
}
