import { APP_CONFIG, AppConfig, AppError, AuthUser, IdempotencyService, requestHash, toSafeNumber, TransactionRunner } from '@huigong/common';
import { AccountType, LedgerQueryService, LedgerService } from '@huigong/ledger';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { StatementDetailView } from '../domain/settlement-views';
import { supplierLock } from './run-settlement.service';
import { StatementReader } from './statement-reader.service';

export interface PayoutInput {
  amountFen: number;
  bankReference: string;
  paidOn: string;
}

export const PAYOUT_ENTRY_KIND = 'supplier_payout';

/**
 * Records that the bank paid a statement: one ledger entry supplier payable → supplier paid out for
 * exactly the statement's total, and the payout row, in one transaction. A statement is paid once
 * (payouts of a supplier queue on its settlement lock, and settlement_payouts.statement_id is unique); the payable never
 * pays out more than it holds (checked under the supplier's settlement lock, and settled orders
 * can no longer be returned, so what a statement owes stays in the payable until it is paid).
 */
@Injectable()
export class RecordPayoutService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly ledgerQuery: LedgerQueryService,
    private readonly reader: StatementReader,
    private readonly idempotency: IdempotencyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async record(user: AuthUser, statementId: string, key: string, input: PayoutInput): Promise<StatementDetailView & { replayed: boolean }> {
    return this.tx.run(async (em) => {
      // hashed with the stored (lower-case) spelling of the id: ParseUUIDPipe lets a URL use upper case
      const req = { scope: 'settlement-payout', userId: user.id, key, requestHash: requestHash({ statementId: statementId.toLowerCase(), ...input }) };
      const { response, replayed } = await this.idempotency.run(em, req, () => this.pay(em, user, statementId, input));
      return { ...response, replayed };
    });
  }

  private async pay(em: EntityManager, user: AuthUser, urlStatementId: string, input: PayoutInput): Promise<StatementDetailView> {
    const [st] = await em.query(`SELECT id, supplier_id FROM settlement_statements WHERE id = $1`, [urlStatementId]);
    if (!st) throw AppError.notFound('Settlement statement', urlStatementId);
    // the stored id from here on, not the URL's spelling: the entry's key and reference are built from it
    const statementId: string = st.id;
    // payouts (and runs) of one supplier queue here, so the read below sees any payout committed before
    // (no row lock: the statement table is immutable, and the unique statement_id backs this up)
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [supplierLock(st.supplier_id)]);
    const [s] = await em.query(
      `SELECT s.*, p.id AS payout_id, p.bank_reference AS paid_reference,
              $2::date > (now() AT TIME ZONE $3)::date AS in_future,
              EXISTS (SELECT 1 FROM settlement_payouts x WHERE x.supplier_id = s.supplier_id AND x.bank_reference = $4) AS reference_used
         FROM settlement_statements s LEFT JOIN settlement_payouts p ON p.statement_id = s.id
        WHERE s.id = $1`,
      [statementId, input.paidOn, this.config.settlementTimezone, input.bankReference],
    );
    if (s.payout_id) throw AppError.conflict('STATEMENT_ALREADY_PAID', `Statement ${s.number} has already been paid`, { statementId, payoutId: s.payout_id, bankReference: s.paid_reference });
    const total = toSafeNumber(s.total_fen);
    if (input.amountFen !== total) {
      throw AppError.unprocessable('PAYOUT_AMOUNT_MISMATCH', `A statement is paid in full: statement ${s.number} totals ${total} fen`, { statementId, statementTotalFen: total, amountFen: input.amountFen });
    }
    if (s.in_future) throw AppError.unprocessable('PAID_ON_IN_FUTURE', 'paidOn is after today', { paidOn: input.paidOn });
    if (s.reference_used) throw AppError.conflict('BANK_REFERENCE_USED', `Bank reference ${input.bankReference} was already recorded for this supplier`, { bankReference: input.bankReference });
    const payable = String(s.payable_account_id);
    const balance = await this.ledgerQuery.balance(payable, undefined, em);
    if (balance < total) {
      // cannot happen while settled orders cannot be returned; never pay out what the payable does not hold
      throw AppError.conflict('PAYABLE_INSUFFICIENT', `The supplier's payable holds ${balance} fen, less than the statement's ${total}`, { payableAccountId: payable, balanceFen: balance, statementTotalFen: total });
    }
    const paidOut = await this.ledger.openAccount(em, {
      type: AccountType.SupplierPaidOut,
      ownerType: 'supplier',
      ownerId: s.supplier_id,
      organizationId: s.supplier_organization_id,
    });
    const entry = await this.ledger.post(em, {
      kind: PAYOUT_ENTRY_KIND,
      idempotencyKey: `settlement-payout:${statementId}`,
      reference: `statement:${statementId}`,
      actor: user.id,
      metadata: { statementId, statementNumber: s.number, supplierId: s.supplier_id, bankReference: input.bankReference, paidOn: input.paidOn },
      transfers: [{ debitAccountId: payable, creditAccountId: paidOut.id, amount: total }],
    });
    await em.query(
      `INSERT INTO settlement_payouts (statement_id, supplier_id, amount_fen, bank_reference, paid_on, ledger_entry_id, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [statementId, s.supplier_id, total, input.bankReference, input.paidOn, entry.id, user.id],
    );
    return this.reader.detail((await this.reader.summary(statementId, em))!, undefined, em);
  }
}
