// SQL fragments and row mapping shared by the ledger's services (internal, not exported).
import { AppError, toSafeNumber } from '@huigong/common';
import { CanonicalEntry, hashEntry } from '../sealing';
import type { AccountGuard } from '../model/account-type';
import type { EntityManager } from 'typeorm';
import type { EntryWithSeal, LedgerAccountView, PostedEntry } from '../model/ledger.types';

/** A timestamptz as the canonical encoding wants it: UTC, microseconds, exactly as stored. */
export const canonicalTime = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Account columns with the posted totals of both kinds (guarded: on the row; unguarded: summed shards). */
export const ACCOUNT_SELECT = `
  SELECT a.id, a.type, a.owner_type, a.owner_id, a.organization_id, a.holder_user_id, a.guard, a.overdraft_limit,
         a.debits_posted + coalesce(s.debits, 0) AS debits, a.credits_posted + coalesce(s.credits, 0) AS credits, a.created_at
    FROM ledger_accounts a
    LEFT JOIN LATERAL (SELECT sum(t.debits) AS debits, sum(t.credits) AS credits FROM ledger_account_totals t WHERE t.account_id = a.id) s ON a.guard = 'none'`;

export interface AccountSqlRow {
  id: string;
  type: string;
  owner_type: string;
  owner_id: string;
  organization_id: string;
  holder_user_id: string | null;
  guard: AccountGuard;
  overdraft_limit: string;
  debits: string | null;
  credits: string | null;
  created_at: Date | string;
}

export function toAccountView(r: AccountSqlRow): LedgerAccountView {
  const debitsPosted = toSafeNumber(r.debits);
  const creditsPosted = toSafeNumber(r.credits);
  return {
    id: String(r.id),
    type: r.type,
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    organizationId: r.organization_id,
    holderUserId: r.holder_user_id,
    guard: r.guard,
    overdraftLimit: toSafeNumber(r.overdraft_limit),
    debitsPosted,
    creditsPosted,
    balance: creditsPosted - debitsPosted,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** Ledger ids are bigints, passed around as canonical decimal strings. */
const ID_RE = /^[1-9][0-9]{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;

export function isLedgerId(v: unknown): v is string {
  return typeof v === 'string' && ID_RE.test(v) && BigInt(v) <= MAX_BIGINT;
}

export function assertLedgerId(v: unknown, what: string): string {
  if (!isLedgerId(v)) throw new AppError('INVALID_LEDGER_ID', `${what} must be a positive integer id given as a decimal string`, 400, { [what]: v });
  return v;
}

export interface EntrySqlRow {
  id: string;
  kind: string;
  idempotency_key: string;
  reference: string;
  actor: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
  block_height?: string | null;
  block_hash?: string | null;
}

export interface TransferSqlRow {
  id: string;
  entry_id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: string;
}

/** Entry columns for reading: created_at as the canonical text (a JS Date would lose microseconds). */
export const ENTRY_SELECT = `
  SELECT e.id, e.kind, e.idempotency_key, e.reference, e.actor, e.metadata, ${canonicalTime('e.created_at')} AS created_at,
         s.block_height, b.hash AS block_hash
    FROM ledger_entries e
    LEFT JOIN ledger_entry_seals s ON s.entry_id = e.id
    LEFT JOIN ledger_blocks b ON b.height = s.block_height`;

export function canonicalEntry(
  e: { id: string; kind: string; idempotencyKey: string; reference: string; actor: string | null; createdAt: string; metadata: unknown },
  transfers: readonly { debitAccountId: string; creditAccountId: string; amount: number | string }[],
): CanonicalEntry {
  return {
    id: String(e.id),
    kind: e.kind,
    idempotencyKey: e.idempotencyKey,
    reference: e.reference,
    actor: e.actor,
    createdAt: e.createdAt,
    metadata: e.metadata ?? null,
    transfers: transfers.map((t) => ({ debitAccountId: String(t.debitAccountId), creditAccountId: String(t.creditAccountId), amount: String(t.amount) })),
  };
}

export function toPostedEntry(e: EntrySqlRow, transfers: TransferSqlRow[], replayed = false): PostedEntry & { actor: string | null; metadata: Record<string, unknown> | null } {
  const ts = transfers.map((t) => ({ id: String(t.id), debitAccountId: String(t.debit_account_id), creditAccountId: String(t.credit_account_id), amount: toSafeNumber(t.amount) }));
  const base = { id: String(e.id), kind: e.kind, idempotencyKey: e.idempotency_key, reference: e.reference, actor: e.actor, createdAt: e.created_at, metadata: e.metadata };
  return {
    ...base,
    hash: hashEntry(canonicalEntry(base, ts)),
    transfers: ts,
    replayed,
  };
}

/** Entries matching `where` (appended to ENTRY_SELECT) with their transfers and seal, in two queries. */
export async function loadEntriesWithSeals(em: EntityManager, where: string, params: unknown[]): Promise<EntryWithSeal[]> {
  const entries: EntrySqlRow[] = await em.query(`${ENTRY_SELECT} ${where}`, params);
  if (!entries.length) return [];
  const transfers: TransferSqlRow[] = await em.query(
    `SELECT id, entry_id, debit_account_id, credit_account_id, amount FROM ledger_transfers WHERE entry_id = ANY ($1::bigint[]) ORDER BY id`,
    [entries.map((e) => e.id)],
  );
  const byEntry = new Map<string, TransferSqlRow[]>();
  for (const t of transfers) {
    const key = String(t.entry_id);
    const list = byEntry.get(key);
    if (list) list.push(t);
    else byEntry.set(key, [t]);
  }
  return entries.map((e) => ({
    ...toPostedEntry(e, byEntry.get(String(e.id)) ?? []),
    seal: e.block_height == null ? null : { blockHeight: Number(e.block_height), blockHash: String(e.block_hash) },
  }));
}
