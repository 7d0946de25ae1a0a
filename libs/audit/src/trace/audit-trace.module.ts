import { IdentityModule } from '@huigong/identity';
import { LedgerModule } from '@huigong/ledger';
import { OrderingModule } from '@huigong/ordering';
import { PointsModule } from '@huigong/points';
import { SettlementModule } from '@huigong/settlement';
import { Module } from '@nestjs/common';
import { AuditTraceController } from './audit-trace.controller';
import { MemberTraceService } from './member-trace.service';
import { OrderTraceService } from './order-trace.service';

/** Order and member traces for auditors (read-only), from the other contexts' query services. */
@Module({
  imports: [IdentityModule, LedgerModule, PointsModule, OrderingModule, SettlementModule],
  controllers: [AuditTraceController],
  providers: [OrderTraceService, MemberTraceService],
  exports: [OrderTraceService, MemberTraceService],
})
export class AuditTraceModule {}
