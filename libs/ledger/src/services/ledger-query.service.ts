import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { EntryWithSeal, LedgerAccountView, RecentMovements, Statement } from '../model/ledger.types';
import type { EntryProof } from '../sealing';
import { AccountReadsService } from './account-reads.service';
import { EntryReadsService } from './entry-reads.service';

/**
 * The ledger's read side, as other contexts see it (no scoping here: callers decide who may see
 * what; the HTTP API scopes through ScopedLedgerReadsService).
 */
@Injectable()
export class LedgerQueryService {
  constructor(
    private readonly accounts: AccountReadsService,
    private readonly entries: EntryReadsService,
  ) {}

  account(id: string, em?: EntityManager): Promise<LedgerAccountView> {
    return this.accounts.account(id, em);
  }

  /** Accounts by id, by id order; unknown ids are absent. */
  accountsByIds(ids: string[], em?: EntityManager): Promise<LedgerAccountView[]> {
    return this.accounts.byIds(ids, em);
  }

  findAccount(type: string, ownerType: string, ownerId: string, em?: EntityManager): Promise<LedgerAccountView | null> {
    return this.accounts.findAccount(type, ownerType, ownerId, em);
  }

  /** Now, or as of a past time (entries count from their transaction's start time). */
  balance(accountId: string, asOf?: Date, em?: EntityManager): Promise<number> {
    return this.accounts.balance(accountId, asOf, em);
  }

  /** Balances of existing accounts (unknown ids are simply absent from the map). */
  balances(accountIds: string[], em?: EntityManager): Promise<Map<string, number>> {
    return this.accounts.balances(accountIds, em);
  }

  statement(accountId: string, q: { limit: number; cursor?: string }, em?: EntityManager): Promise<Statement> {
    return this.accounts.statement(accountId, q, em);
  }

  /** The latest transfers touching any of these accounts, newest first. */
  recentMovements(accountIds: string[], limit: number, em?: EntityManager): Promise<RecentMovements> {
    return this.accounts.recentMovements(accountIds, limit, em);
  }

  /** Every entry of a business reference with its seal, oldest first (at most 1,000). */
  entriesByReference(reference: string, em?: EntityManager): Promise<EntryWithSeal[]> {
    return this.entries.entriesByReference(reference, em);
  }

  /** Entries by id with their seals (block height and hash once sealed), oldest first; unknown ids are absent. */
  entriesWithSeals(ids: string[], em?: EntityManager): Promise<EntryWithSeal[]> {
    return this.entries.entries(ids, em);
  }

  /** Entries by the idempotency keys their business events posted them under, with seals. */
  entriesByIdempotencyKeys(keys: string[], em?: EntityManager): Promise<EntryWithSeal[]> {
    return this.entries.entriesByIdempotencyKeys(keys, em);
  }

  entry(id: string, em?: EntityManager): Promise<EntryWithSeal> {
    return this.entries.entry(id, em);
  }

  /** 409 NOT_YET_SEALED until sealed. */
  proof(entryId: string, em?: EntityManager): Promise<EntryProof> {
    return this.entries.proof(entryId, em);
  }
}
