import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AccountGuard } from '../model/account-type';
import type { DistributeInput, DistributeOptions, DistributeResult, LedgerAccountView, OpenAccountInput, PostedEntry, PostEntryInput } from '../model/ledger.types';
import { DistributeService } from './distribute.service';
import { AccountSettingsService } from './account-settings.service';
import { OpenAccountsService } from './open-accounts.service';
import { PostEntriesService } from './post-entries.service';

/**
 * The ledger's write side, as other contexts see it. Every method works inside the caller's
 * transaction (the EntityManager it passes) and never commits by itself.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly accounts: OpenAccountsService,
    private readonly posting: PostEntriesService,
    private readonly settings: AccountSettingsService,
    private readonly distribution: DistributeService,
  ) {}

  /** Idempotent on (type, ownerType, ownerId): returns the existing account if there is one. */
  async openAccount(em: EntityManager, input: OpenAccountInput): Promise<LedgerAccountView> {
    const [account] = await this.accounts.open(em, [input]);
    return account;
  }

  /** Bulk openAccount, results in input order; one round trip per 5,000 accounts. */
  openAccounts(em: EntityManager, inputs: OpenAccountInput[]): Promise<LedgerAccountView[]> {
    return this.accounts.open(em, inputs);
  }

  /**
   * Posts one entry. Same idempotency key and content again: the first entry, `replayed: true`.
   * Same key, other content: 409 IDEMPOTENCY_CONFLICT. A guard that would break:
   * InsufficientFundsError (422), and nothing of the entry is written.
   */
  post(em: EntityManager, input: PostEntryInput): Promise<PostedEntry> {
    return this.posting.post(em, input);
  }

  /**
   * Opens accounts (idempotently, like openAccounts, without overdraft limits) and posts one entry
   * that may use them, in one round trip: a transfer names the k-th of `accounts` as
   * newAccountRef(k). Same guarantees as post(); returns the entry and the accounts' ids in order.
   */
  async postOpening(em: EntityManager, accounts: OpenAccountInput[], input: PostEntryInput): Promise<{ entry: PostedEntry; accountIds: string[] }> {
    if (accounts.some((a) => (a?.overdraftLimit ?? 0) !== 0 || a?.holderUserId != null)) {
      throw new AppError('INVALID_LEDGER_ACCOUNT', 'Accounts opened while posting take no overdraft limit and no holder', 400);
    }
    await this.accounts.check(em, accounts);
    return this.posting.postOpening(em, accounts, input);
  }

  /** Many entries in one transaction (one round trip per 5,000), all or nothing, same guarantees. */
  postMany(em: EntityManager, inputs: PostEntryInput[]): Promise<PostedEntry[]> {
    return this.posting.postMany(em, inputs);
  }

  /**
   * Many entries in the caller's transaction, all or the first refusal (one round trip when none is
   * refused): at the first refused or invalid entry nothing more is posted and its index and error
   * come back; the caller must then roll its transaction back (entries before it may be written).
   * For callers that commit many business events together and place them again without the refused
   * one (group-committed checkouts): no work is spent on entries that will be rolled back anyway.
   */
  postAllOrRefusal(em: EntityManager, inputs: PostEntryInput[]): Promise<{ entries: PostedEntry[] } | { refused: number; error: Error }> {
    return this.posting.postAllOrRefusal(em, inputs);
  }

  /**
   * Credits many accounts of one type from one account, one entry per credit (kind, reference and
   * actor shared), opening the credited accounts as needed: a campaign pool → its workers' grants.
   * All or nothing; idempotent per credit key (a replay writes nothing, other content under a used
   * key is 409 IDEMPOTENCY_CONFLICT); a debited account that cannot cover the new credits is
   * InsufficientFundsError. Set-based: a few statements per 5,000 credits. With `beforeDebit`, the
   * debited account is locked only after the credits are written (see DistributeOptions).
   */
  distribute(em: EntityManager, input: DistributeInput, opts: DistributeOptions = {}): Promise<DistributeResult> {
    return this.distribution.distribute(em, input, opts);
  }

  setOverdraftLimit(em: EntityManager, accountId: string, limitFen: number): Promise<void> {
    return this.settings.setOverdraftLimit(em, accountId, limitFen);
  }

  assignHolder(em: EntityManager, accountId: string, userId: string): Promise<void> {
    return this.settings.assignHolder(em, accountId, userId);
  }

  /** Adds an account type (types are data); refused if it exists with another guard. */
  defineAccountType(em: EntityManager, code: string, defaultGuard: AccountGuard, description?: string): Promise<void> {
    return this.accounts.defineType(em, code, defaultGuard, description);
  }
}
