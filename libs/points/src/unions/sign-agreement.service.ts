import { AppError, AuthUser, TransactionRunner } from '@huigong/common';
import { LedgerQueryService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { UnionAccess } from '../shared/union-access.service';
import { AgreementCreditService } from './agreement-credit.service';
import { AGREEMENT_STATE_SQL, AgreementState, BEIJING_TODAY } from './agreement-terms';
import { Agreement } from './agreement.entity';
import { SignAgreementDto } from './union.dto';

export type AgreementView = Agreement & { status: AgreementState; inForce: boolean };

/**
 * Records a signed welfare purchase agreement. Which agreement is in force is computed from the
 * terms (agreement-terms.ts): the most recently recorded one whose term covers today, Beijing time. So a
 * renewal signed ahead of time leaves the current agreement in force, and its credit limit on the
 * budget, until the renewal's term starts; AgreementCreditService switches the limit then (a
 * delayed job, with the reconciler as backstop), and at once when the new term already covers today.
 */
@Injectable()
export class SignAgreementService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly credit: AgreementCreditService,
    private readonly dataSource: DataSource,
  ) {}

  async sign(actor: AuthUser, unionId: string, dto: SignAgreementDto): Promise<AgreementView> {
    if (dto.termEnd < dto.termStart) {
      throw AppError.unprocessable('INVALID_TERM', 'termEnd is before termStart', { termStart: dto.termStart, termEnd: dto.termEnd });
    }
    return this.tx.run(async (em) => {
      // the union lock orders this against allocations that read the limit and against the credit switch
      const union = await this.access.reach(actor, unionId, em, 'update');
      const [{ covers }] = await em.query(`SELECT ${BEIJING_TODAY} BETWEEN $1::date AND $2::date AS covers`, [dto.termStart, dto.termEnd]);
      if (covers) {
        // takes effect at once: its limit must hold what is owed now. A renewal that starts later is
        // checked at its start by the switch, which keeps the limit at what is owed (see AgreementCreditService).
        const balance = await this.ledgerQuery.balance(union.budgetAccountId, undefined, em);
        if (balance < -dto.creditLimitFen) {
          throw AppError.unprocessable('CREDIT_LIMIT_BELOW_OWED', 'The union already owes more than the new credit limit', {
            owedFen: -balance,
            creditLimitFen: dto.creditLimitFen,
          });
        }
      }
      const saved = await em.save(
        em.create(Agreement, {
          unionId: union.organizationId,
          number: dto.number,
          signedOn: dto.signedOn,
          termStart: dto.termStart,
          termEnd: dto.termEnd,
          expectedHeadcount: dto.expectedHeadcount,
          expectedAmountFen: dto.expectedAmountFen,
          creditLimitFen: dto.creditLimitFen,
          documentRef: dto.documentRef ?? null,
          createdBy: actor.id,
        }),
      );
      await this.credit.apply(em, union);
      await this.credit.enqueueSwitches(em, union.organizationId, dto.termStart, dto.termEnd);
      return (await this.views(em, union.organizationId, saved.id))[0];
    });
  }

  async list(actor: AuthUser, unionId: string): Promise<AgreementView[]> {
    const union = await this.access.reach(actor, unionId);
    return this.views(this.dataSource.manager, union.organizationId);
  }

  /** The union's agreements (or one), newest first, each with its state today by the database clock. */
  private async views(em: EntityManager, unionId: string, id?: string): Promise<AgreementView[]> {
    const rows: { id: string; status: AgreementState }[] = await em.query(
      `SELECT a.id, ${AGREEMENT_STATE_SQL('a')} AS status FROM union_agreements a
        WHERE a.union_id = $1 AND ($2::uuid IS NULL OR a.id = $2::uuid)`,
      [unionId, id ?? null],
    );
    const status = new Map(rows.map((r) => [r.id, r.status]));
    const agreements = await em.getRepository(Agreement).find({ where: id ? { unionId, id } : { unionId }, order: { createdAt: 'DESC', id: 'DESC' } });
    return agreements.map((a) => Object.assign(a, { status: status.get(a.id)!, inForce: status.get(a.id) === 'active' }));
  }
}
