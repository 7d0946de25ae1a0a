import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { AppError } from '../errors/app-error';

/** One value-moving request as the client identified it. */
export interface IdempotentRequest {
  /** the operation, e.g. 'checkout': the same key may be used for different operations */
  scope: string;
  userId: string;
  /** the client's `Idempotency-Key` header */
  key: string;
  /** `requestHash(body)`: the same key with a different body is refused */
  requestHash: string;
}

export type IdempotencyClaim<T> = { replay: false } | { replay: true; response: T };

/** JSON with object keys sorted, so equal bodies hash equally whatever the key order. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(stableJson(body)).digest('hex');
}

/**
 * Idempotency-Key handling for requests that move value, inside the caller's transaction.
 *
 * `claim` inserts the (scope, user, key) row first. A concurrent replay's INSERT ... ON CONFLICT
 * waits on the unique index until the first transaction ends: if it committed, the replay reads the
 * stored response; if it rolled back (a refusal), the replay claims the key and runs the request
 * itself. So replays arriving at the same moment all return the first result, and a refused
 * request leaves no trace (a retry re-evaluates it). The same key with another body is refused
 * with 409 IDEMPOTENCY_KEY_REUSED.
 */
@Injectable()
export class IdempotencyService {
  /** Whether this key already has a stored response (a retry that will be answered by replay). */
  async hasResponse(em: EntityManager, scope: string, userId: string, key: string): Promise<boolean> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM idempotency_requests WHERE scope = $1 AND user_id = $2 AND key = $3 AND response IS NOT NULL`, [scope, userId, key]);
    return rows.length > 0;
  }

  async claim<T>(em: EntityManager, req: IdempotentRequest): Promise<IdempotencyClaim<T>> {
    const inserted = await preparedQuery(
      em,
      'idempotency.claim',
      `INSERT INTO idempotency_requests (scope, user_id, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, user_id, key) DO NOTHING RETURNING 1`,
      [req.scope, req.userId, req.key, req.requestHash],
    );
    if (inserted.length) return { replay: false };
    const [row] = await preparedQuery<{ request_hash: string; response: unknown }>(
      em,
      'idempotency.stored',
      `SELECT request_hash, response FROM idempotency_requests WHERE scope = $1 AND user_id = $2 AND key = $3`,
      [req.scope, req.userId, req.key],
    );
    if (!row || row.response === null) {
      // cannot happen while claim and complete share a transaction; refuse rather than guess
      throw AppError.conflict('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed', { key: req.key });
    }
    if (row.request_hash !== req.requestHash) {
      throw AppError.conflict('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request', { key: req.key, scope: req.scope });
    }
    return { replay: true, response: row.response as T };
  }

  async complete(em: EntityManager, req: IdempotentRequest, response: unknown): Promise<void> {
    await preparedQuery(
      em,
      'idempotency.complete',
      `UPDATE idempotency_requests SET response = $4::jsonb, completed_at = now() WHERE scope = $1 AND user_id = $2 AND key = $3`,
      [req.scope, req.userId, req.key, JSON.stringify(response)],
    );
  }

  /**
   * For requests handled together in one transaction (group-committed checkouts): takes the
   * transaction-scoped advisory locks `serializeOn` in a fixed order (two batches never wait on each
   * other in a cycle), THEN reads what is stored under each request's key, in one round trip (the
   * function `idempotency_lock_and_lookup`: a new snapshot for the read, so a key committed by the
   * lock's previous holder while this waited is seen, and is replayed). Every claimant of these keys
   * takes the same lock first (every checkout key goes through here), so while the caller holds it a key found unused
   * stays unused: the caller records it with its response at the end (recordCompletedCte) and a
   * refused request leaves no row at all. Per request: not yet used (`replay: false`), a replay, or
   * the refusal claim() would give (IDEMPOTENCY_KEY_REUSED / _IN_USE).
   *
   * `lockTimeoutMs` (transaction-local, from before the locks on): how long this and every later
   * statement of the transaction may wait for a lock before failing with 55P03 (isLockTimeout).
   * `genericPlans`: also switch the rest of this transaction to generic plans (plan_cache_mode,
   * transaction-local), in the same statement. For hot paths whose prepared and plpgsql statements
   * take array parameters: PostgreSQL's default keeps choosing a custom plan for those and plans
   * them again on every call, which can cost more than running them. Only for statements whose
   * generic plan is known to be good (checked with EXPLAIN EXECUTE under force_generic_plan).
   */
  async lockAndLookup<T>(
    em: EntityManager,
    reqs: IdempotentRequest[],
    serializeOn: string[],
    opts: { lockTimeoutMs?: number; genericPlans?: boolean } = {},
  ): Promise<(IdempotencyClaim<T> | { error: AppError })[]> {
    if (!reqs.length) return [];
    const rows = await preparedQuery<{ user_id: string; scope: string; key: string; request_hash: string; response: unknown }>(
      em,
      'idempotency.lock-and-lookup',
      `SELECT user_id, scope, key, request_hash, response FROM idempotency_lock_and_lookup($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text, $6::boolean)`,
      [
        serializeOn,
        reqs.map((r) => r.userId),
        reqs.map((r) => r.scope),
        reqs.map((r) => r.key),
        opts.lockTimeoutMs ? `${Math.floor(opts.lockTimeoutMs)}ms` : null,
        opts.genericPlans ?? false,
      ],
    );
    const stored = new Map(rows.map((r) => [`${r.user_id}\u0000${r.scope}\u0000${r.key}`, r]));
    return reqs.map((req) => {
      const row = stored.get(`${req.userId.toLowerCase()}\u0000${req.scope}\u0000${req.key}`);
      if (!row) return { replay: false };
      if (row.response === null) return { error: AppError.conflict('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed', { key: req.key }) };
      if (row.request_hash !== req.requestHash) {
        return { error: AppError.conflict('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request', { key: req.key, scope: req.scope }) };
      }
      return { replay: true, response: row.response as T };
    });
  }

  /**
   * Records requests found unused by lockAndLookup, each with its response, as a data-modifying CTE
   * for the caller's own write statement. Parameters are numbered from `firstParam`.
   */
  recordCompletedCte(reqs: IdempotentRequest[], responses: unknown[], firstParam: number): { cte: string; params: unknown[] } {
    const n = firstParam;
    return {
      cte: `INSERT INTO idempotency_requests (scope, user_id, key, request_hash, response, completed_at)
            SELECT x.scope, x.user_id, x.key, x.request_hash, x.response, now()
              FROM unnest($${n}::text[], $${n + 1}::uuid[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::jsonb[]) AS x (scope, user_id, key, request_hash, response)`,
      params: [reqs.map((r) => r.scope), reqs.map((r) => r.userId), reqs.map((r) => r.key), reqs.map((r) => r.requestHash), responses.map((r) => JSON.stringify(r))],
    };
  }

  /** claim → work → complete, in the caller's transaction. */
  async run<T>(em: EntityManager, req: IdempotentRequest, work: () => Promise<T>): Promise<{ response: T; replayed: boolean }> {
    const claim = await this.claim<T>(em, req);
    if (claim.replay) return { response: claim.response, replayed: true };
    const response = await work();
    await this.complete(em, req, response);
    return { response, replayed: false };
  }
}
