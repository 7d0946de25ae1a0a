import { AppError, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InsufficientFundsError } from '../model/insufficient-funds.error';
import type { OpenAccountInput, PostedEntry, PostEntryInput, TransferInput } from '../model/ledger.types';
import { canonicalJson, CanonicalEncodingError, hashEntry, sha256Hex } from '../sealing';
import { canonicalEntry, isLedgerId } from './ledger-sql';

/** Entries per call of ledger_post_entries: big batches (distribution) go in a few round trips. */
const BATCH = 5000;
const MAX_TRANSFERS_PER_ENTRY = 1000;
const MAX_ID = 9223372036854775807n;

/** How a transfer names the k-th account opened by LedgerService.postOpening. */
export const NEW_ACCOUNT_PREFIX = 'new:';
export const newAccountRef = (k: number): string => `${NEW_ACCOUNT_PREFIX}${k}`;

interface Prepared {
  input: PostEntryInput;
  contentHash: string;
  metadataJson: string | null;
}

interface PostRow {
  ord: number;
  status: 'posted' | 'replayed' | 'conflict' | 'insufficient_funds' | 'unknown_account';
  entry_id: string | null;
  created_at: string | null;
  transfer_ids: string[] | null;
  actor: string | null;
  metadata: Record<string, unknown> | null;
  detail: Record<string, string> | null;
}

/** What makes a replay a replay: the same kind, reference and transfers (actor and metadata may differ). */
function prepareHash(input: PostEntryInput): string {
  return sha256Hex(canonicalJson({ kind: input.kind, reference: input.reference, transfers: input.transfers.map((t) => [t.debitAccountId, t.creditAccountId, t.amount]) }));
}

function invalid(index: number, field: string, reason: string): AppError {
  return new AppError('INVALID_LEDGER_ENTRY', `Ledger entry ${index}: ${field} ${reason}`, 400, { index, field, reason });
}

/** PostgreSQL text cannot hold NUL or unpaired surrogates: what it stored would not be what was hashed. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The same in JSON text: an escaped NUL or unpaired surrogate (JSON.stringify escapes those). */
const UNSTORABLE_JSON = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

function text(v: unknown, index: number, field: string, max: number, nullable = false): void {
  if (nullable && v === null) return;
  if (typeof v !== 'string' || v.length < 1 || v.length > max) throw invalid(index, field, `must be a string of 1 to ${max} characters`);
  if (v.includes('\u0000') || LONE_SURROGATE.test(v)) throw invalid(index, field, 'must not contain NUL characters or unpaired surrogates');
}

/**
 * Posting: validates entries, then hands the whole batch to ledger_post_entries (migration
 * 1764200000000), which locks, checks and writes in one round trip inside the caller's transaction.
 */
@Injectable()
export class PostEntriesService {
  async post(em: EntityManager, input: PostEntryInput): Promise<PostedEntry> {
    const [posted] = await this.postMany(em, [input]);
    return posted;
  }

  async postMany(em: EntityManager, inputs: PostEntryInput[]): Promise<PostedEntry[]> {
    const prepared = inputs.map((input, i) => this.prepare(input, i));
    // the same key twice in one batch: one entry (if the content agrees)
    const firstByKey = new Map<string, number>();
    const unique: Prepared[] = [];
    const slot: number[] = [];
    prepared.forEach((p, i) => {
      const first = firstByKey.get(p.input.idempotencyKey);
      if (first === undefined) {
        firstByKey.set(p.input.idempotencyKey, unique.length);
        slot.push(unique.length);
        unique.push(p);
      } else if (unique[first].contentHash !== p.contentHash) {
        throw AppError.conflict('IDEMPOTENCY_CONFLICT', `Idempotency key ${p.input.idempotencyKey} is used twice in one batch for different entries`, {
          idempotencyKey: p.input.idempotencyKey,
          index: i,
        });
      } else {
        slot.push(-first - 1); // a repeat of unique[first]
      }
    });
    let results: PostedEntry[];
    if (unique.length <= BATCH) {
      results = await this.postBatch(em, unique);
    } else {
      // several round trips: a refusal in a later batch must take the earlier ones back too
      await em.query('SAVEPOINT ledger_post_many');
      try {
        results = [];
        for (let i = 0; i < unique.length; i += BATCH) results.push(...(await this.postBatch(em, unique.slice(i, i + BATCH))));
        await em.query('RELEASE SAVEPOINT ledger_post_many');
      } catch (err) {
        if (err instanceof AppError) await em.query('ROLLBACK TO SAVEPOINT ledger_post_many');
        throw err;
      }
    }
    return slot.map((s) => (s >= 0 ? results[s] : { ...results[-s - 1], replayed: true }));
  }

  private prepare(input: PostEntryInput, index: number): Prepared {
    if (!input || typeof input !== 'object') throw invalid(index, 'entry', 'must be an object');
    text(input.kind, index, 'kind', 64);
    text(input.idempotencyKey, index, 'idempotencyKey', 200);
    text(input.reference, index, 'reference', 200);
    text(input.actor, index, 'actor', 200, true);
    if (!Array.isArray(input.transfers) || input.transfers.length < 1 || input.transfers.length > MAX_TRANSFERS_PER_ENTRY) {
      throw invalid(index, 'transfers', `must hold 1 to ${MAX_TRANSFERS_PER_ENTRY} transfers`);
    }
    input.transfers.forEach((t, j) => {
      if (!isLedgerId(t?.debitAccountId)) throw invalid(index, `transfers[${j}].debitAccountId`, 'must be a ledger account id (decimal string)');
      if (!isLedgerId(t.creditAccountId)) throw invalid(index, `transfers[${j}].creditAccountId`, 'must be a ledger account id (decimal string)');
      if (t.debitAccountId === t.creditAccountId) throw invalid(index, `transfers[${j}]`, 'must debit and credit different accounts');
      if (!Number.isSafeInteger(t.amount) || t.amount <= 0) throw invalid(index, `transfers[${j}].amount`, 'must be a positive safe integer (fen)');
    });
    let metadataJson: string | null = null;
    if (input.metadata !== undefined && input.metadata !== null) {
      if (typeof input.metadata !== 'object' || Array.isArray(input.metadata)) throw invalid(index, 'metadata', 'must be an object');
      try {
        canonicalJson(input.metadata); // it will be hashed: refuse now what could not be sealed later
      } catch (e) {
        if (e instanceof CanonicalEncodingError) throw invalid(index, 'metadata', `cannot be sealed: ${e.message}`);
        throw e;
      }
      metadataJson = JSON.stringify(input.metadata);
      if (UNSTORABLE_JSON.test(metadataJson)) throw invalid(index, 'metadata', 'must not contain NUL characters or unpaired surrogates');
    }
    const contentHash = prepareHash(input);
    return { input, contentHash, metadataJson };
  }

  /**
   * Opens `accounts` and posts `input` in one round trip (ledger_open_and_post_entry); a transfer
   * names the k-th new account as newAccountRef(k). The accounts must have been checked
   * (OpenAccountsService.check). Same guarantees as post().
   */
  async postOpening(em: EntityManager, accounts: OpenAccountInput[], input: PostEntryInput): Promise<{ entry: PostedEntry; accountIds: string[] }> {
    const ref = (v: string, j: number, field: string): { fake: string; sql: string } => {
      if (typeof v !== 'string' || !v.startsWith(NEW_ACCOUNT_PREFIX)) return { fake: v, sql: v };
      const k = Number(v.slice(NEW_ACCOUNT_PREFIX.length));
      if (!Number.isSafeInteger(k) || k < 0 || k >= accounts.length) throw invalid(0, `transfers[${j}].${field}`, `names new account ${v}, but ${accounts.length} are opened`);
      // validated as a distinct id no real account has; sent as -(k + 1)
      return { fake: String(MAX_ID - BigInt(k)), sql: String(-(k + 1)) };
    };
    const mapped = (input?.transfers ?? []).map((t, j) => ({ d: ref(t?.debitAccountId, j, 'debitAccountId'), c: ref(t?.creditAccountId, j, 'creditAccountId'), amount: t?.amount }));
    const prepared = this.prepare({ ...input, transfers: mapped.map((m) => ({ debitAccountId: m.d.fake, creditAccountId: m.c.fake, amount: m.amount })) }, 0);
    const hashHead = canonicalJson({ kind: input.kind, reference: input.reference, transfers: [] }).slice(0, -2);
    const rows: (PostRow & { account_ids: string[] | null })[] = await em.query(
      `SELECT * FROM ledger_open_and_post_entry($1::text[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[], $6, $7, $8, $9, $10, $11::jsonb, $12::bigint[], $13::bigint[], $14::bigint[])`,
      [
        accounts.map((a) => a.type),
        accounts.map((a) => a.ownerType),
        accounts.map((a) => a.ownerId),
        accounts.map((a) => a.organizationId),
        accounts.map((a) => JSON.stringify(a.metadata ?? {})),
        hashHead,
        input.idempotencyKey,
        input.kind,
        input.reference,
        input.actor,
        prepared.metadataJson,
        mapped.map((m) => m.d.sql),
        mapped.map((m) => m.c.sql),
        mapped.map((m) => m.amount),
      ],
    );
    const accountIds = (rows[0]?.account_ids ?? []).map(String);
    const real = (r: { fake: string; sql: string }) => (r.sql.startsWith('-') ? accountIds[-Number(r.sql) - 1] : r.fake);
    const transfers = mapped.map((m) => ({ debitAccountId: real(m.d), creditAccountId: real(m.c), amount: m.amount }));
    const r = this.toPosted(rows, [{ ...prepared, input: { ...input, transfers } }]);
    if ('refused' in r) throw r.error;
    return { entry: r.entries[0], accountIds };
  }

  private async postBatch(em: EntityManager, batch: Prepared[]): Promise<PostedEntry[]> {
    const r = await this.tryBatch(em, batch);
    if ('refused' in r) throw r.error;
    return r.entries;
  }

  /**
   * Posts entries that are business events of their own, together: one outcome per input, and a
   * refused or invalid entry does not stop the others (nothing of it is written; the rest are
   * posted in the same transaction). GroupCommitPoster builds on this.
   */
  async postGroup(em: EntityManager, inputs: PostEntryInput[]): Promise<({ entry: PostedEntry } | { error: Error })[]> {
    const out: ({ entry: PostedEntry } | { error: Error } | undefined)[] = new Array(inputs.length);
    const firstByKey = new Map<string, number>();
    const todo: { index: number; prepared: Prepared }[] = [];
    const repeats: [number, number][] = [];
    inputs.forEach((input, i) => {
      let prepared: Prepared;
      try {
        prepared = this.prepare(input, i);
      } catch (error) {
        out[i] = { error: error as Error };
        return;
      }
      const first = firstByKey.get(input.idempotencyKey);
      if (first === undefined) {
        firstByKey.set(input.idempotencyKey, i);
        todo.push({ index: i, prepared });
      } else repeats.push([i, first]);
    });
    for (let start = 0; start < todo.length; start += BATCH) {
      let chunk = todo.slice(start, start + BATCH);
      while (chunk.length) {
        const r = await this.tryBatch(em, chunk.map((c) => c.prepared));
        if ('entries' in r) {
          r.entries.forEach((entry, k) => (out[chunk[k].index] = { entry }));
          break;
        }
        // nothing was written: drop the refused entry and post the rest
        out[chunk[r.refused].index] = { error: r.error };
        chunk = chunk.filter((_, k) => k !== r.refused);
      }
    }
    for (const [i, first] of repeats) {
      const o = out[first]!;
      out[i] =
        'error' in o
          ? o
          : prepareHash(inputs[i]) === prepareHash(inputs[first])
            ? { entry: { ...o.entry, replayed: true } }
            : { error: AppError.conflict('IDEMPOTENCY_CONFLICT', `Idempotency key ${inputs[i].idempotencyKey} was already used for a different entry (${o.entry.id})`, { idempotencyKey: inputs[i].idempotencyKey, entryId: o.entry.id }) };
    }
    return out as ({ entry: PostedEntry } | { error: Error })[];
  }

  /**
   * Posts entries that are business events of their own, together, all or none: one round trip
   * (per 5,000) when none is refused. At the first refused or invalid entry it stops and answers
   * its index and error without posting the rest; what earlier batches wrote stays in the caller's
   * transaction, which must then be rolled back (group-committed checkouts roll the group back and
   * place it again without the refused one). The same key twice: one entry if the content agrees
   * (the repeat is `replayed`), else the repeat is refused with IDEMPOTENCY_CONFLICT.
   */
  async postAllOrRefusal(em: EntityManager, inputs: PostEntryInput[]): Promise<{ entries: PostedEntry[] } | { refused: number; error: Error }> {
    const unique: { index: number; prepared: Prepared }[] = [];
    const firstByKey = new Map<string, number>();
    const slot: number[] = [];
    for (let i = 0; i < inputs.length; i++) {
      let prepared: Prepared;
      try {
        prepared = this.prepare(inputs[i], i);
      } catch (error) {
        return { refused: i, error: error as Error };
      }
      const first = firstByKey.get(prepared.input.idempotencyKey);
      if (first === undefined) {
        firstByKey.set(prepared.input.idempotencyKey, unique.length);
        slot.push(unique.length);
        unique.push({ index: i, prepared });
      } else if (unique[first].prepared.contentHash !== prepared.contentHash) {
        return {
          refused: i,
          error: AppError.conflict('IDEMPOTENCY_CONFLICT', `Idempotency key ${prepared.input.idempotencyKey} is used twice in one batch for different entries`, {
            idempotencyKey: prepared.input.idempotencyKey,
            index: i,
          }),
        };
      } else slot.push(-first - 1);
    }
    const posted: PostedEntry[] = [];
    for (let start = 0; start < unique.length; start += BATCH) {
      const chunk = unique.slice(start, start + BATCH);
      const r = await this.tryBatch(em, chunk.map((c) => c.prepared));
      if ('refused' in r) return { refused: chunk[r.refused].index, error: r.error };
      posted.push(...r.entries);
    }
    return { entries: slot.map((s) => (s >= 0 ? posted[s] : { ...posted[-s - 1], replayed: true })) };
  }

  private async tryBatch(em: EntityManager, batch: Prepared[]): Promise<{ entries: PostedEntry[] } | { refused: number; error: Error }> {
    const tEntry: number[] = [];
    const tDebit: string[] = [];
    const tCredit: string[] = [];
    const tAmount: number[] = [];
    batch.forEach((p, i) =>
      p.input.transfers.forEach((t) => {
        tEntry.push(i + 1);
        tDebit.push(t.debitAccountId);
        tCredit.push(t.creditAccountId);
        tAmount.push(t.amount);
      }),
    );
    const rows: PostRow[] =
      batch.length === 1
        ? // the order path: ledger_post_entry does one entry in three statements
          await em.query(`SELECT * FROM ledger_post_entry($1, $2, $3, $4, $5::jsonb, $6, $7::bigint[], $8::bigint[], $9::bigint[])`, [
            batch[0].input.idempotencyKey,
            batch[0].input.kind,
            batch[0].input.reference,
            batch[0].input.actor,
            batch[0].metadataJson,
            batch[0].contentHash,
            tDebit,
            tCredit,
            tAmount,
          ])
        : await em.query(
            `SELECT * FROM ledger_post_entries($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::int[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[])`,
            [
              batch.map((p) => p.input.idempotencyKey),
              batch.map((p) => p.input.kind),
              batch.map((p) => p.input.reference),
              batch.map((p) => p.input.actor),
              batch.map((p) => p.metadataJson),
              batch.map((p) => p.contentHash),
              batch.map((p) => p.input.transfers.length),
              tEntry,
              tDebit,
              tCredit,
              tAmount,
            ],
          );
    return this.toPosted(rows, batch);
  }

  /** ledger_post_entry / ledger_post_entries rows → the entries in input order, or the refusal. */
  private toPosted(rows: PostRow[], batch: Prepared[]): { entries: PostedEntry[] } | { refused: number; error: Error } {
    const failure = rows.find((r) => r.status !== 'posted' && r.status !== 'replayed');
    if (failure) return { refused: failure.ord - 1, error: this.refusal(failure, batch[failure.ord - 1]?.input) };
    if (rows.length !== batch.length) throw new Error(`ledger_post_entries returned ${rows.length} rows for ${batch.length} entries`);
    const out: PostedEntry[] = new Array(batch.length);
    for (const r of rows) {
      const input = batch[r.ord - 1].input;
      const ids = r.transfer_ids ?? [];
      const transfers: (TransferInput & { id: string })[] = input.transfers.map((t, j) => ({
        id: String(ids[j]),
        debitAccountId: t.debitAccountId,
        creditAccountId: t.creditAccountId,
        amount: t.amount,
      }));
      const entry = {
        id: String(r.entry_id),
        kind: input.kind,
        idempotencyKey: input.idempotencyKey,
        reference: input.reference,
        actor: r.actor,
        createdAt: r.created_at!,
        metadata: r.metadata,
      };
      out[r.ord - 1] = {
        id: entry.id,
        kind: entry.kind,
        idempotencyKey: entry.idempotencyKey,
        reference: entry.reference,
        createdAt: entry.createdAt,
        hash: hashEntry(canonicalEntry(entry, transfers)),
        transfers,
        replayed: r.status === 'replayed',
      };
    }
    return { entries: out };
  }

  private refusal(row: PostRow, input: PostEntryInput | undefined): Error {
    const d = row.detail ?? {};
    switch (row.status) {
      case 'insufficient_funds':
        return new InsufficientFundsError({
          accountId: d.accountId,
          shortfall: toSafeNumber(d.shortfall),
          balance: toSafeNumber(d.balance),
          attempted: toSafeNumber(d.attempted),
          overdraftLimit: toSafeNumber(d.overdraftLimit),
        });
      case 'conflict':
        return AppError.conflict('IDEMPOTENCY_CONFLICT', `Idempotency key ${d.idempotencyKey} was already used for a different entry (${d.entryId})`, {
          idempotencyKey: d.idempotencyKey,
          entryId: d.entryId,
        });
      case 'unknown_account':
        return AppError.unprocessable('ACCOUNT_NOT_FOUND', `Ledger account ${d.accountId} does not exist`, { accountId: d.accountId, idempotencyKey: input?.idempotencyKey });
      default:
        return new Error(`unexpected posting status ${row.status}`);
    }
  }
}
