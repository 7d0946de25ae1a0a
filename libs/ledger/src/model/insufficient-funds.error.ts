import { AppError } from '@huigong/common';

export interface InsufficientFundsDetails {
  accountId: string;
  /** fen missing for the posting to go through */
  shortfall: number;
  /** the account's balance (credits − debits) before the refused entry */
  balance: number;
  /** what the entry tried to take out of the account */
  attempted: number;
  overdraftLimit: number;
}

/** A posting would break an account's guard; nothing of the entry was written. */
export class InsufficientFundsError extends AppError {
  declare readonly details: InsufficientFundsDetails;

  constructor(details: InsufficientFundsDetails) {
    super(
      'INSUFFICIENT_FUNDS',
      `Ledger account ${details.accountId} has ${details.balance} fen (overdraft limit ${details.overdraftLimit}); ${details.attempted} fen requested, ${details.shortfall} fen short`,
      422,
      details,
    );
    this.name = 'InsufficientFundsError';
  }
}
