import { AppError, AuthUser, TransactionRunner, validationFailed } from '@huigong/common';
import { LedgerService } from '@huigong/ledger';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ENTRY_KINDS, LEDGER_KEYS, REFERENCES } from '../shared/ledger-keys.constants';
import { UnionAccess } from '../shared/union-access.service';
import { DepositDto, RecordDepositDto } from './budget.dto';
import { Deposit } from './deposit.entity';

/**
 * A platform admin records money received from a union: funding → budget in the ledger, with the
 * bank reference as the natural idempotency key (the same transfer recorded twice posts once; the
 * same reference with other figures is refused).
 */
@Injectable()
export class RecordDepositService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: UnionAccess,
    private readonly ledger: LedgerService,
    private readonly dataSource: DataSource,
  ) {}

  async record(actor: AuthUser, unionId: string, dto: RecordDepositDto): Promise<DepositDto> {
    return this.tx.run(async (em) => {
      // serialises two recordings of the same transfer
      const union = await this.access.reach(actor, unionId, em, 'update');
      // money cannot have arrived tomorrow: today in China by the database's clock, the rule the
      // roster's join dates and the agreement's term follow (not the API process's clock or zone)
      const [{ future, today }] = await em.query(
        `SELECT $1::date > d AS future, d::text AS today FROM (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d) t`,
        [dto.receivedOn],
      );
      if (future) throw validationFailed([{ field: 'receivedOn', reasons: [`must not be after today (${today}, China time)`] }]);
      const existing = await em.findOne(Deposit, { where: { unionId, bankReference: dto.bankReference } });
      if (existing) {
        if (existing.amountFen !== dto.amountFen || existing.receivedOn !== dto.receivedOn) {
          throw AppError.conflict('DEPOSIT_REFERENCE_CONFLICT', `Bank reference ${dto.bankReference} was recorded with other figures`, {
            bankReference: dto.bankReference,
            recorded: { amountFen: existing.amountFen, receivedOn: existing.receivedOn },
          });
        }
        return { ...existing, replayed: true };
      }
      const id = randomUUID();
      const entry = await this.ledger.post(em, {
        kind: ENTRY_KINDS.deposit,
        // the stored id, not the URL's spelling (upper case passes ParseUUIDPipe): one key per transfer
        idempotencyKey: LEDGER_KEYS.deposit(union.organizationId, dto.bankReference),
        reference: REFERENCES.deposit(id),
        actor: actor.id,
        metadata: { unionId: union.organizationId, bankReference: dto.bankReference, receivedOn: dto.receivedOn },
        transfers: [{ debitAccountId: union.fundingAccountId, creditAccountId: union.budgetAccountId, amount: dto.amountFen }],
      });
      await em.insert(Deposit, {
        id,
        unionId: union.organizationId,
        amountFen: dto.amountFen,
        bankReference: dto.bankReference,
        receivedOn: dto.receivedOn,
        note: dto.note ?? null,
        ledgerEntryId: entry.id,
        recordedBy: actor.id,
      });
      return { ...(await em.findOneOrFail(Deposit, { where: { id } })), replayed: false };
    });
  }

  async list(actor: AuthUser, unionId: string): Promise<{ items: Deposit[]; totalFen: number }> {
    await this.access.reach(actor, unionId);
    const items = await this.dataSource.getRepository(Deposit).find({ where: { unionId }, order: { createdAt: 'DESC' } });
    return { items, totalFen: items.reduce((s, d) => s + d.amountFen, 0) };
  }
}
