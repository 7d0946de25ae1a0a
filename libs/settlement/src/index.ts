// The public face of the settlement context.
export type { OrderSettlementView, PayoutView, RunView, StatementDetailView, StatementLineView, StatementSummaryView } from './domain/settlement-views';
export { SETTLEMENT_RUN_JOB, SETTLEMENT_SCHEDULER_ID, SettlementProcessor } from './jobs/settlement.processor';
export { PAYOUT_ENTRY_KIND } from './services/record-payout.service';
export { RunSettlementService } from './services/run-settlement.service';
export type { RunRequest, RunTrigger } from './services/run-settlement.service';
export { SettlementQueryService } from './services/settlement-query.service';
export { fenToYuan, statementCsv, statementCsvLines, statementCsvTail, STATEMENT_CSV_HEAD, STATEMENT_CSV_HEADER } from './services/statements.service';
export { SettlementModule } from './settlement.module';
