/**
 * The order lifecycle, declared as data: every state, every action, who may take it, from which
 * states, what it requires and which side effects run with it (in the same transaction). The
 * transition service interprets this table and nothing else decides whether a transition is
 * allowed; the README's state table is generated from the same facts.
 */
export enum OrderState {
  Placed = 'placed',
  Accepted = 'accepted',
  Shipped = 'shipped',
  Delivered = 'delivered',
  Completed = 'completed',
  Cancelled = 'cancelled',
  Rejected = 'rejected',
  ReturnRequested = 'return_requested',
  Returned = 'returned',
  ReturnDeclined = 'return_declined',
}

export const ORDER_STATES: OrderState[] = Object.values(OrderState);

/** Who acts: the member who placed the order, staff of its supplier, or the system (jobs). */
export type OrderActorKind = 'member' | 'supplier' | 'system';

export enum OrderAction {
  Cancel = 'cancel',
  Accept = 'accept',
  Reject = 'reject',
  Ship = 'ship',
  Deliver = 'deliver',
  Confirm = 'confirm',
  AutoConfirm = 'auto_confirm',
  RequestReturn = 'request_return',
  ApproveReturn = 'approve_return',
  DeclineReturn = 'decline_return',
}

/**
 * Side effects, run in the transition's transaction in the order listed:
 * - refund_from_escrow: escrow → the very grants that paid (or pool/budget once their window closed)
 * - refund_from_payable: supplier payable → the same targets (a return after completion)
 * - release_stock: the order's quantities go back to stock
 * - settle_to_payable: escrow → the supplier's payable
 * - record_sales: the catalog's sales counters
 * - unrecord_sales: an approved return takes its quantities off those counters again (before
 *   release_stock: products are locked before their SKUs, as a product edit locks them)
 * - schedule_auto_confirm: a delayed job (through the outbox) that completes the order after N days
 *   (the worker's auto-confirm sweep completes it should the job be lost)
 */
export type OrderEffect = 'refund_from_escrow' | 'refund_from_payable' | 'release_stock' | 'settle_to_payable' | 'record_sales' | 'unrecord_sales' | 'schedule_auto_confirm';

/** Inputs an action needs, checked before anything is written. */
export type OrderRequirement = 'reason' | 'shipment';

/**
 * Conditions on the database state, checked by the transition service with the order row locked.
 * `not_settled`: an order already on a supplier's settlement statement cannot be returned (its
 * money left the payable for the supplier; settlement waits out SETTLEMENT_HOLD_DAYS for returns).
 */
export type OrderGuard = 'auto_confirm_due' | 'not_settled';

export interface OrderTransition {
  action: OrderAction;
  from: OrderState[];
  to: OrderState;
  actors: OrderActorKind[];
  requires: OrderRequirement[];
  guards: OrderGuard[];
  effects: OrderEffect[];
  /** the orders column stamped with the database clock */
  stamps: string;
  summary: string;
}

const S = OrderState;
const A = OrderAction;

export const ORDER_TRANSITIONS: Record<OrderAction, OrderTransition> = {
  [A.Cancel]: {
    action: A.Cancel, from: [S.Placed], to: S.Cancelled, actors: ['member'], requires: [], guards: [],
    effects: ['refund_from_escrow', 'release_stock'], stamps: 'cancelled_at',
    summary: 'the member cancels before the supplier accepted',
  },
  [A.Accept]: {
    action: A.Accept, from: [S.Placed], to: S.Accepted, actors: ['supplier'], requires: [], guards: [],
    effects: [], stamps: 'accepted_at',
    summary: 'the supplier takes the order',
  },
  [A.Reject]: {
    action: A.Reject, from: [S.Placed, S.Accepted], to: S.Rejected, actors: ['supplier'], requires: ['reason'], guards: [],
    effects: ['refund_from_escrow', 'release_stock'], stamps: 'rejected_at',
    summary: 'the supplier refuses the order, with a reason',
  },
  [A.Ship]: {
    action: A.Ship, from: [S.Accepted], to: S.Shipped, actors: ['supplier'], requires: ['shipment'], guards: [],
    effects: [], stamps: 'shipped_at',
    summary: 'the supplier ships, with carrier and tracking number',
  },
  [A.Deliver]: {
    action: A.Deliver, from: [S.Shipped], to: S.Delivered, actors: ['supplier'], requires: [], guards: [],
    effects: ['schedule_auto_confirm'], stamps: 'delivered_at',
    summary: 'the supplier marks the parcel delivered; auto-confirm is scheduled',
  },
  [A.Confirm]: {
    action: A.Confirm, from: [S.Delivered], to: S.Completed, actors: ['member'], requires: [], guards: [],
    effects: ['settle_to_payable', 'record_sales'], stamps: 'completed_at',
    summary: 'the member confirms receipt: escrow moves to the supplier payable',
  },
  [A.AutoConfirm]: {
    action: A.AutoConfirm, from: [S.Delivered], to: S.Completed, actors: ['system'], requires: [], guards: ['auto_confirm_due'],
    effects: ['settle_to_payable', 'record_sales'], stamps: 'completed_at',
    summary: 'nobody confirmed within AUTO_CONFIRM_DAYS of delivery: the system completes the order',
  },
  [A.RequestReturn]: {
    action: A.RequestReturn, from: [S.Completed], to: S.ReturnRequested, actors: ['member'], requires: ['reason'], guards: ['not_settled'],
    effects: [], stamps: 'return_requested_at',
    summary: 'the member asks to return a completed order, with a reason',
  },
  [A.ApproveReturn]: {
    action: A.ApproveReturn, from: [S.ReturnRequested], to: S.Returned, actors: ['supplier'], requires: [], guards: [],
    effects: ['refund_from_payable', 'unrecord_sales', 'release_stock'], stamps: 'returned_at',
    summary: 'the supplier takes the goods back: its payable refunds the points',
  },
  [A.DeclineReturn]: {
    action: A.DeclineReturn, from: [S.ReturnRequested], to: S.ReturnDeclined, actors: ['supplier'], requires: ['reason'], guards: [],
    effects: [], stamps: 'return_declined_at',
    summary: 'the supplier declines the return, with a reason',
  },
};

/** Orders in these states no longer hold stock or count towards per-member purchase limits. */
export const RELEASED_STATES: OrderState[] = [S.Cancelled, S.Rejected, S.Returned];

export const TERMINAL_STATES: OrderState[] = ORDER_STATES.filter((s) => !Object.values(ORDER_TRANSITIONS).some((t) => t.from.includes(s)));

/** Actions available from a state (for the UI and the order detail). */
export function actionsFrom(state: OrderState, actor?: OrderActorKind): OrderAction[] {
  return Object.values(ORDER_TRANSITIONS)
    .filter((t) => t.from.includes(state) && (!actor || t.actors.includes(actor)))
    .map((t) => t.action);
}
