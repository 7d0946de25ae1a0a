import { toSafeNumber } from '@huigong/common';
import { OrderActorKind, OrderState } from './order-state-machine';

/** Rows as the pg driver returns them (bigint as text, timestamps as Date, or strings inside json_agg). */
export type OrderDbRow = Record<string, unknown>;

export const isoOrNull = (v: unknown): string | null => (v ? new Date(v as string | Date).toISOString() : null);

/** The line fields every order view shows (the member's detail and the auditor's trace alike). */
export function orderLineFields(r: OrderDbRow) {
  return {
    lineNo: r.line_no as number,
    skuId: r.sku_id as string,
    productId: r.product_id as string,
    productName: r.product_name as string,
    spec: r.spec as string,
    categoryId: r.category_id as string,
    unitPriceFen: toSafeNumber(r.unit_price_fen as string),
    quantity: r.quantity as number,
    amountFen: toSafeNumber(r.amount_fen as string),
  };
}

/** The history fields every order view shows: who moved the order, from where to where, why, when. */
export function orderHistoryFields(r: OrderDbRow) {
  return {
    action: r.action as string,
    fromState: (r.from_state as OrderState | null) ?? null,
    toState: r.to_state as OrderState,
    actorKind: r.actor_kind as OrderActorKind,
    actorUserId: (r.actor_user_id as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    at: isoOrNull(r.at)!,
  };
}
