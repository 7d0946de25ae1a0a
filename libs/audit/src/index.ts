// The public face of the audit context (read-only): order, member and campaign traces, audit packs, ledger exports,
// the ledger verification history, and the worker's scheduled verification.
export { AuditModule } from './audit.module';
export { CampaignTraceService } from './campaign/campaign-trace.service';
export type { CampaignAuditData } from './campaign/campaign-trace.service';
export { CampaignTraceDto } from './campaign/campaign-trace.dto';
export { AuditPackService } from './pack/audit-pack.service';
export type { AuditPack } from './pack/audit-pack.service';
export { writeZip } from './pack/zip-writer';
export type { ZipFile } from './pack/zip-writer';
export { LedgerExportService, LEDGER_EXPORT_HEADER, MAX_EXPORT_DAYS } from './ledger-export/ledger-export.service';
export { LedgerVerificationHistoryService } from './verification/ledger-verification-history.service';
export { LedgerVerificationProcessor, LEDGER_VERIFY_SCHEDULER, VERIFY_LEDGER_JOB } from './verification/ledger-verification.processor';
export { AuditTraceModule, MEMBER_TRACE_MAX_ORDERS, MemberTraceService, OrderTraceService } from './trace';
export type { MemberTraceView, OrderTraceView, TraceEntry } from './trace';
