import { LedgerVerificationProcessor } from '@huigong/audit';
import { AppConfig, CoreModule, JobReconciler, JobWorkers, OutboxRelay } from '@huigong/common';
import { LedgerModule, LedgerSealingLoop } from '@huigong/ledger';
import { AutoConfirmProcessor, OrderingModule } from '@huigong/ordering';
import { POINTS_PROCESSORS, PointsModule } from '@huigong/points';
import { SettlementModule, SettlementProcessor } from '@huigong/settlement';
import { DynamicModule, Module } from '@nestjs/common';
import { SystemProcessor } from './system.processor';

/** The worker process: the outbox relay, every context's job handlers, and the job reconciler that puts back what a Redis restarted empty lost. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(config, 'worker'), LedgerModule, PointsModule, OrderingModule, SettlementModule],
      providers: [JobWorkers, JobReconciler, OutboxRelay, SystemProcessor, LedgerSealingLoop, ...POINTS_PROCESSORS, AutoConfirmProcessor, LedgerVerificationProcessor, SettlementProcessor],
    };
  }
}
