import { APP_CONFIG, AppConfig, AppError, AuthUser, IdempotencyService, OutboxService, QUEUES, requestHash, TransactionRunner } from '@huigong/common';
import { CatalogService, StockService } from '@huigong/catalog';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderAction, OrderActorKind, OrderEffect, OrderGuard, OrderState, ORDER_TRANSITIONS, OrderTransition } from '../domain/order-state-machine';
import { OrderDetailView } from '../domain/order-views';
import { CompleteOrderService } from './complete-order.service';
import { OrderAccessService } from './order-access.service';
import { OrderReader, OrderRow } from './order-reader.service';
import { RefundOrderService } from './refund-order.service';

export interface OrderActor {
  kind: OrderActorKind;
  /** null for the system (jobs) */
  user: AuthUser | null;
}

export interface TransitionInput {
  reason?: string;
  carrier?: string;
  trackingNo?: string;
}

export const AUTO_CONFIRM_JOB = 'auto-confirm';

/** One scope for every order action: a key reused on another order or action is refused, not run. */
const ORDER_ACTION_IDEMPOTENCY_SCOPE = 'order.action';

/** What ran an auto-confirm: the order's own delayed job, or the worker's periodic sweep (its backstop). */
export type AutoConfirmTrigger = 'job' | 'sweep';

export type AutoConfirmOutcome =
  | { outcome: 'completed'; dueAt: Date }
  /** still `delivered` but not yet due by the database clock: nothing written */
  | { outcome: 'not_due'; dueAt: Date; remainingMs: number }
  /** no longer `delivered` (the member confirmed, or an earlier run completed it): nothing written */
  | { outcome: 'not_delivered'; state: OrderState | null };

interface AutoConfirmDue {
  due: boolean;
  dueAt: Date;
  /** milliseconds until dueAt by the database clock; ≤ 0 once due */
  remainingMs: number;
}

const SYSTEM: OrderActor = { kind: 'system', user: null };

/**
 * Runs one action of the order state machine (domain/order-state-machine.ts) in one transaction:
 * lock the order row (concurrent actions on one order queue here), check who acts, the current
 * state, the action's inputs and guards, run its side effects, then write the new state with its
 * timestamp and a history row. A refused action writes nothing.
 */
@Injectable()
export class OrderTransitionService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly reader: OrderReader,
    private readonly access: OrderAccessService,
    private readonly refunds: RefundOrderService,
    private readonly completion: CompleteOrderService,
    private readonly stock: StockService,
    private readonly catalog: CatalogService,
    private readonly outbox: OutboxService,
    private readonly idempotency: IdempotencyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async apply(actor: OrderActor, orderId: string, action: OrderAction, input: TransitionInput = {}): Promise<OrderDetailView> {
    return (await this.applyOnce(actor, orderId, action, input)).order;
  }

  /**
   * apply() under the client's optional Idempotency-Key: the key is claimed in the transition's own
   * transaction, so a replay (also a concurrent one, which waits on the key until the first commits)
   * gets the stored first answer instead of 409 INVALID_TRANSITION, and a refused action leaves no
   * key behind. Without a key the state machine alone refuses a repeat.
   */
  async applyOnce(actor: OrderActor, orderId: string, action: OrderAction, input: TransitionInput = {}, idempotencyKey?: string): Promise<{ order: OrderDetailView; replayed: boolean }> {
    return this.tx.run(async (em) => {
      const work = () => this.applyIn(em, actor, orderId, action, input);
      if (idempotencyKey === undefined) return { order: await work(), replayed: false };
      if (!actor.user) throw new Error('An Idempotency-Key needs a user to scope it to');
      // the stored (lower-case) spelling of the id: a URL may spell it in upper case
      const hash = requestHash({ orderId: orderId.toLowerCase(), action, input });
      const { response, replayed } = await this.idempotency.run(em, { scope: ORDER_ACTION_IDEMPOTENCY_SCOPE, userId: actor.user.id, key: idempotencyKey, requestHash: hash }, work);
      return { order: response, replayed };
    });
  }

  private async applyIn(em: EntityManager, actor: OrderActor, orderId: string, action: OrderAction, input: TransitionInput): Promise<OrderDetailView> {
    const order = await this.lockFor(em, actor, orderId);
    const t = ORDER_TRANSITIONS[action];
    this.check(t, order, actor, input);
    await this.transition(em, t, order, actor, input);
    return this.reader.detail((await this.reader.find(order.id, em))!, actor.kind === 'system' ? 'platform' : actor.kind, em);
  }

  /**
   * Completes a delivered order nobody confirmed, once AUTO_CONFIRM_DAYS have passed since delivery by
   * the database clock. The one path for both the per-order job and the sweep: the row lock makes
   * them queue on the order, and the later one finds it no longer delivered (no second completion,
   * no second ledger entry). A refusal of any other kind (e.g. the ledger) throws and writes nothing.
   */
  async autoConfirm(orderId: string, trigger: AutoConfirmTrigger): Promise<AutoConfirmOutcome> {
    return this.tx.run(async (em) => {
      const order = await this.reader.find(orderId, em, true);
      const t = ORDER_TRANSITIONS[OrderAction.AutoConfirm];
      if (!order || !t.from.includes(order.state)) return { outcome: 'not_delivered', state: order?.state ?? null };
      const due = await this.autoConfirmDue(em, order);
      if (!due.due) return { outcome: 'not_due', dueAt: due.dueAt, remainingMs: due.remainingMs };
      const days = this.config.autoConfirmDays;
      const input = { reason: `Not confirmed within ${days} ${days === 1 ? 'day' : 'days'} of delivery` };
      this.check(t, order, SYSTEM, input);
      await this.transition(em, t, order, SYSTEM, input, { trigger, dueAt: due.dueAt.toISOString() });
      return { outcome: 'completed', dueAt: due.dueAt };
    });
  }

  private async lockFor(em: EntityManager, actor: OrderActor, orderId: string): Promise<OrderRow> {
    const order = await this.reader.find(orderId, em, true);
    if (actor.kind === 'system') {
      if (!order) throw AppError.notFound('Order', orderId);
      return order;
    }
    return this.access.assert(actor.user!, order, actor.kind, orderId);
  }

  private check(t: OrderTransition, order: OrderRow, actor: OrderActor, input: TransitionInput): void {
    if (!t.actors.includes(actor.kind)) {
      throw AppError.forbidden(`A ${actor.kind} may not ${t.action} an order`, 'ACTION_NOT_ALLOWED', { action: t.action, allowedActors: t.actors });
    }
    if (!t.from.includes(order.state)) {
      throw AppError.conflict('INVALID_TRANSITION', `Cannot ${t.action.replace('_', ' ')} an order that is ${order.state.replace('_', ' ')}`, {
        orderId: order.id,
        action: t.action,
        state: order.state,
        allowedFrom: t.from,
      });
    }
    const missing: string[] = [];
    if (t.requires.includes('reason') && !input.reason?.trim()) missing.push('reason');
    if (t.requires.includes('shipment')) {
      if (!input.carrier?.trim()) missing.push('carrier');
      if (!input.trackingNo?.trim()) missing.push('trackingNo');
    }
    if (missing.length) {
      throw AppError.unprocessable('MISSING_INPUT', `To ${t.action} an order, give: ${missing.join(', ')}`, { action: t.action, missing });
    }
  }

  private async transition(em: EntityManager, t: OrderTransition, order: OrderRow, actor: OrderActor, input: TransitionInput, note: Record<string, unknown> = {}): Promise<void> {
    for (const g of t.guards) await this.guard(em, g, order);
    const ledgerActor = actor.user?.id ?? 'system';
    const patch: Record<string, unknown> = {};
    const details: Record<string, unknown> = { ...note };
    for (const effect of t.effects) Object.assign(details, await this.effect(em, effect, order, ledgerActor, input, patch));
    if (t.requires.includes('shipment')) {
      patch.carrier = input.carrier!.trim();
      patch.tracking_no = input.trackingNo!.trim();
      details.carrier = patch.carrier;
      details.trackingNo = patch.tracking_no;
    }
    // column names come from the transition table and the effects above, never from a request
    const cols = Object.keys(patch);
    const sets = [`state = $2`, `${t.stamps} = now()`, `updated_at = now()`, ...cols.map((c, i) => `${c} = $${i + 3}`)];
    await em.query(
      `WITH u AS (UPDATE orders SET ${sets.join(', ')} WHERE id = $1)
       INSERT INTO order_history (order_id, action, from_state, to_state, actor_kind, actor_user_id, reason, details)
       VALUES ($1, $${cols.length + 3}, $${cols.length + 4}, $2, $${cols.length + 5}, $${cols.length + 6}, $${cols.length + 7}, $${cols.length + 8}::jsonb)`,
      [order.id, t.to, ...cols.map((c) => patch[c]), t.action, order.state, actor.kind, actor.user?.id ?? null, input.reason?.trim() || null, JSON.stringify(details)],
    );
  }

  private async guard(em: EntityManager, guard: OrderGuard, order: OrderRow): Promise<void> {
    switch (guard) {
      case 'not_settled':
        // the row is locked: a settlement run claiming it either committed before (we see it) or waits for us
        if (order.settlement_statement_id) {
          throw AppError.conflict('ORDER_SETTLED', 'This order is already on the supplier’s settlement statement and can no longer be returned', {
            orderId: order.id,
            statementId: order.settlement_statement_id,
          });
        }
        return;
      case 'auto_confirm_due': {
        const r = await this.autoConfirmDue(em, order);
        if (!r.due) throw AppError.conflict('AUTO_CONFIRM_NOT_DUE', 'The order is not yet due for automatic confirmation', { orderId: order.id, deliveredAt: order.delivered_at, dueAt: r.dueAt });
        return;
      }
    }
  }

  /**
   * delivered_at + AUTO_CONFIRM_DAYS (this process's setting) against the database clock: a job's
   * delay ran on a process clock and was computed with the setting of the API that delivered.
   */
  private async autoConfirmDue(em: EntityManager, order: OrderRow): Promise<AutoConfirmDue> {
    const [r] = await em.query(
      `SELECT d.due_at, d.due_at <= now() AS due, ceil(extract(epoch FROM d.due_at - now()) * 1000)::float8 AS remaining_ms
         FROM (SELECT $1::timestamptz + make_interval(days => $2) AS due_at) d`,
      [order.delivered_at, this.config.autoConfirmDays],
    );
    return { due: r.due, dueAt: new Date(r.due_at), remainingMs: r.remaining_ms };
  }

  /** Runs one side effect; returns what goes into the history row's details. May add columns to `patch`. */
  private async effect(em: EntityManager, effect: OrderEffect, order: OrderRow, actor: string, input: TransitionInput, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (effect) {
      case 'refund_from_escrow':
      case 'refund_from_payable': {
        const routes = await this.refunds.refund(em, order, effect === 'refund_from_escrow' ? 'escrow' : 'payable', actor, input.reason ?? null);
        return { refund: routes };
      }
      case 'release_stock':
        // stock was reserved once per checkout (one sorted set of row locks); the order's own lines go back under that reference
        await this.stock.release(em, await this.lineQuantities(em, order.id), `checkout:${order.checkout_id}`);
        return { stockReleased: true };
      case 'settle_to_payable':
        patch.payable_account_id = await this.completion.settle(em, order, actor);
        return { payableAccountId: patch.payable_account_id };
      case 'record_sales':
        await this.catalog.recordSales(em, await this.lineQuantities(em, order.id));
        return {};
      case 'unrecord_sales':
        await this.catalog.unrecordSales(em, await this.lineQuantities(em, order.id));
        return {};
      case 'schedule_auto_confirm': {
        const delayMs = this.config.autoConfirmDays * 24 * 3600 * 1000;
        await this.outbox.enqueue(em, { queue: QUEUES.orderTimers, name: AUTO_CONFIRM_JOB, jobId: `auto-confirm.${order.id}`, payload: { orderId: order.id }, delayMs });
        return { autoConfirmAfterDays: this.config.autoConfirmDays };
      }
    }
  }

  private async lineQuantities(em: EntityManager, orderId: string): Promise<{ skuId: string; quantity: number }[]> {
    const rows: { sku_id: string; quantity: number }[] = await em.query(`SELECT sku_id, quantity FROM order_lines WHERE order_id = $1 ORDER BY sku_id`, [orderId]);
    return rows.map((r) => ({ skuId: r.sku_id, quantity: r.quantity }));
  }
}
