import { LedgerVerificationProcessor } from '@huigong/audit';
import { AppConfig, CoreModule, JobWorkers, OutboxRelay } from '@huigong/common';
import { LedgerModule, LedgerSealingLoop } from '@huigong/ledger';
import { AutoConfirmProcessor, OrderingModule } from '@huigong/ordering';
import { POINTS_PROCESSORS, PointsModule } from '@huigong/points';
import { SettlementModule, SettlementProcessor } from '@huigong/settlement';
import { DynamicModule, Module } from '@nestjs/common';
import { SystemProcessor } from './system.processor';

/** The worker process: the outbox relay and every context's job handlers. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(config, 'worker'), LedgerModule, PointsModule, OrderingModule, SettlementModule],
      providers: [JobWorkers, OutboxRelay, SystemProcessor, LedgerSealingLoop, ...POINTS_PROCESSORS, AutoConfirmProcessor, LedgerVerificationProcessor, SettlementProcessor],
    };
  }
}
