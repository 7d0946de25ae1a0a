import { AppError, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { assertLedgerId } from './ledger-sql';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The two things about an account that change after opening: its overdraft limit and its holder. */
@Injectable()
export class AccountSettingsService {
  /** A union's credit line. Refused below what the account already owes (the guard must keep holding). */
  async setOverdraftLimit(em: EntityManager, accountId: string, limitFen: number): Promise<void> {
    assertLedgerId(accountId, 'accountId');
    if (!Number.isSafeInteger(limitFen) || limitFen < 0) {
      throw new AppError('INVALID_OVERDRAFT_LIMIT', 'The overdraft limit is a non-negative safe integer (fen)', 400, { limitFen });
    }
    // the row lock serialises this with postings that debit the account
    const [row] = await em.query(
      `SELECT guard, credits_posted - debits_posted AS balance FROM ledger_accounts WHERE id = $1 FOR NO KEY UPDATE`,
      [accountId],
    );
    if (!row) throw AppError.notFound('Ledger account', accountId);
    if (row.guard === 'none') {
      throw AppError.unprocessable('OVERDRAFT_NOT_ALLOWED', `Ledger account ${accountId} is unguarded: it takes no overdraft limit`, { accountId });
    }
    const balance = toSafeNumber(row.balance);
    const owed = row.guard === 'debits_le_credits' ? -balance : balance;
    if (owed > limitFen) {
      throw AppError.unprocessable('OVERDRAFT_LIMIT_BELOW_BALANCE', `Ledger account ${accountId} already uses ${owed} fen of overdraft`, { accountId, balance, limitFen });
    }
    await em.query(`UPDATE ledger_accounts SET overdraft_limit = $2 WHERE id = $1`, [accountId, limitFen]);
  }

  /** The worker whose points these are (they see the account; e.g. a grant opened before activation). */
  async assignHolder(em: EntityManager, accountId: string, userId: string): Promise<void> {
    assertLedgerId(accountId, 'accountId');
    if (typeof userId !== 'string' || !UUID_RE.test(userId)) throw new AppError('INVALID_HOLDER', 'The holder is a user id (uuid)', 400, { userId });
    // TypeORM answers an UPDATE with [rows, affected]
    const [, affected]: [unknown[], number] = await em.query(`UPDATE ledger_accounts SET holder_user_id = $2 WHERE id = $1`, [accountId, userId]);
    if (!affected) throw AppError.notFound('Ledger account', accountId);
  }
}
