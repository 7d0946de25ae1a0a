import type { AccountGuard, AccountType } from './account-type';
import type { EntityManager } from 'typeorm';

export interface OpenAccountInput {
  type: AccountType | string;
  ownerType: string;
  ownerId: string;
  /** tenant key: the union or supplier organization (uuid) */
  organizationId: string;
  holderUserId?: string | null;
  /** fen; only for guarded accounts, default 0 */
  overdraftLimit?: number;
  metadata?: Record<string, unknown>;
}

export interface LedgerAccountView {
  /** decimal string of a bigint */
  id: string;
  type: string;
  ownerType: string;
  ownerId: string;
  organizationId: string;
  holderUserId: string | null;
  guard: AccountGuard;
  overdraftLimit: number;
  debitsPosted: number;
  creditsPosted: number;
  /** credits − debits */
  balance: number;
  createdAt: string;
}

export interface TransferInput {
  debitAccountId: string;
  creditAccountId: string;
  /** fen, positive safe integer */
  amount: number;
}

export interface PostEntryInput {
  kind: string;
  idempotencyKey: string;
  /** e.g. 'order:<uuid>' */
  reference: string;
  /** user id or 'system' */
  actor: string | null;
  metadata?: Record<string, unknown>;
  transfers: TransferInput[];
}

/** One account credited by LedgerService.distribute: its own entry, keyed by idempotencyKey. */
export interface DistributeCredit {
  /** owner id of the credited account (opened on (accountType, ownerType, ownerId) if missing) */
  ownerId: string;
  holderUserId?: string | null;
  idempotencyKey: string;
  /** fen, positive safe integer */
  amount: number;
}

export interface DistributeInput {
  debitAccountId: string;
  kind: string;
  reference: string;
  actor: string | null;
  /** type of the credited accounts; must be guarded debits_le_credits */
  accountType: AccountType | string;
  ownerType: string;
  /** tenant key of the credited accounts */
  organizationId: string;
  /** owner ids distinct, keys distinct */
  credits: DistributeCredit[];
}

export interface DistributeOptions {
  /**
   * Called once the credits are written and before the debited account is locked and debited (all
   * in the caller's transaction). A caller that serialises its distributions on a lock of its own
   * takes that lock here: two distributions from one account then overlap in all but the debit,
   * instead of the second waiting on the debited account for the whole of the first. Throwing takes
   * the credits back. Only for a call of at most 5,000 credits (one batch).
   */
  beforeDebit?: (em: EntityManager) => Promise<void>;
}

export interface DistributeResult {
  /** entries written now */
  posted: number;
  /** credits whose key had been posted before with the same content (nothing written for them) */
  replayed: number;
  /** fen of all credits, replays included */
  totalFen: number;
  /** the credited account of each credit, in input order */
  accountIds: string[];
}

export interface PostedEntry {
  id: string;
  kind: string;
  idempotencyKey: string;
  reference: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the transaction time of the posting, exactly as hashed */
  createdAt: string;
  /**
   * SHA-256 of the entry's canonical encoding (SEALING.md §2), computed when it is posted from the
   * values the database stored; the sealer later seals exactly this hash.
   */
  hash: string;
  transfers: (TransferInput & { id: string })[];
  /** true when the idempotency key had been posted before: this is that first entry */
  replayed: boolean;
}

export interface EntryWithSeal extends PostedEntry {
  actor: string | null;
  metadata: Record<string, unknown> | null;
  seal: { blockHeight: number; blockHash: string } | null;
}

export interface StatementLine {
  transferId: string;
  entryId: string;
  kind: string;
  reference: string;
  at: string;
  debit: number;
  credit: number;
  /** the account's balance after this transfer */
  balance: number;
}

export interface Statement {
  items: StatementLine[];
  nextCursor: string | null;
}

/** One transfer touching one of several accounts, as the newest-first movement reads give it. */
export type MovementLine = Omit<StatementLine, 'balance'> & { accountId: string };

export interface RecentMovements {
  /** newest first */
  items: MovementLine[];
  /** older movements exist beyond these */
  more: boolean;
}

export interface VerificationProblem {
  kind: 'entry' | 'block' | 'account' | 'ledger';
  id: string;
  reason: string;
}

export interface VerificationResult {
  ok: boolean;
  entries: number;
  blocks: number;
  accounts: number;
  /** entries not sealed yet (checked for balance, not for hashes) */
  unsealed?: number;
  durationMs?: number;
  firstProblem?: VerificationProblem;
}
