import { APP_CONFIG, AppConfig, AppError, AuthUser, IdempotencyService, requestHash, TransactionRunner } from '@huigong/common';
import { OrderSettlementService } from '@huigong/ordering';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { RunView } from '../domain/settlement-views';
import { StatementReader } from './statement-reader.service';

export type RunTrigger = 'api' | 'cli' | 'schedule';

export interface RunRequest {
  trigger: RunTrigger;
  /** who asked (null for the schedule and the CLI) */
  user: AuthUser | null;
  supplierId?: string;
  /** the API's Idempotency-Key: a replay returns the first run */
  idempotencyKey?: string;
}

/** Serialises settlement work on one supplier (runs and payouts), taken in supplier id order. */
export const supplierLock = (supplierId: string): string => `settlement:supplier:${supplierId}`;

/**
 * A settlement run: for every supplier with orders completed at least SETTLEMENT_HOLD_DAYS ago
 * (the return window) and not yet on a statement, issue one statement with a line per order and
 * its total. One transaction: the run, its statements and their lines appear together or not at
 * all. Orders are claimed by a conditional update in ordering (OrderSettlementService.claim), so
 * two overlapping runs never put an order on two statements; suppliers are taken in id order under
 * an advisory lock each, so overlapping runs queue per supplier instead of deadlocking.
 */
@Injectable()
export class RunSettlementService {
  private readonly logger = new Logger(RunSettlementService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderSettlementService,
    private readonly reader: StatementReader,
    private readonly idempotency: IdempotencyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(request: RunRequest): Promise<RunView & { replayed: boolean }> {
    // the stored (lower-case) spelling: a replay whose body spells the supplier in upper case is the same request
    const req = { ...request, supplierId: request.supplierId?.toLowerCase() };
    return this.tx.run(async (em) => {
      if (req.idempotencyKey && req.user) {
        const key = { scope: 'settlement-run', userId: req.user.id, key: req.idempotencyKey, requestHash: requestHash({ supplierId: req.supplierId ?? null }) };
        const { response, replayed } = await this.idempotency.run(em, key, () => this.settle(em, req));
        return { ...response, replayed };
      }
      return { ...(await this.settle(em, req)), replayed: false };
    });
  }

  private async settle(em: EntityManager, req: RunRequest): Promise<RunView> {
    const runId = randomUUID();
    const [{ cutoff }] = await em.query(`SELECT now() - make_interval(days => $1) AS cutoff`, [this.config.settlementHoldDays]);
    const suppliers = await this.orders.settleableSuppliers(em, cutoff, req.supplierId);
    let statements = 0;
    let orderCount = 0;
    let totalFen = 0;
    for (const s of suppliers) {
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [supplierLock(s.supplierId)]);
      const statementId = randomUUID();
      const claimed = await this.orders.claim(em, s.supplierId, cutoff, statementId);
      if (!claimed.length) continue; // another run took them while we waited
      const total = claimed.reduce((a, o) => a + o.totalFen, 0);
      if (!Number.isSafeInteger(total)) throw new AppError('AMOUNT_OVERFLOW', 'A statement total exceeds the safe integer range', 500);
      await em.query(
        `WITH st AS (
           INSERT INTO settlement_statements (id, number, run_id, supplier_id, supplier_organization_id, payable_account_id, period_start, period_end, line_count, total_fen)
           -- the number never wraps: past 999999 it simply grows a digit (lpad would cut it)
           SELECT $1, 'ST-' || to_char(now() AT TIME ZONE $9, 'YYYYMMDD') || '-' || lpad(n.v::text, greatest(6, length(n.v::text)), '0'),
                  $2, $3, $4, $5, $6, $7, $8, $10
             FROM (SELECT nextval('settlement_statement_number_seq') AS v) n
           RETURNING id
         )
         INSERT INTO settlement_statement_lines (statement_id, line_no, order_id, union_id, completed_at, amount_fen, completion_entry_id)
         SELECT st.id, x.line_no, x.order_id, x.union_id, x.completed_at, x.amount_fen, x.entry_id
           FROM st, jsonb_to_recordset($11::jsonb) AS x(line_no int, order_id uuid, union_id uuid, completed_at timestamptz, amount_fen bigint, entry_id bigint)`,
        [
          statementId,
          runId,
          s.supplierId,
          s.supplierOrganizationId,
          claimed[0].payableAccountId,
          claimed[0].completedAt,
          cutoff,
          claimed.length,
          this.config.settlementTimezone,
          total,
          JSON.stringify(claimed.map((o, i) => ({ line_no: i + 1, order_id: o.orderId, union_id: o.unionId, completed_at: o.completedAt, amount_fen: o.totalFen, entry_id: o.completionEntryId }))),
        ],
      );
      statements++;
      orderCount += claimed.length;
      totalFen += total;
    }
    await em.query(
      `INSERT INTO settlement_runs (id, trigger, requested_by, supplier_id, cutoff, statement_count, order_count, total_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [runId, req.trigger, req.user?.id ?? null, req.supplierId ?? null, cutoff, statements, orderCount, totalFen],
    );
    this.logger.log({ runId, trigger: req.trigger, statements, orders: orderCount, totalFen }, 'settlement run');
    return (await this.reader.run(runId, em))!;
  }
}
