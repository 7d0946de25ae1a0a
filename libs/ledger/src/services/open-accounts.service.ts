import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ACCOUNT_GUARDS, AccountGuard } from '../model/account-type';
import type { LedgerAccountView, OpenAccountInput } from '../model/ledger.types';
import { ACCOUNT_SELECT, AccountSqlRow, toAccountView } from './ledger-sql';

const CHUNK = 5000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE_RE = /^[a-z][a-z0-9_]{0,62}$/;

function invalid(index: number, field: string, reason: string): AppError {
  return new AppError('INVALID_LEDGER_ACCOUNT', `Ledger account ${index}: ${field} ${reason}`, 400, { index, field, reason });
}

/**
 * Opens accounts, idempotently on (type, ownerType, ownerId): opening an existing one returns it.
 * Bulk opening is one INSERT ... SELECT FROM unnest(...) per few thousand accounts.
 */
@Injectable()
export class OpenAccountsService {
  /** Types are never deleted, so a type seen once stays valid; only misses go to the database. */
  private readonly knownTypes = new Map<string, AccountGuard>();

  async defineType(em: EntityManager, code: string, defaultGuard: AccountGuard, description = ''): Promise<void> {
    if (!TYPE_RE.test(code)) throw new AppError('INVALID_ACCOUNT_TYPE', 'An account type is lower_snake_case, up to 63 characters', 400, { code });
    if (!ACCOUNT_GUARDS.includes(defaultGuard)) throw new AppError('INVALID_ACCOUNT_TYPE', `Unknown guard ${defaultGuard}`, 400, { defaultGuard });
    await em.query(`INSERT INTO ledger_account_types (code, default_guard, description) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING`, [code, defaultGuard, description]);
    const [row] = await em.query(`SELECT default_guard FROM ledger_account_types WHERE code = $1`, [code]);
    if (row.default_guard !== defaultGuard) {
      throw AppError.conflict('ACCOUNT_TYPE_EXISTS', `Account type ${code} exists with guard ${row.default_guard}`, { code, defaultGuard: row.default_guard });
    }
  }

  async open(em: EntityManager, inputs: OpenAccountInput[]): Promise<LedgerAccountView[]> {
    await this.check(em, inputs);
    const out: LedgerAccountView[] = [];
    for (let i = 0; i < inputs.length; i += CHUNK) out.push(...(await this.openChunk(em, inputs.slice(i, i + CHUNK))));
    return out;
  }

  /** What open() refuses, refused up front: bad input, unknown types, an overdraft on an unguarded type. */
  async check(em: EntityManager, inputs: OpenAccountInput[]): Promise<void> {
    inputs.forEach((input, i) => this.validate(input, i));
    const guards = await this.guardsOf(em, [...new Set(inputs.map((i) => i.type))]);
    inputs.forEach((input, i) => {
      if (guards.get(input.type) === 'none' && (input.overdraftLimit ?? 0) !== 0) {
        throw AppError.unprocessable('OVERDRAFT_NOT_ALLOWED', `Account type ${input.type} is unguarded: it takes no overdraft limit`, { index: i, type: input.type });
      }
    });
  }

  private validate(input: OpenAccountInput, index: number): void {
    if (typeof input?.type !== 'string' || !TYPE_RE.test(input.type)) throw invalid(index, 'type', 'must be an account type code');
    if (typeof input.ownerType !== 'string' || input.ownerType.length < 1 || input.ownerType.length > 64) throw invalid(index, 'ownerType', 'must be 1 to 64 characters');
    if (typeof input.ownerId !== 'string' || input.ownerId.length < 1 || input.ownerId.length > 200) throw invalid(index, 'ownerId', 'must be 1 to 200 characters');
    if (typeof input.organizationId !== 'string' || !UUID_RE.test(input.organizationId)) throw invalid(index, 'organizationId', 'must be a uuid');
    if (input.holderUserId != null && (typeof input.holderUserId !== 'string' || !UUID_RE.test(input.holderUserId))) throw invalid(index, 'holderUserId', 'must be a uuid or null');
    if (input.overdraftLimit !== undefined && (!Number.isSafeInteger(input.overdraftLimit) || input.overdraftLimit < 0)) {
      throw invalid(index, 'overdraftLimit', 'must be a non-negative safe integer (fen)');
    }
    if (input.metadata !== undefined && (input.metadata === null || typeof input.metadata !== 'object' || Array.isArray(input.metadata))) {
      throw invalid(index, 'metadata', 'must be an object');
    }
  }

  private async guardsOf(em: EntityManager, types: string[]): Promise<Map<string, AccountGuard>> {
    const missing = types.filter((t) => !this.knownTypes.has(t));
    if (missing.length) {
      const rows: { code: string; default_guard: AccountGuard }[] = await em.query(`SELECT code, default_guard FROM ledger_account_types WHERE code = ANY ($1::text[])`, [missing]);
      rows.forEach((r) => this.knownTypes.set(r.code, r.default_guard));
      const unknown = missing.filter((t) => !this.knownTypes.has(t));
      if (unknown.length) throw AppError.unprocessable('UNKNOWN_ACCOUNT_TYPE', `Unknown ledger account type ${unknown.join(', ')}`, { types: unknown });
    }
    return this.knownTypes;
  }

  private async openChunk(em: EntityManager, inputs: OpenAccountInput[]): Promise<LedgerAccountView[]> {
    const params = [
      inputs.map((i) => i.type),
      inputs.map((i) => i.ownerType),
      inputs.map((i) => i.ownerId),
      inputs.map((i) => i.organizationId),
      inputs.map((i) => i.holderUserId ?? null),
      inputs.map((i) => i.overdraftLimit ?? 0),
      inputs.map((i) => JSON.stringify(i.metadata ?? {})),
    ];
    // New accounts come back from the INSERT; existing ones (and ones a concurrent transaction
    // just committed, which ON CONFLICT skipped) are read afterwards.
    const inserted: AccountSqlRow[] = await em.query(
      `INSERT INTO ledger_accounts AS a (type, owner_type, owner_id, organization_id, holder_user_id, guard, overdraft_limit, metadata)
       SELECT i.type, i.owner_type, i.owner_id, i.org, i.holder, t.default_guard, i.lim, i.meta
         FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::bigint[], $7::jsonb[]) WITH ORDINALITY AS i (type, owner_type, owner_id, org, holder, lim, meta, ord)
         JOIN ledger_account_types t ON t.code = i.type
        ORDER BY i.ord
       ON CONFLICT (type, owner_type, owner_id) DO NOTHING
       RETURNING a.id, a.type, a.owner_type, a.owner_id, a.organization_id, a.holder_user_id, a.guard, a.overdraft_limit,
                 a.debits_posted AS debits, a.credits_posted AS credits, a.created_at`,
      params,
    );
    const key = (type: string, ownerType: string, ownerId: string) => `${type}\u0000${ownerType}\u0000${ownerId}`;
    const found = new Map<string, AccountSqlRow>(inserted.map((r) => [key(r.type, r.owner_type, r.owner_id), r]));
    const rest = inputs.filter((i) => !found.has(key(i.type, i.ownerType, i.ownerId)));
    if (rest.length) {
      const existing: AccountSqlRow[] = await em.query(
        `${ACCOUNT_SELECT}
          JOIN unnest($1::text[], $2::text[], $3::text[]) AS k (type, owner_type, owner_id)
            ON a.type = k.type AND a.owner_type = k.owner_type AND a.owner_id = k.owner_id`,
        [rest.map((i) => i.type), rest.map((i) => i.ownerType), rest.map((i) => i.ownerId)],
      );
      existing.forEach((r) => found.set(key(r.type, r.owner_type, r.owner_id), r));
    }
    return inputs.map((i) => {
      const row = found.get(key(i.type, i.ownerType, i.ownerId));
      if (!row) throw new Error(`ledger account ${i.type}/${i.ownerType}/${i.ownerId} neither inserted nor found`);
      return toAccountView(row);
    });
  }
}
