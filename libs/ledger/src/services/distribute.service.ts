import { AppError, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InsufficientFundsError } from '../model/insufficient-funds.error';
import type { DistributeInput, DistributeOptions, DistributeResult } from '../model/ledger.types';
import { canonicalJson } from '../sealing';
import { isLedgerId } from './ledger-sql';

/** Credits per call of ledger_distribute: one set-based statement per few thousand. */
const BATCH = 5000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(field: string, reason: string): AppError {
  return new AppError('INVALID_LEDGER_ENTRY', `Ledger distribution: ${field} ${reason}`, 400, { field, reason });
}

function text(v: unknown, field: string, max: number, nullable = false): void {
  if (nullable && v === null) return;
  if (typeof v !== 'string' || v.length < 1 || v.length > max) throw invalid(field, `must be a string of 1 to ${max} characters`);
  if (v.includes('\u0000') || LONE_SURROGATE.test(v)) throw invalid(field, 'must not contain NUL characters or unpaired surrogates');
}

interface DistributeRow {
  status: 'posted' | 'unknown_account' | 'insufficient_funds' | 'conflict';
  posted: number;
  replayed: number;
  account_ids: string[] | null;
  detail: Record<string, string | number> | null;
}

/**
 * Bulk crediting (a campaign pool → one grant per worker): each credit is its own entry with its own
 * idempotency key, exactly as postMany would write it (same content hash, so either path recognises
 * the other's entries as replays), but written by ledger_distribute (migration 1765000000000) as a
 * handful of set-based statements per few thousand credits instead of the generic per-entry checks.
 * All or nothing within the caller's transaction.
 */
@Injectable()
export class DistributeService {
  async distribute(em: EntityManager, input: DistributeInput, opts: DistributeOptions = {}): Promise<DistributeResult> {
    this.validate(input);
    // the canonical content of one entry minus its transfers: ledger_distribute appends each one
    const hashHead = canonicalJson({ kind: input.kind, reference: input.reference, transfers: [] }).slice(0, -2);
    const credits = input.credits;
    if (opts.beforeDebit) {
      if (credits.length > BATCH) throw invalid('credits', `must hold at most ${BATCH} credits when the debit is deferred`);
      return this.creditsThenDebit(em, input, hashHead, opts.beforeDebit);
    }
    if (credits.length <= BATCH) return this.batch(em, input, hashHead, 0, credits.length);
    // several round trips: a refusal in a later batch must take the earlier ones back too
    await em.query('SAVEPOINT ledger_distribute');
    try {
      const out: DistributeResult = { posted: 0, replayed: 0, totalFen: 0, accountIds: [] };
      for (let i = 0; i < credits.length; i += BATCH) {
        const r = await this.batch(em, input, hashHead, i, Math.min(i + BATCH, credits.length));
        out.posted += r.posted;
        out.replayed += r.replayed;
        out.totalFen += r.totalFen;
        out.accountIds.push(...r.accountIds);
      }
      await em.query('RELEASE SAVEPOINT ledger_distribute');
      return out;
    } catch (err) {
      if (err instanceof AppError) await em.query('ROLLBACK TO SAVEPOINT ledger_distribute');
      throw err;
    }
  }

  /**
   * ledger_distribute_credits, the caller's hook, then ledger_distribute_debit, under one savepoint:
   * credits without their debit never survive a refusal or a throwing hook, even in a transaction the
   * caller goes on with.
   */
  private async creditsThenDebit(em: EntityManager, input: DistributeInput, hashHead: string, beforeDebit: (em: EntityManager) => Promise<void>): Promise<DistributeResult> {
    const { owners, holders, keys, amounts, total } = this.columns(input, 0, input.credits.length);
    await em.query('SAVEPOINT ledger_distribute');
    try {
      const [row]: (DistributeRow & { debit_fen: string | null })[] = await em.query(
        `SELECT * FROM ledger_distribute_credits($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10::uuid[], $11::text[], $12::bigint[])`,
        [input.debitAccountId, input.kind, input.reference, input.actor, input.accountType, input.ownerType, input.organizationId, hashHead, owners, holders, keys, amounts],
      );
      if (row.status !== 'posted') throw this.refusal(row, 0);
      await beforeDebit(em);
      const [debit]: Pick<DistributeRow, 'status' | 'detail'>[] = await em.query(`SELECT * FROM ledger_distribute_debit($1, $2)`, [input.debitAccountId, row.debit_fen]);
      if (debit.status !== 'posted') throw this.refusal({ ...debit, posted: 0, replayed: 0, account_ids: null }, 0);
      await em.query('RELEASE SAVEPOINT ledger_distribute');
      return { posted: row.posted, replayed: row.replayed, totalFen: total, accountIds: row.account_ids!.map(String) };
    } catch (err) {
      // (also after a database error inside the savepoint; if even that fails, the caller's rollback will)
      await em.query('ROLLBACK TO SAVEPOINT ledger_distribute').catch(() => undefined);
      throw err;
    }
  }

  private columns(input: DistributeInput, from: number, to: number) {
    const n = to - from;
    const owners: string[] = new Array(n);
    const holders: (string | null)[] = new Array(n);
    const keys: string[] = new Array(n);
    const amounts: number[] = new Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const c = input.credits[from + i];
      owners[i] = c.ownerId;
      holders[i] = c.holderUserId ?? null;
      keys[i] = c.idempotencyKey;
      amounts[i] = c.amount;
      total += c.amount;
    }
    return { owners, holders, keys, amounts, total };
  }

  private async batch(em: EntityManager, input: DistributeInput, hashHead: string, from: number, to: number): Promise<DistributeResult> {
    const { owners, holders, keys, amounts, total } = this.columns(input, from, to);
    const [row]: DistributeRow[] = await em.query(`SELECT * FROM ledger_distribute($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10::uuid[], $11::text[], $12::bigint[])`, [
      input.debitAccountId,
      input.kind,
      input.reference,
      input.actor,
      input.accountType,
      input.ownerType,
      input.organizationId,
      hashHead,
      owners,
      holders,
      keys,
      amounts,
    ]);
    if (row.status !== 'posted') throw this.refusal(row, from);
    const accountIds = row.account_ids!.map(String);
    // what the replays carried is what was asked (their content hash matched): same total
    return { posted: row.posted, replayed: row.replayed, totalFen: total, accountIds };
  }

  private validate(input: DistributeInput): void {
    if (!input || typeof input !== 'object') throw invalid('input', 'must be an object');
    if (!isLedgerId(input.debitAccountId)) throw invalid('debitAccountId', 'must be a ledger account id (decimal string)');
    text(input.kind, 'kind', 64);
    text(input.reference, 'reference', 200);
    text(input.actor, 'actor', 200, true);
    text(input.accountType, 'accountType', 63);
    text(input.ownerType, 'ownerType', 64);
    if (typeof input.organizationId !== 'string' || !UUID_RE.test(input.organizationId)) throw invalid('organizationId', 'must be a uuid');
    if (!Array.isArray(input.credits)) throw invalid('credits', 'must be an array');
    const keys = new Set<string>();
    const owners = new Set<string>();
    input.credits.forEach((c, i) => {
      text(c?.ownerId, `credits[${i}].ownerId`, 200);
      text(c.idempotencyKey, `credits[${i}].idempotencyKey`, 200);
      if (c.holderUserId != null && (typeof c.holderUserId !== 'string' || !UUID_RE.test(c.holderUserId))) throw invalid(`credits[${i}].holderUserId`, 'must be a uuid or null');
      if (!Number.isSafeInteger(c.amount) || c.amount <= 0) throw invalid(`credits[${i}].amount`, 'must be a positive safe integer (fen)');
      if (keys.has(c.idempotencyKey)) throw invalid(`credits[${i}].idempotencyKey`, 'is used twice in one distribution');
      if (owners.has(c.ownerId)) throw invalid(`credits[${i}].ownerId`, 'is credited twice in one distribution');
      keys.add(c.idempotencyKey);
      owners.add(c.ownerId);
    });
  }

  private refusal(row: DistributeRow, offset: number): Error {
    const d = row.detail ?? {};
    switch (row.status) {
      case 'insufficient_funds':
        return new InsufficientFundsError({
          accountId: String(d.accountId),
          shortfall: toSafeNumber(String(d.shortfall)),
          balance: toSafeNumber(String(d.balance)),
          attempted: toSafeNumber(String(d.attempted)),
          overdraftLimit: toSafeNumber(String(d.overdraftLimit)),
        });
      case 'conflict':
        return AppError.conflict('IDEMPOTENCY_CONFLICT', `Idempotency key ${d.idempotencyKey} was already used for a different entry (${d.entryId})`, {
          idempotencyKey: d.idempotencyKey,
          entryId: d.entryId,
          index: offset + Number(d.index),
        });
      case 'unknown_account':
        return AppError.unprocessable('ACCOUNT_NOT_FOUND', `Ledger account ${d.accountId} does not exist`, { accountId: d.accountId });
      default:
        return new Error(`unexpected distribution status ${String(row.status)}`);
    }
  }
}
