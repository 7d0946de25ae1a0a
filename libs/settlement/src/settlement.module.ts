import { IdentityModule } from '@huigong/identity';
import { LedgerModule } from '@huigong/ledger';
import { OrderingModule } from '@huigong/ordering';
import { Module } from '@nestjs/common';
import { SettlementController } from './controllers/settlement.controller';
import { RecordPayoutService } from './services/record-payout.service';
import { RunSettlementService } from './services/run-settlement.service';
import { SettlementQueryService } from './services/settlement-query.service';
import { StatementReader } from './services/statement-reader.service';
import { StatementsService } from './services/statements.service';

/**
 * Supplier settlement: runs gather completed orders into immutable statements, payouts move the
 * supplier's payable to paid out. Built on ordering (which orders are settleable, claimed once) and
 * the ledger. The worker adds SettlementProcessor (the schedule); the CLI calls RunSettlementService.
 */
@Module({
  imports: [IdentityModule, LedgerModule, OrderingModule],
  controllers: [SettlementController],
  providers: [RecordPayoutService, RunSettlementService, SettlementQueryService, StatementReader, StatementsService],
  exports: [RunSettlementService, SettlementQueryService],
})
export class SettlementModule {}
