import { AppError, AuthUser, TransactionRunner } from '@huigong/common';
import { LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnionAccess } from '../shared/union-access.service';
import { Agreement } from './agreement.entity';
import { SignAgreementDto } from './union.dto';

/**
 * Records a signed welfare purchase agreement. The new agreement supersedes the one in force, and
 * its credit limit becomes the budget account's overdraft limit in the ledger: the union may
 * allocate up to its deposits plus that limit.
 */
@Injectable()
export class SignAgreementService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly dataSource: DataSource,
  ) {}

  async sign(actor: AuthUser, unionId: string, dto: SignAgreementDto): Promise<Agreement> {
    if (dto.termEnd < dto.termStart) {
      throw AppError.unprocessable('INVALID_TERM', 'termEnd is before termStart', { termStart: dto.termStart, termEnd: dto.termEnd });
    }
    return this.tx.run(async (em) => {
      // the union lock orders this against allocations that read the limit
      const union = await this.access.reach(actor, unionId, em, 'update');
      const balance = await this.ledgerQuery.balance(union.budgetAccountId, undefined, em);
      if (balance < -dto.creditLimitFen) {
        throw AppError.unprocessable('CREDIT_LIMIT_BELOW_OWED', 'The union already owes more than the new credit limit', {
          owedFen: -balance,
          creditLimitFen: dto.creditLimitFen,
        });
      }
      await em.query(`UPDATE union_agreements SET status = 'superseded' WHERE union_id = $1 AND status = 'active'`, [unionId]);
      const saved = await em.save(
        em.create(Agreement, {
          unionId,
          number: dto.number,
          signedOn: dto.signedOn,
          termStart: dto.termStart,
          termEnd: dto.termEnd,
          expectedHeadcount: dto.expectedHeadcount,
          expectedAmountFen: dto.expectedAmountFen,
          creditLimitFen: dto.creditLimitFen,
          documentRef: dto.documentRef ?? null,
          status: 'active',
          createdBy: actor.id,
        }),
      );
      await this.ledger.setOverdraftLimit(em, union.budgetAccountId, dto.creditLimitFen);
      return (await em.findOne(Agreement, { where: { id: saved.id } }))!;
    });
  }

  async list(actor: AuthUser, unionId: string): Promise<Agreement[]> {
    await this.access.reach(actor, unionId);
    return this.dataSource.getRepository(Agreement).find({ where: { unionId }, order: { createdAt: 'DESC' } });
  }
}
