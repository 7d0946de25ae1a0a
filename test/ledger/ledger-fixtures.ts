import { TransactionRunner } from '@huigong/common';
import { AccountType, LedgerAccountView, LedgerService, OpenAccountInput, PostEntryInput } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

/** Small helpers for the ledger tests: open accounts and post through the real services. */
export class LedgerFixture {
  readonly ledger: LedgerService;
  readonly tx: TransactionRunner;
  readonly ds: DataSource;
  private seq = 0;

  constructor(readonly app: INestApplicationContext) {
    this.ledger = app.get(LedgerService);
    this.tx = app.get(TransactionRunner);
    this.ds = app.get(DataSource);
  }

  open(type: AccountType | string, input: Partial<OpenAccountInput> = {}): Promise<LedgerAccountView> {
    return this.tx.run((em) =>
      this.ledger.openAccount(em, { type, ownerType: 'test', ownerId: `${type}-${++this.seq}-${randomUUID()}`, organizationId: input.organizationId ?? randomUUID(), ...input }),
    );
  }

  post(input: Partial<PostEntryInput> & Pick<PostEntryInput, 'transfers'>) {
    return this.tx.run((em) => this.ledger.post(em, this.entry(input)));
  }

  entry(input: Partial<PostEntryInput> & Pick<PostEntryInput, 'transfers'>): PostEntryInput {
    return { kind: 'test', idempotencyKey: `k-${++this.seq}-${randomUUID()}`, reference: 'test:1', actor: 'system', ...input };
  }

  /** A funded guarded account: union funding → account. */
  async funded(type: AccountType, amount: number, input: Partial<OpenAccountInput> = {}): Promise<{ source: LedgerAccountView; account: LedgerAccountView }> {
    const source = await this.open(AccountType.UnionFunding);
    const account = await this.open(type, input);
    if (amount > 0) await this.post({ kind: 'deposit', transfers: [{ debitAccountId: source.id, creditAccountId: account.id, amount }] });
    return { source, account };
  }

  async count(table: string): Promise<number> {
    const [r] = await this.ds.query(`SELECT count(*)::int AS n FROM ${table}`);
    return r.n;
  }
}
