import { AuditModule } from '@huigong/audit';
import { CatalogModule } from '@huigong/catalog';
import { AppConfig, CoreModule, HealthController } from '@huigong/common';
import { AuthGuard, IdentityModule } from '@huigong/identity';
import { LedgerHttpModule } from '@huigong/ledger';
import { OrderingModule } from '@huigong/ordering';
import { PointsModule } from '@huigong/points';
import { ReportsModule } from '@huigong/reports';
import { SettlementModule } from '@huigong/settlement';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';

/** The HTTP process: every context's controllers behind one global guard. */
@Module({})
export class ApiModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [CoreModule.forRoot(config, 'api'), DiscoveryModule, IdentityModule, CatalogModule, LedgerHttpModule, PointsModule, OrderingModule, SettlementModule, ReportsModule, AuditModule],
      controllers: [HealthController],
      providers: [{ provide: APP_GUARD, useExisting: AuthGuard }],
    };
  }
}
