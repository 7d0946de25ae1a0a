import { JobReconciler, JobWorkers, QUEUES } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { LedgerQueryService } from '@huigong/ledger';
import { DataSource } from 'typeorm';
import { runWhenDue } from '../distribution/run-when-due';
import { AGREEMENT_JOBS, AgreementCreditService } from './agreement-credit.service';
import { AGREEMENT_IN_FORCE_SQL } from './agreement-terms';

/** The credit-limit switch at an agreement boundary (worker process). Early by the database clock: waits again. */
@Injectable()
export class AgreementCreditProcessor {
  private readonly logger = new Logger(AgreementCreditProcessor.name);

  constructor(
    private readonly credit: AgreementCreditService,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.unionCredit, (job, token) => this.process(job, token));
  }

  async process(job: Job<{ unionId: string; on: string }>, token?: string): Promise<unknown> {
    if (job.name !== AGREEMENT_JOBS.creditSwitch) {
      this.logger.warn(`unknown union credit job ${job.name}`);
      return { ignored: true };
    }
    return runWhenDue(job, token, () => this.credit.sync(job.data.unionId, job.data.on));
  }
}

export interface CreditReconcileResult {
  ran: boolean;
  /** unions whose budget limit differed from max(in-force credit limit, owed) */
  lagging: number;
  /** unions whose limit was set */
  corrected: string[];
  failed: number;
}

/** pg_try_advisory_xact_lock key of this reconciler (distinct from the campaign reconciler's). */
export const CREDIT_RECONCILE_LOCK = 7_151_120_260_002;
const PAGE = 1000;

/**
 * The backstop for the credit-switch jobs, registered with the JobReconciler (worker process, every
 * JOB_RECONCILE_INTERVAL_MS). It reads every union's in-force credit limit (by the database clock)
 * beside its budget account's overdraft limit, a page at a time, and runs the switch itself
 * (AgreementCreditService.sync: a short transaction under the union row lock) for each union whose
 * limit differs from max(in-force limit, owed): a switch job lost with Redis, or one that failed,
 * is made up for within a tick, and a limit held up by a debt above the new agreement's limit is
 * lowered as deposits pay it down. It needs no BullMQ job: the switch is idempotent and computed
 * from the rows. One worker at a time (transaction advisory lock, tried, never waited for).
 */
@Injectable()
export class AgreementCreditReconciler {
  private readonly logger = new Logger(AgreementCreditReconciler.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly credit: AgreementCreditService,
    private readonly ledgerQuery: LedgerQueryService,
    reconciler: JobReconciler,
  ) {
    reconciler.register('agreement credit limits', () => this.reconcile());
  }

  async reconcile(): Promise<CreditReconcileResult> {
    const r: CreditReconcileResult = { ran: false, lagging: 0, corrected: [], failed: 0 };
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`, [CREDIT_RECONCILE_LOCK]);
      if (!locked) return r;
      r.ran = true;
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const unions: { id: string; target: string | null; account: string }[] = await qr.query(
          `SELECT u.organization_id AS id, f.credit_limit_fen AS target, u.budget_account_id::text AS account
             FROM unions u LEFT JOIN LATERAL (${AGREEMENT_IN_FORCE_SQL.replace('$1', 'u.organization_id')}) f ON true
            WHERE u.organization_id > $1
            ORDER BY u.organization_id LIMIT ${PAGE}`,
          [after],
        );
        const accounts = new Map((await this.ledgerQuery.accountsByIds(unions.map((u) => u.account), qr.manager)).map((a) => [a.id, a]));
        for (const u of unions) {
          const account = accounts.get(u.account);
          if (!account) continue;
          const want = Math.max(Number(u.target ?? 0), Math.max(0, -Number(account.balance)));
          if (want === Number(account.overdraftLimit)) continue;
          r.lagging++;
          try {
            if ((await this.credit.sync(u.id)).changed) r.corrected.push(u.id);
          } catch (err) {
            r.failed++;
            this.logger.warn({ unionId: u.id, err: (err as Error).message }, 'could not apply the credit limit of the agreement in force');
          }
        }
        if (unions.length < PAGE) break;
        after = unions[unions.length - 1].id;
      }
    } finally {
      await qr.rollbackTransaction().catch(() => undefined);
      await qr.release();
    }
    if (r.corrected.length) this.logger.log({ corrected: r.corrected.slice(0, 20) }, 'budget credit limits set to the agreement in force');
    return r;
  }
}
