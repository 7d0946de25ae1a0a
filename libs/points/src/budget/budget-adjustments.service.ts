import { AppError, AuthUser, IdempotencyService, TransactionRunner } from '@huigong/common';
import { AccessScopeService } from '@huigong/identity';
import { LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { idempotent } from '../shared/idempotent.util';
import { ENTRY_KINDS, LEDGER_KEYS, REFERENCES } from '../shared/ledger-keys.constants';
import { UnionAccess } from '../shared/union-access.service';
import { BudgetAdjustment } from './budget-adjustment.entity';
import { RequestAdjustmentDto } from './budget.dto';

/**
 * Manual corrections and withdrawals of a union budget, under the four-eyes rule: one platform admin
 * requests (with a reason), a different one approves, and only then does the entry post
 * (increase: funding → budget; decrease: budget → funding). The requester can never approve their
 * own request; the database refuses it too.
 */
@Injectable()
export class BudgetAdjustmentsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly scope: AccessScopeService,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
  ) {}

  async request(actor: AuthUser, unionId: string, dto: RequestAdjustmentDto): Promise<BudgetAdjustment> {
    return this.tx.run(async (em) => {
      await this.access.reach(actor, unionId, em);
      const saved = await em.save(
        em.create(BudgetAdjustment, { unionId, direction: dto.direction, amountFen: dto.amountFen, reason: dto.reason, status: 'pending', requestedBy: actor.id }),
      );
      return em.findOneOrFail(BudgetAdjustment, { where: { id: saved.id } });
    });
  }

  /** An optional Idempotency-Key: a retry after a lost response gets the first answer instead of ADJUSTMENT_ALREADY_DECIDED. */
  async approve(actor: AuthUser, id: string, note?: string, idempotencyKey?: string): Promise<BudgetAdjustment> {
    // hashed with the stored (lower-case) id: ParseUUIDPipe lets a URL spell it in upper case
    const body = { adjustmentId: id.toLowerCase(), note };
    return this.tx.run((em) =>
      idempotent(this.idempotency, em, { scope: 'adjustment.approve', userId: actor.id, key: idempotencyKey, body }, async () => {
        const adj = await this.lockPending(em, actor, id);
        // the union lock keeps a withdrawal's balance check true until commit (allocations take it too)
        const union = await this.access.profile(adj.unionId, em, 'update');
        if (adj.direction === 'decrease') {
          // a withdrawal gives back money the union has; it never draws on the credit limit
          const balance = await this.ledgerQuery.balance(union.budgetAccountId, undefined, em);
          if (balance < adj.amountFen) {
            throw AppError.unprocessable('INSUFFICIENT_BUDGET', 'The budget does not hold enough to withdraw this amount', {
              requiredFen: adj.amountFen,
              balanceFen: balance,
              shortfallFen: adj.amountFen - balance,
            });
          }
        }
        const [from, to] = adj.direction === 'increase' ? [union.fundingAccountId, union.budgetAccountId] : [union.budgetAccountId, union.fundingAccountId];
        const entry = await this.ledger.post(em, {
          kind: ENTRY_KINDS.adjustment,
          idempotencyKey: LEDGER_KEYS.adjustment(adj.id),
          reference: REFERENCES.adjustment(adj.id),
          actor: actor.id,
          metadata: { unionId: adj.unionId, direction: adj.direction, reason: adj.reason, requestedBy: adj.requestedBy, approvedBy: actor.id },
          transfers: [{ debitAccountId: from, creditAccountId: to, amount: adj.amountFen }],
        });
        await em.query(
          `UPDATE budget_adjustments SET status = 'approved', decided_by = $2, decided_at = now(), decision_note = $3, ledger_entry_id = $4 WHERE id = $1`,
          [id, actor.id, note ?? null, entry.id],
        );
        return em.findOneOrFail(BudgetAdjustment, { where: { id } });
      }),
    );
  }

  async reject(actor: AuthUser, id: string, note?: string): Promise<BudgetAdjustment> {
    return this.tx.run(async (em) => {
      await this.lockPending(em, actor, id);
      await em.query(`UPDATE budget_adjustments SET status = 'rejected', decided_by = $2, decided_at = now(), decision_note = $3 WHERE id = $1`, [id, actor.id, note ?? null]);
      return em.findOneOrFail(BudgetAdjustment, { where: { id } });
    });
  }

  async list(actor: AuthUser, q: { unionId?: string; status?: string }): Promise<BudgetAdjustment[]> {
    if (q.unionId) await this.access.reach(actor, q.unionId);
    else if (!this.scope.seesEverything(actor)) throw AppError.forbidden('Only platform admins and auditors list every union’s adjustments');
    const qb = this.dataSource.getRepository(BudgetAdjustment).createQueryBuilder('a').orderBy('a.requested_at', 'DESC').limit(500);
    if (q.unionId) qb.andWhere('a.union_id = :u', { u: q.unionId });
    if (q.status) qb.andWhere('a.status = :s', { s: q.status });
    return qb.getMany();
  }

  private async lockPending(em: EntityManager, actor: AuthUser, id: string): Promise<BudgetAdjustment> {
    const adj = await em.findOne(BudgetAdjustment, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!adj) throw AppError.notFound('Adjustment', id);
    if (adj.status !== 'pending') throw AppError.conflict('ADJUSTMENT_ALREADY_DECIDED', `This adjustment was already ${adj.status}`, { status: adj.status });
    if (adj.requestedBy === actor.id) {
      throw AppError.forbidden('A second platform admin must decide on this adjustment', 'SECOND_APPROVER_REQUIRED', { requestedBy: adj.requestedBy });
    }
    return adj;
  }
}
