import { AuthUser, hasRole, Page, Role } from '@huigong/common';
import { AccessScopeService, OrganizationsService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import type { EntryWithSeal, LedgerAccountView, Statement } from '../model/ledger.types';
import type { EntryProof } from '../sealing';
import { AccountFilter, AccountReadsService } from '../services/account-reads.service';
import { EntryReadsService } from '../services/entry-reads.service';

/**
 * The ledger as the HTTP API shows it, scoped: platform admins and auditors see everything; a union
 * admin the accounts of their union and the unions below it; supplier staff their supplier's
 * accounts; a worker the accounts they hold (their grants). An entry is visible when one of its
 * accounts is. Anything else answers 403 OUT_OF_SCOPE (and is recorded as a security event).
 */
@Injectable()
export class ScopedLedgerReadsService {
  constructor(
    private readonly accounts: AccountReadsService,
    private readonly entries: EntryReadsService,
    private readonly scope: AccessScopeService,
    private readonly orgs: OrganizationsService,
  ) {}

  async listAccounts(user: AuthUser, filter: AccountFilter, page: { limit: number; offset: number }): Promise<Page<LedgerAccountView>> {
    const scoped: AccountFilter = { ...filter };
    if (!this.scope.seesEverything(user)) {
      if (hasRole(user, Role.UnionAdmin)) scoped.organizationIds = await this.orgs.subtreeIds(user.organizationId);
      else if (hasRole(user, Role.SupplierStaff)) scoped.organizationIds = [user.organizationId];
      else scoped.holderUserId = user.id;
    }
    const { items, total } = await this.accounts.list(scoped, page);
    return { items, total, ...page };
  }

  async account(user: AuthUser, id: string, asOf?: Date): Promise<LedgerAccountView & { asOf?: string; balanceAsOf?: number }> {
    const account = await this.accounts.account(id);
    await this.assertVisible(user, [account], { accountId: id });
    if (!asOf) return account;
    return { ...account, asOf: asOf.toISOString(), balanceAsOf: await this.accounts.balance(id, asOf) };
  }

  async statement(user: AuthUser, id: string, q: { limit: number; cursor?: string }): Promise<Statement> {
    await this.assertVisible(user, [await this.accounts.account(id)], { accountId: id });
    return this.accounts.statement(id, q);
  }

  async entry(user: AuthUser, id: string): Promise<EntryWithSeal> {
    const entry = await this.entries.entry(id);
    await this.assertVisible(user, await this.accountsOf([entry]), { entryId: id });
    return entry;
  }

  /** Only the entries of the reference the user may see (an empty list is not an error). */
  async entriesByReference(user: AuthUser, reference: string): Promise<EntryWithSeal[]> {
    const found = await this.entries.entriesByReference(reference);
    if (this.scope.seesEverything(user) || !found.length) return found;
    const sees = await this.visibility(user);
    const visible = new Set((await this.accountsOf(found)).filter(sees).map((a) => a.id));
    return found.filter((e) => e.transfers.some((t) => visible.has(t.debitAccountId) || visible.has(t.creditAccountId)));
  }

  async proof(user: AuthUser, id: string): Promise<EntryProof> {
    await this.entry(user, id);
    return this.entries.proof(id);
  }

  private async accountsOf(entries: EntryWithSeal[]): Promise<LedgerAccountView[]> {
    const ids = [...new Set(entries.flatMap((e) => e.transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId])))];
    return this.accounts.byIds(ids);
  }

  /** Which accounts the user may see, as a predicate (one query at most, for a union admin's subtree). */
  private async visibility(user: AuthUser): Promise<(account: LedgerAccountView) => boolean> {
    if (this.scope.seesEverything(user)) return () => true;
    const unions = hasRole(user, Role.UnionAdmin) ? new Set(await this.orgs.subtreeIds(user.organizationId)) : null;
    return (a) =>
      (hasRole(user, Role.Worker) && a.holderUserId === user.id) ||
      (hasRole(user, Role.SupplierStaff) && a.organizationId === user.organizationId) ||
      (unions?.has(a.organizationId) ?? false);
  }

  private async assertVisible(user: AuthUser, accounts: LedgerAccountView[], detail: Record<string, unknown>): Promise<void> {
    const sees = await this.visibility(user);
    if (accounts.some(sees)) return;
    await this.scope.refuse(user, 'entryId' in detail ? 'Ledger entry' : 'Ledger account', detail);
  }
}
