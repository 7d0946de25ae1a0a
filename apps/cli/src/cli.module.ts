import { CatalogModule } from '@huigong/catalog';
import { AppConfig, CoreModule } from '@huigong/common';
import { IdentityModule } from '@huigong/identity';
import { LedgerModule } from '@huigong/ledger';
import { PointsModule } from '@huigong/points';
import { SettlementModule } from '@huigong/settlement';
import { DynamicModule, Module } from '@nestjs/common';
import { DemoSeeder } from './demo/demo-seeder';

@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [CoreModule.forRoot(config, 'cli'), IdentityModule, CatalogModule, LedgerModule, PointsModule, SettlementModule],
      providers: [DemoSeeder],
    };
  }
}
