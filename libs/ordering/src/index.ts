// The public face of the ordering context.
export { allocatePoints } from './domain/allocate-points';
export type { Allocation, AllocationGrant, AllocationLine, AllocationResult } from './domain/allocate-points';
export { actionsFrom, ORDER_STATES, ORDER_TRANSITIONS, OrderAction, OrderState, RELEASED_STATES, TERMINAL_STATES } from './domain/order-state-machine';
export type { OrderActorKind, OrderEffect, OrderTransition } from './domain/order-state-machine';
export type { OrderAddress, OrderDetailView, OrderLineView, OrderPaymentView, OrderSummaryView } from './domain/order-views';
export { AutoConfirmProcessor } from './jobs/auto-confirm.processor';
export { OrderingModule } from './ordering.module';
export { CHECKOUT_ENTRY_KIND, CheckoutService } from './services/checkout.service';
export type { CheckoutInput, CheckoutResult, PlacedOrder } from './services/checkout.service';
export { MemberOrdersService } from './services/member-orders.service';
export { AUTO_CONFIRM_JOB, OrderTransitionService } from './services/order-transition.service';
export type { OrderActor, TransitionInput } from './services/order-transition.service';
export { OrderSettlementService, SETTLEABLE_STATES } from './services/order-settlement.service';
export type { SettleableSupplier, SettledOrder } from './services/order-settlement.service';
export { PlatformOrdersService } from './services/platform-orders.service';
export { ReviewsService } from './services/reviews.service';
export type { PositiveRateView, ReviewView } from './services/reviews.service';
export { SupplierOrdersService } from './services/supplier-orders.service';
