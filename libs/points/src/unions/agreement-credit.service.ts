import { OutboxService, QUEUES, toSafeNumber, TransactionRunner } from '@huigong/common';
import { LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotYetError } from '../distribution/not-yet.error';
import { UnionAccess } from '../shared/union-access.service';
import { AGREEMENT_IN_FORCE_SQL, BEIJING_TODAY } from './agreement-terms';

/** Job name and deterministic id of a credit-limit switch (a union's agreement boundary, Beijing date). */
export const AGREEMENT_JOBS = { creditSwitch: 'credit-switch' } as const;
export const agreementJobIds = {
  creditSwitch: (unionId: string, on: string) => `credit.${unionId.toLowerCase()}.${on}`,
};

export interface CreditApplied {
  /** the in-force agreement's credit limit (0 when none is in force) */
  targetFen: number;
  /** what the budget owes now: max(0, −balance) */
  owedFen: number;
  /** the overdraft limit the budget account has after this call: max(target, owed) */
  limitFen: number;
  changed: boolean;
}

/**
 * Keeps the budget account's overdraft limit (the credit line the ledger's guard enforces) equal to
 * the credit limit of the agreement in force today (AGREEMENT_IN_FORCE_SQL), 0 when none is.
 *
 * The limit changes at the agreement boundaries: at signing when the new term already covers today,
 * otherwise at the new term's start; and at a term's end (the day after, Beijing time) when no
 * agreement follows. Each boundary is a delayed `credit-switch` job through the outbox (id
 * `credit.<union>.<date>`), and the worker's reconciler (AgreementCreditReconciler) corrects any
 * union whose limit differs, so a lost job is recovered within JOB_RECONCILE_INTERVAL_MS. Approval
 * and adding members also apply it under their union lock, so an allocation always sees the limit of
 * the agreement in force that day even before the job ran.
 *
 * A limit below what is already owed: the ledger refuses a limit under the current overdraft (the
 * guard `balance ≥ −limit` must keep holding). At a switch the limit becomes max(new limit, owed):
 * nothing more can be allocated on credit (available = balance + limit = 0 while owing more than the
 * new limit), and as deposits pay the debt down the reconciler lowers the limit further, down to the
 * agreement's. At signing an agreement that takes effect at once is still refused with
 * CREDIT_LIMIT_BELOW_OWED (SignAgreementService).
 *
 * Callers hold the union row lock (FOR UPDATE), as signing and every budget debit take it: a switch
 * beside a signing or another switch waits, then reads the agreements committed by then, so it never
 * applies a stale limit.
 */
@Injectable()
export class AgreementCreditService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly access: UnionAccess,
    private readonly outbox: OutboxService,
    private readonly tx: TransactionRunner,
  ) {}

  /** Under the caller's union row lock: sets the budget's limit to max(in-force limit, owed). */
  async apply(em: EntityManager, union: { organizationId: string; budgetAccountId: string }): Promise<CreditApplied> {
    const [agreement] = await em.query(AGREEMENT_IN_FORCE_SQL, [union.organizationId]);
    const targetFen = agreement ? toSafeNumber(agreement.credit_limit_fen) : 0;
    const account = await this.ledgerQuery.account(union.budgetAccountId, em);
    const balance = Number(account?.balance ?? 0);
    const current = Number(account?.overdraftLimit ?? 0);
    const owedFen = Math.max(0, -balance);
    const limitFen = Math.max(targetFen, owedFen);
    if (limitFen === current) return { targetFen, owedFen, limitFen, changed: false };
    await this.ledger.setOverdraftLimit(em, union.budgetAccountId, limitFen);
    return { targetFen, owedFen, limitFen, changed: true };
  }

  /** The switch job's and the reconciler's work: one transaction, the union row locked first. */
  async sync(unionId: string, due?: string): Promise<CreditApplied & { unionId: string }> {
    // through the runner, as every use case: retried on deadlock or serialization failure
    return this.tx.run(async (em) => {
      if (due) {
        const [r] = await em.query(
          `SELECT $1::date > ${BEIJING_TODAY} AS early,
                  greatest(0, ceil(extract(epoch FROM ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai') - now()) * 1000))::float8 AS remaining_ms`,
          [due],
        );
        if (r.early) throw new NotYetError(`The credit-limit switch of union ${unionId}`, new Date(Date.now() + Number(r.remaining_ms)), Number(r.remaining_ms));
      }
      const union = await this.access.profile(unionId, em, 'update');
      return { unionId: union.organizationId, ...(await this.apply(em, union)) };
    });
  }

  /**
   * At signing: the switch jobs at the agreement's boundaries still ahead (its term start, the day
   * after its term end), delayed to 00:00 Beijing time by the database clock.
   */
  async enqueueSwitches(em: EntityManager, unionId: string, termStart: string, termEnd: string): Promise<void> {
    const rows: { on: string; delay_ms: string }[] = await em.query(
      `SELECT d::date::text AS on, greatest(0, floor(extract(epoch FROM (d::timestamp AT TIME ZONE 'Asia/Shanghai') - now()) * 1000))::bigint AS delay_ms
         FROM unnest(ARRAY[$1::date, $2::date + 1]) AS d WHERE d > ${BEIJING_TODAY}`,
      [termStart, termEnd],
    );
    await this.outbox.enqueue(
      em,
      ...rows.map((r) => ({
        queue: QUEUES.unionCredit,
        name: AGREEMENT_JOBS.creditSwitch,
        jobId: agreementJobIds.creditSwitch(unionId, r.on),
        payload: { unionId, on: r.on },
        delayMs: Number(r.delay_ms),
      })),
    );
  }
}
