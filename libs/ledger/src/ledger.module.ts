import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LedgerAccountTotalsRow, LedgerAccountRow } from './entities/ledger-account.entity';
import { LedgerAccountTypeRow } from './entities/ledger-account-type.entity';
import { LedgerBlockRow, LedgerEntrySealRow, LedgerVerificationRow } from './entities/ledger-block.entity';
import { LedgerEntryRow, LedgerTransferRow } from './entities/ledger-entry.entity';
import { AccountReadsService } from './services/account-reads.service';
import { AccountSettingsService } from './services/account-settings.service';
import { DistributeService } from './services/distribute.service';
import { EntryReadsService } from './services/entry-reads.service';
import { GroupCommitPoster } from './services/group-commit-poster.service';
import { LedgerAuditQueryService } from './services/ledger-audit-query.service';
import { LedgerQueryService } from './services/ledger-query.service';
import { LedgerService } from './services/ledger.service';
import { OpenAccountsService } from './services/open-accounts.service';
import { PostEntriesService } from './services/post-entries.service';
import { LedgerSealer } from './sealer/ledger-sealer.service';
import { LedgerReadiness } from './verify/ledger-readiness.service';
import { LedgerVerifier } from './verify/ledger-verifier.service';

/**
 * The ledger's services for every process (API, worker, CLI) and for other contexts. The HTTP
 * API is LedgerHttpModule; the sealing loop runs only where LedgerSealingLoop is provided (worker).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      LedgerAccountTypeRow,
      LedgerAccountRow,
      LedgerAccountTotalsRow,
      LedgerEntryRow,
      LedgerTransferRow,
      LedgerBlockRow,
      LedgerEntrySealRow,
      LedgerVerificationRow,
    ]),
  ],
  providers: [
    LedgerService,
    LedgerQueryService,
    LedgerAuditQueryService,
    GroupCommitPoster,
    LedgerVerifier,
    LedgerSealer,
    LedgerReadiness,
    OpenAccountsService,
    PostEntriesService,
    DistributeService,
    AccountSettingsService,
    AccountReadsService,
    EntryReadsService,
  ],
  // AccountReadsService and EntryReadsService are for LedgerHttpModule; other contexts use the facades
  exports: [LedgerService, LedgerQueryService, LedgerAuditQueryService, GroupCommitPoster, LedgerVerifier, LedgerSealer, AccountReadsService, EntryReadsService],
})
export class LedgerModule {}
