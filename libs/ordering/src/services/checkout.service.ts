import { APP_CONFIG, AppConfig, AppError, AuthUser, IdempotencyService, isLockTimeout, requestHash, TransactionRunner } from '@huigong/common';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { CheckoutInput, CheckoutResult } from '../domain/checkout.types';
import { CheckoutOutcome, GroupCheckout, GroupRefusals, PlaceCheckoutGroupService } from './place-checkout-group.service';


/** checkouts per group transaction; larger groups hold hot stock rows no longer, only longer statements */
const MAX_GROUP = 64;
/** group transactions at a time: while they run, the next checkouts gather (2 measured best: bench/README) */
const MAX_IN_FLIGHT = 2;
/**
 * checkouts of split groups (below) running alone at a time, besides the groups: they may wait on a
 * lock as long as it is held, each holding a connection, so they are bounded below the pool size
 * (DB_POOL_SIZE, 20 by default) to leave the groups theirs
 */
const MAX_ALONE_IN_FLIGHT = 8;

interface Pending extends GroupCheckout {
  resolve(result: CheckoutResult & { replayed: boolean }): void;
  reject(error: unknown): void;
}

/**
 * Checkout: checks the window (database clock), eligibility, per-member limits, stock and points,
 * splits the lines into one order per supplier, pays them from the member's grants (earliest-closing
 * first) with one ledger entry grants → per-order escrow accounts, and decrements stock. A refusal
 * leaves nothing behind.
 *
 * This class is the grouping queue; PlaceCheckoutGroupService places one group. Group commit:
 * concurrent checkouts of this process gather while up to MAX_IN_FLIGHT group transactions run, then
 * go together in ONE transaction (bench/README, issue 7). A member is in at most one group at a time
 * here (and the group takes the user's advisory lock, for other processes). A refusal that only
 * the group's writes reveal rolls the group back and places it again without that checkout, so
 * nothing of a refused checkout commits. Deadlocks and serialization failures retry the whole group
 * (TransactionRunner).
 *
 * Isolation of a group's checkouts from each other: a group of several waits for any one lock at
 * most CHECKOUT_LOCK_TIMEOUT_MS (SET LOCAL lock_timeout, from its first statement on); when that
 * fires, or the group fails with any error that is not a refusal, nothing of it committed and each
 * of its checkouts goes again alone (at most MAX_ALONE_IN_FLIGHT at a time, beside the groups), so
 * only the checkouts that touch the held row or member wait, and only the one that causes an error
 * gets it. A checkout alone waits for its locks as long as they are held, as it always did. At most
 * CHECKOUT_MAX_WAITING checkouts wait in a process; past that, 503 CHECKOUT_BUSY (Retry-After).
 *
 * Shutdown: from beforeApplicationShutdown on, new checkouts are refused with 503 CHECKOUT_BUSY and
 * the ones already accepted (waiting or in a group) are placed and answered before the database
 * connections close, so a deploy answers every checkout it took — within CHECKOUT_DRAIN_TIMEOUT_MS
 * (below the shutdown grace period); past it the ones not yet started are refused 503 and the rest logged.
 */
/**
 * What a checkout's request hash covers: its ids as stored (lower case), so that a replay spelling a
 * SKU or address id in upper case (the DTO accepts any case) is answered from the first result.
 */
function hashedInput(input: CheckoutInput): CheckoutInput {
  const lines = input.lines.map((l) => ({ ...l, skuId: l.skuId.toLowerCase() }));
  return input.addressId === undefined ? { ...input, lines } : { ...input, lines, addressId: input.addressId.toLowerCase() };
}

@Injectable()
export class CheckoutService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CheckoutService.name);
  private readonly waiting: Pending[] = [];
  /** checkouts of split groups, to be placed alone */
  private readonly alone: Pending[] = [];
  /** users with a checkout in a running group or running alone: their next one waits for its end */
  private readonly busyUsers = new Set<string>();
  private inFlight = 0;
  private aloneInFlight = 0;
  private closing = false;
  /** resolved when nothing is waiting or running any more, once closing */
  private drained: (() => void) | null = null;
  /** the shutdown's one drain: a second call gets the same promise */
  private draining: Promise<void> | null = null;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly idempotency: IdempotencyService,
    private readonly placing: PlaceCheckoutGroupService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A retry of a checkout that went through: it is answered from the stored result. */
  async isAnsweredRetry(user: AuthUser, idempotencyKey: string): Promise<boolean> {
    return this.tx.run((em) => this.idempotency.hasResponse(em, 'checkout', user.id, idempotencyKey));
  }

  /** Resolves once the checkout's group committed (or rejects with its own refusal). */
  checkout(user: AuthUser, idempotencyKey: string, input: CheckoutInput): Promise<CheckoutResult & { replayed: boolean }> {
    if (this.closing) {
      // this process is shutting down: another one (behind the same load balancer) takes it
      return Promise.reject(new AppError('CHECKOUT_BUSY', 'This server is shutting down; retry in a moment', 503, { shuttingDown: true }));
    }
    const queued = this.waiting.length + this.alone.length;
    if (queued >= this.config.checkoutMaxWaiting) {
      // the process is behind by more than it can catch up on in a reasonable time: refuse now rather than time out later
      return Promise.reject(new AppError('CHECKOUT_BUSY', 'Too many checkouts are waiting; retry in a moment', 503, { waiting: queued }));
    }
    const request = { scope: 'checkout', userId: user.id, key: idempotencyKey, requestHash: requestHash(hashedInput(input)) };
    return new Promise((resolve, reject) => {
      this.waiting.push({ user, request, input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.closing && this.drained && this.idle()) {
      this.drained();
      this.drained = null;
      return;
    }
    while (this.aloneInFlight < MAX_ALONE_IN_FLIGHT && this.alone.length) {
      const p = this.alone.shift()!;
      this.aloneInFlight++;
      void this.commit([p]).finally(() => {
        this.aloneInFlight--;
        this.pump();
      });
    }
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length) {
      const group: Pending[] = [];
      const users = new Set<string>();
      const rest: Pending[] = [];
      for (const p of this.waiting) {
        // one member once per group and in one group at a time: the second checkout waits its turn
        if (group.length >= MAX_GROUP || users.has(p.user.id) || this.busyUsers.has(p.user.id)) rest.push(p);
        else {
          users.add(p.user.id);
          group.push(p);
        }
      }
      if (!group.length) return;
      this.waiting.splice(0, this.waiting.length, ...rest);
      users.forEach((u) => this.busyUsers.add(u));
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** Answers the checkout; its member may go into the next group. */
  private settle(p: Pending, o: CheckoutOutcome): void {
    this.busyUsers.delete(p.user.id);
    if ('result' in o) p.resolve(o.result);
    else p.reject(o.error);
  }

  /** Places a group (placing it again without the refusals the writes reveal) and answers each of its checkouts. */
  private async commit(group: Pending[]): Promise<void> {
    let todo = group.map((_, i) => i);
    while (todo.length) {
      const current = todo;
      const several = current.length > 1;
      try {
        // folded: BEGIN goes with the group's first statement (a round trip fewer; CHECKOUT_FOLD_BEGIN)
        const placed = await this.tx.run((em) => this.placing.place(em, current.map((i) => group[i]), several ? this.config.checkoutLockTimeoutMs : 0), { fold: this.config.checkoutFoldBegin });
        placed.forEach((o, k) => this.settle(group[current[k]], o));
        todo = [];
      } catch (err) {
        if (err instanceof GroupRefusals && err.refusals.size) {
          // nothing committed: those checkouts are refused, the rest is placed again
          err.refusals.forEach((error, k) => this.settle(group[current[k]], { error }));
          todo = current.filter((_, k) => !err.refusals.has(k));
        } else if (several) {
          // nothing committed: a lock held too long, or an error no refusal explains. Each checkout
          // goes alone, so only those that touch the held row wait and only the one at fault fails.
          this.logger.warn(`checkout group of ${current.length} split (${isLockTimeout(err) ? 'lock timeout' : (err as Error)?.message})`);
          this.alone.push(...current.map((i) => group[i]));
          todo = [];
        } else {
          this.settle(group[current[0]], { error: err });
          todo = [];
        }
      }
    }
  }

  /**
   * Places and answers every checkout already accepted; refuses new ones meanwhile. Waits at most
   * CHECKOUT_DRAIN_TIMEOUT_MS (below the shutdown grace period): then the checkouts not yet started
   * are refused 503 CHECKOUT_BUSY (their clients retry, with the same key, on another process) and
   * the transactions still running are logged; they commit or roll back whole, and a retry with the
   * same Idempotency-Key is answered from what committed. Called twice, the same drain.
   */
  beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.draining ??= this.drain();
    return this.draining;
  }

  private async drain(): Promise<void> {
    if (this.idle()) return;
    this.logger.log(`draining ${this.pendingText()} before shutdown`);
    const ms = this.config.checkoutDrainTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<'drained'>((resolve) => (this.drained = () => resolve('drained'))),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
    ]);
    clearTimeout(timer);
    if (outcome === 'drained') return;
    this.drained = null;
    this.logger.warn(`shutdown drain timed out after ${ms} ms with ${this.pendingText()} left; the waiting ones are refused 503, the running ones are not waited for`);
    const refusal = new AppError('CHECKOUT_BUSY', 'This server is shutting down; retry in a moment', 503, { shuttingDown: true });
    // not yet in a transaction: nothing of them was written (their users were never marked busy)
    for (const p of this.waiting.splice(0).concat(this.alone.splice(0))) p.reject(refusal);
  }

  private pendingText(): string {
    return `${this.waiting.length} waiting checkout(s), ${this.alone.length} waiting to go alone, ${this.inFlight} group(s) and ${this.aloneInFlight} lone checkout(s) running`;
  }

  private idle(): boolean {
    return !this.waiting.length && !this.alone.length && !this.inFlight && !this.aloneInFlight;
  }
}
