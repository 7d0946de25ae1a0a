import { CatalogModule } from '@huigong/catalog';
import { IdentityModule } from '@huigong/identity';
import { LedgerModule } from '@huigong/ledger';
import { OrderingModule } from '@huigong/ordering';
import { PointsModule } from '@huigong/points';
import { Module } from '@nestjs/common';
import { CampaignAuditController } from './campaign/campaign-audit.controller';
import { CampaignTraceService } from './campaign/campaign-trace.service';
import { LedgerAuditExportsController } from './ledger-export/ledger-audit-exports.controller';
import { LedgerExportService } from './ledger-export/ledger-export.service';
import { AuditPackService } from './pack/audit-pack.service';
import { AuditTraceModule } from './trace/audit-trace.module';
import { LedgerVerificationHistoryService } from './verification/ledger-verification-history.service';

/**
 * Audit (read-only): order, member and campaign traces, audit packs, ledger exports, verification history. Reads
 * the other contexts only through their exported query services. The worker adds
 * LedgerVerificationProcessor (the scheduled ledger verification) beside LedgerModule.
 */
@Module({
  imports: [IdentityModule, LedgerModule, PointsModule, OrderingModule, CatalogModule, AuditTraceModule],
  controllers: [CampaignAuditController, LedgerAuditExportsController],
  providers: [CampaignTraceService, AuditPackService, LedgerExportService, LedgerVerificationHistoryService],
  exports: [AuditTraceModule, CampaignTraceService, AuditPackService, LedgerExportService, LedgerVerificationHistoryService],
})
export class AuditModule {}
