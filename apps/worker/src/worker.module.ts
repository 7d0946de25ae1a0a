import { AppConfig, CoreModule, JobWorkers, OutboxRelay } from '@huigong/common';
import { DynamicModule, Module } from '@nestjs/common';
import { SystemProcessor } from './system.processor';

/** The worker process: the outbox relay and every context's job handlers. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(config, 'worker')],
      providers: [JobWorkers, OutboxRelay, SystemProcessor],
    };
  }
}
