import { IdentityModule } from '@huigong/identity';
import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger.module';
import { LedgerAccountsController } from './ledger-accounts.controller';
import { LedgerAuditController } from './ledger-audit.controller';
import { LedgerBlocksController } from './ledger-blocks.controller';
import { LedgerEntriesController } from './ledger-entries.controller';
import { ScopedLedgerReadsService } from './scoped-ledger-reads.service';

/** The ledger's read API (/api/v1/ledger/..., /api/v1/ledger/blocks, /api/v1/audit/ledger/verify), for the API process. */
@Module({
  imports: [LedgerModule, IdentityModule],
  controllers: [LedgerAccountsController, LedgerEntriesController, LedgerBlocksController, LedgerAuditController],
  providers: [ScopedLedgerReadsService],
  exports: [LedgerModule],
})
export class LedgerHttpModule {}
