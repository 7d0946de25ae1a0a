import { APP_CONFIG, AppConfig } from '@huigong/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderTransitionService } from './order-transition.service';

export interface AutoConfirmSweepOptions {
  /** orders read per statement */
  pageSize?: number;
  /** orders looked at in one run at most; the next run goes on from the oldest left */
  maxOrders?: number;
}

export interface AutoConfirmSweepResult {
  /** due delivered orders looked at */
  examined: number;
  completed: number;
  /** completed meanwhile by their job or their member */
  alreadyDone: number;
  /** found due by the index read but not by the transition's check (the clock between them); left for their job or the next run */
  notDue: number;
  /** the transition threw (logged); left for the next run */
  failed: number;
  /** the run stopped at maxOrders: more due orders may be waiting */
  more: boolean;
  completedOrderIds: string[];
}

const PAGE_SIZE = 100;
const MAX_ORDERS_PER_RUN = 1000;

/**
 * The backstop for auto-confirm: a delivered order's only other way to completion is its one
 * delayed job, which can be lost (removed from Redis, failed past its attempts during a long
 * database outage). Finds `delivered` orders whose delivered_at + AUTO_CONFIRM_DAYS has passed by the
 * database clock, oldest first (index orders_auto_confirm_due), and completes each through
 * OrderTransitionService.autoConfirm — the job's own path, in a transaction per order — so running
 * beside the jobs, or beside another sweep, completes each order once.
 */
@Injectable()
export class AutoConfirmSweepService {
  private readonly logger = new Logger(AutoConfirmSweepService.name);
  /** where the last run stopped at maxOrders (this process's runs; the schedule runs one at a time) */
  private resumeAfter: { at: string; id: string } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: OrderTransitionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sweep(opts: AutoConfirmSweepOptions = {}): Promise<AutoConfirmSweepResult> {
    const pageSize = opts.pageSize ?? PAGE_SIZE;
    const maxOrders = opts.maxOrders ?? MAX_ORDERS_PER_RUN;
    const r: AutoConfirmSweepResult = { examined: 0, completed: 0, alreadyDone: 0, notDue: 0, failed: 0, more: false, completedOrderIds: [] };
    // keyset cursor kept as PostgreSQL's text of delivered_at: a JS Date would drop the microseconds
    // and read the last order of a page again (forever, were it one that keeps failing). A run that
    // stopped at maxOrders is resumed where it stopped, and wraps round to the oldest once it reaches
    // the newest: maxOrders orders failing at the front cannot keep every newer due order waiting.
    const resumedFrom = this.resumeAfter;
    this.resumeAfter = null;
    let after = resumedFrom;
    let upTo: { at: string; id: string } | null = null;
    for (;;) {
      const limit = Math.min(pageSize, maxOrders - r.examined);
      if (limit <= 0) {
        r.more = true;
        this.resumeAfter = after;
        break;
      }
      const page = await this.duePage(after, upTo, limit);
      for (const o of page) {
        r.examined++;
        try {
          const outcome = await this.transitions.autoConfirm(o.id, 'sweep');
          if (outcome.outcome === 'completed') {
            r.completed++;
            r.completedOrderIds.push(o.id);
          } else if (outcome.outcome === 'not_due') r.notDue++;
          else r.alreadyDone++;
        } catch (err) {
          r.failed++;
          this.logger.error({ orderId: o.id, err: (err as Error).message }, 'auto-confirm sweep could not complete an order');
        }
      }
      if (page.length < limit) {
        // the newest reached: a resumed run goes round once more from the oldest, up to where it began
        if (resumedFrom && !upTo) {
          upTo = resumedFrom;
          after = null;
          continue;
        }
        break;
      }
      after = { at: page[page.length - 1].at, id: page[page.length - 1].id };
    }
    if (r.completed) {
      // each of these should have been completed by its own job: say so, an operator may want to know why
      this.logger.warn({ completed: r.completed, orderIds: r.completedOrderIds.slice(0, 20) }, 'auto-confirm sweep completed orders their job had not');
    }
    return r;
  }

  private async duePage(after: { at: string; id: string } | null, upTo: { at: string; id: string } | null, limit: number): Promise<{ id: string; at: string }[]> {
    // `delivered_at <= now() - interval` (not `delivered_at + interval <= now()`) so the partial index's range applies
    const params: unknown[] = [this.config.autoConfirmDays, limit];
    const where = [`state = 'delivered' AND delivered_at <= now() - make_interval(days => $1)`];
    if (after) where.push(`(delivered_at, id) > ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    if (upTo) where.push(`(delivered_at, id) <= ($${params.push(upTo.at)}::timestamptz, $${params.push(upTo.id)}::uuid)`);
    return this.dataSource.query(`SELECT id, delivered_at::text AS at FROM orders WHERE ${where.join(' AND ')} ORDER BY delivered_at, id LIMIT $2`, params);
  }
}
