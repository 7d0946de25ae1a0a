import { CatalogModule } from '@huigong/catalog';
import { IdentityModule } from '@huigong/identity';
import { LedgerModule } from '@huigong/ledger';
import { PointsModule } from '@huigong/points';
import { Module } from '@nestjs/common';
import { AddressesController } from './controllers/addresses.controller';
import { CheckoutController } from './controllers/checkout.controller';
import { MemberOrdersController } from './controllers/member-orders.controller';
import { OrdersController } from './controllers/orders.controller';
import { SupplierOrdersController } from './controllers/supplier-orders.controller';
import { AddressesService } from './services/addresses.service';
import { AutoConfirmSweepService } from './services/auto-confirm-sweep.service';
import { CheckoutService } from './services/checkout.service';
import { CompleteOrderService } from './services/complete-order.service';
import { MemberOrdersService } from './services/member-orders.service';
import { OrderAccessService } from './services/order-access.service';
import { OrderAuditQueryService } from './services/order-audit-query.service';
import { OrderReader } from './services/order-reader.service';
import { OrderSettlementService } from './services/order-settlement.service';
import { OrderTransitionService } from './services/order-transition.service';
import { PlaceCheckoutGroupService } from './services/place-checkout-group.service';
import { PlatformOrdersService } from './services/platform-orders.service';
import { ReceiptService } from './services/receipt.service';
import { RefundOrderService } from './services/refund-order.service';
import { ReviewsService } from './services/reviews.service';
import { SupplierOrdersService } from './services/supplier-orders.service';
import { OrderReportingService } from './reporting/order-reporting.service';

/**
 * Ordering and fulfilment: checkout, the order lifecycle, refunds, supplier inbox, receipts and
 * reviews. Built on the catalog (SKUs, stock, ratings), points (grants, refund routing) and the
 * ledger (every value movement). The worker adds AutoConfirmProcessor beside it (auto-confirm jobs and their sweep).
 */
@Module({
  imports: [IdentityModule, LedgerModule, CatalogModule, PointsModule],
  controllers: [CheckoutController, MemberOrdersController, AddressesController, SupplierOrdersController, OrdersController],
  providers: [
    AddressesService,
    AutoConfirmSweepService,
    CheckoutService,
    CompleteOrderService,
    MemberOrdersService,
    OrderAccessService,
    OrderAuditQueryService,
    OrderReader,
    OrderSettlementService,
    OrderTransitionService,
    PlaceCheckoutGroupService,
    PlatformOrdersService,
    ReceiptService,
    RefundOrderService,
    ReviewsService,
    SupplierOrdersService,
    OrderReportingService,
  ],
  exports: [AutoConfirmSweepService, OrderReportingService, CheckoutService, OrderAuditQueryService, OrderSettlementService, OrderTransitionService, MemberOrdersService, SupplierOrdersService, PlatformOrdersService, ReviewsService],
})
export class OrderingModule {}
