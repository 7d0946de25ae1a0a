import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isUuid } from './catalog-helpers';

export interface StockLine {
  skuId: string;
  quantity: number;
}

/** Quantities per SKU, duplicates merged, sorted by SKU id: every writer locks SKU rows in this order. */
function mergeLines(lines: StockLine[]): { ids: string[]; quantities: number[] } {
  const byId = new Map<string, number>();
  for (const l of lines) {
    if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) {
      throw new AppError('INVALID_QUANTITY', 'Quantities must be positive whole numbers', 400, { skuId: l.skuId, quantity: l.quantity });
    }
    const id = String(l.skuId).toLowerCase();
    byId.set(id, (byId.get(id) ?? 0) + l.quantity);
  }
  const ids = [...byId.keys()].sort();
  return { ids, quantities: ids.map((id) => byId.get(id)!) };
}

/**
 * Stock changes, always in the caller's transaction and always as a movement beside the cached
 * stock on the SKU row. Stock never goes below zero: rows are locked in SKU id order, checked, then
 * changed with a conditional UPDATE (and the CHECK constraint stands behind it).
 */
@Injectable()
export class StockService {
  /**
   * Takes stock for many orders at once (group-committed checkouts), as data-modifying CTEs for the
   * caller's own write statement, so that the stock takes no round trip of its own (the checkout
   * group's last statement writes its rows and reserves their stock). Each SKU row is locked (in
   * id order) and decremented once by what all the orders take of it, but only if every SKU covers
   * what they all take; each order gets its own 'sale' movements with its own reference (a cancel
   * releases by reference), their stock_after in the order given. Parameters are numbered from
   * `firstParam`. The caller's statement must select `select` (three
   * columns named stock_*) and hand its row to `shortOf`: `null` when everything was reserved, else
   * the locked stock of every SKU, and then nothing of the stock was written — the caller must roll
   * its transaction back. `null` for no lines at all.
   *
   * `after`: a CTE of the caller's (one row, a column `n`) that the lock joins, so that PostgreSQL
   * runs it first. Without it the final SELECT reads the stock first and the rows are locked before
   * the caller's other CTEs run (data-modifying CTEs nobody reads run after the main query): a
   * caller whose inserts should not run while it holds hot SKU rows reads them all in `after`.
   */
  reserveManyCte(
    reservations: { reference: string; lines: StockLine[] }[],
    firstParam: number,
    after?: string,
  ): { ctes: string; select: string; params: unknown[]; shortOf(row: Record<string, unknown>): Map<string, number> | null } | null {
    const ids: string[] = [];
    const quantities: number[] = [];
    const references: string[] = [];
    for (const r of reservations) {
      const merged = mergeLines(r.lines);
      const bad = merged.ids.find((id) => !isUuid(id));
      if (bad) throw AppError.notFound('SKU', bad);
      merged.ids.forEach((id, i) => {
        ids.push(id);
        quantities.push(merged.quantities[i]);
        references.push(r.reference);
      });
    }
    if (!ids.length) return null;
    const [a, b, c] = [firstParam, firstParam + 1, firstParam + 2];
    return {
      ctes: `stock_req AS (SELECT * FROM unnest($${a}::uuid[], $${b}::int[], $${c}::text[]) WITH ORDINALITY AS r(id, q, ref, n)),
            stock_tot AS (SELECT stock_req.id, sum(stock_req.q)::int AS q FROM stock_req GROUP BY stock_req.id),
            stock_locked AS (SELECT k.id, k.stock FROM skus k${after ? `, ${after}` : ''} WHERE k.id = ANY ($${a}::uuid[])${after ? ` AND ${after}.n >= 0` : ''} ORDER BY k.id FOR UPDATE OF k),
            stock_chk AS (SELECT count(*) AS found, count(*) FILTER (WHERE l.stock < t.q) AS short FROM stock_locked l JOIN stock_tot t ON t.id = l.id),
            stock_upd AS (UPDATE skus k SET stock = k.stock - t.q, updated_at = now() FROM stock_tot t, stock_chk
                           WHERE k.id = t.id AND stock_chk.found = (SELECT count(*) FROM stock_tot) AND stock_chk.short = 0 AND k.stock >= t.q
                           RETURNING k.id, k.stock + t.q AS before),
            stock_mv AS (INSERT INTO stock_movements (sku_id, kind, delta, stock_after, reference)
                         SELECT r.id, 'sale', -r.q, u.before - sum(r.q) OVER (PARTITION BY r.id ORDER BY r.n), r.ref
                           FROM stock_req r JOIN stock_upd u ON u.id = r.id ORDER BY r.n
                         RETURNING 1)`,
      select: `(SELECT count(*) FROM stock_mv)::int AS stock_moved, cardinality($${a}::uuid[]) AS stock_wanted,
               (SELECT json_agg(json_build_object('id', l.id, 'stock', l.stock)) FROM stock_locked l) AS stock_locked`,
      params: [ids, quantities, references],
      shortOf: (row) => {
        if (row.stock_moved === row.stock_wanted) return null;
        return new Map(((row.stock_locked as { id: string; stock: number }[] | null) ?? []).map((x) => [x.id, x.stock]));
      },
    };
  }

  /**
   * Gives stock back (cancel, refund) as 'release' movements. Never more than `reference` took and has
   * not yet given back: RELEASE_EXCEEDS_RESERVED (409) otherwise, so a repeated cancel cannot mint stock.
   */
  async release(em: EntityManager, lines: StockLine[], reference: string): Promise<void> {
    const { ids, quantities } = mergeLines(lines);
    if (!ids.length) return;
    await this.lock(em, ids);
    const outstanding: { sku_id: string; n: number }[] = await em.query(
      `SELECT sku_id, (-sum(delta))::int AS n FROM stock_movements
        WHERE reference = $1 AND sku_id = ANY($2::uuid[]) AND kind IN ('sale', 'release') GROUP BY sku_id`,
      [reference, ids],
    );
    const open = new Map(outstanding.map((r) => [r.sku_id, r.n]));
    ids.forEach((id, i) => {
      const reserved = open.get(id) ?? 0;
      if (quantities[i] > reserved) {
        throw AppError.conflict('RELEASE_EXCEEDS_RESERVED', `Reference ${reference} holds only ${reserved} of SKU ${id}`, {
          skuId: id,
          requested: quantities[i],
          reserved,
          reference,
        });
      }
    });
    await em.query(
      `WITH req AS (SELECT * FROM unnest($1::uuid[], $2::int[]) AS r(id, q)),
            upd AS (UPDATE skus k SET stock = k.stock + req.q, updated_at = now() FROM req WHERE k.id = req.id RETURNING k.id, req.q, k.stock)
       INSERT INTO stock_movements (sku_id, kind, delta, stock_after, reference)
       SELECT id, 'release', q, stock, $3::text FROM upd`,
      [ids, quantities, reference],
    );
  }

  /**
   * A supplier's correction (delivery received, breakage, count). Returns the new stock; refuses with
   * STOCK_WOULD_GO_NEGATIVE (409) rather than going below zero. With an idempotency key a repeated
   * request returns the first result and changes nothing.
   */
  async adjust(em: EntityManager, skuId: string, delta: number, reason: string, actorUserId: string, idempotencyKey?: string): Promise<number> {
    if (!Number.isSafeInteger(delta) || delta === 0 || Math.abs(delta) > 10_000_000) {
      throw new AppError('INVALID_QUANTITY', 'An adjustment is a non-zero whole number', 400, { delta });
    }
    if (!isUuid(skuId)) throw AppError.notFound('SKU', skuId);
    if (idempotencyKey) {
      // the row lock serialises concurrent replays of one key
      await this.lock(em, [skuId]);
      const [done] = await em.query(`SELECT delta, stock_after FROM stock_movements WHERE sku_id = $1 AND idempotency_key = $2`, [skuId, idempotencyKey]);
      if (done) {
        if (done.delta !== delta) throw AppError.conflict('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for a different adjustment', { skuId });
        return done.stock_after;
      }
    }
    const [row] = await em.query(
      `WITH upd AS (UPDATE skus SET stock = stock + $2::int, updated_at = now() WHERE id = $1 AND stock + $2::int >= 0 RETURNING id, stock)
       INSERT INTO stock_movements (sku_id, kind, delta, stock_after, reason, actor_user_id, idempotency_key)
       SELECT id, 'adjustment', $2::int, stock, $3::text, $4::uuid, $5::text FROM upd RETURNING stock_after`,
      [skuId, delta, reason, actorUserId, idempotencyKey ?? null],
    );
    if (row) return row.stock_after;
    const [sku] = await em.query(`SELECT stock FROM skus WHERE id = $1`, [skuId]);
    if (!sku) throw AppError.notFound('SKU', skuId);
    throw AppError.conflict('STOCK_WOULD_GO_NEGATIVE', `Stock is ${sku.stock}; removing ${-delta} would go below zero`, { skuId, delta, available: sku.stock });
  }

  /** Locks the SKU rows in id order and returns their stock; a missing SKU is NOT_FOUND. */
  private async lock(em: EntityManager, sortedIds: string[]): Promise<Map<string, number>> {
    const bad = sortedIds.find((id) => !isUuid(id));
    if (bad) throw AppError.notFound('SKU', bad);
    const rows: { id: string; stock: number }[] = await em.query(`SELECT id, stock FROM skus WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [sortedIds]);
    const stock = new Map(rows.map((r) => [r.id, r.stock]));
    const missing = sortedIds.find((id) => !stock.has(id));
    if (missing) throw AppError.notFound('SKU', missing);
    return stock;
  }
}
