// The public face of the ledger context: accounts, entries, transfers, sealing and verification.
export { ACCOUNT_GUARDS, AccountType } from './model/account-type';
export type { AccountGuard } from './model/account-type';
export { InsufficientFundsError } from './model/insufficient-funds.error';
export type { InsufficientFundsDetails } from './model/insufficient-funds.error';
export type {
  DistributeCredit,
  DistributeInput,
  DistributeOptions,
  DistributeResult,
  EntryWithSeal,
  LedgerAccountView,
  OpenAccountInput,
  PostedEntry,
  PostEntryInput,
  MovementLine,
  RecentMovements,
  Statement,
  StatementLine,
  TransferInput,
  VerificationProblem,
  VerificationResult,
} from './model/ledger.types';
export { LedgerEntryDto, SealDto, TransferDto } from './http/dto/ledger-entries.dto';
export { LedgerHttpModule } from './http/ledger-http.module';
export { LedgerModule } from './ledger.module';
export { LedgerSealer } from './sealer/ledger-sealer.service';
export type { SealOptions, SealResult } from './sealer/ledger-sealer.service';
export { LedgerSealingLoop } from './sealer/ledger-sealing-loop.service';
export { LedgerVerifier } from './verify/ledger-verifier.service';
export type { LedgerVerification, VerifyOptions } from './verify/ledger-verifier.service';
export { LedgerQueryService } from './services/ledger-query.service';
export { LedgerAuditQueryService } from './services/ledger-audit-query.service';
export type { AuditTransfer, PeriodQuery, SealedBlockHeader, VerificationRecord } from './services/ledger-audit-query.service';
export { GroupCommitPoster } from './services/group-commit-poster.service';
export { LedgerService } from './services/ledger.service';
export { newAccountRef } from './services/post-entries.service';
export * from './sealing';
