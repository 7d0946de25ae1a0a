import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isUuid } from './catalog-helpers';
import type { StockLine } from './stock.service';

/** The counters ordering fills in: sales per product, and the rating average and count. */
@Injectable()
export class CatalogService {
  /** Adds sold quantities to the products' sales counts, in the caller's transaction (rows locked in id order). */
  async recordSales(em: EntityManager, lines: StockLine[]): Promise<void> {
    await this.addSales(em, lines, 1);
  }

  /** Takes returned quantities off the products' sales counts (an approved return), never below zero. */
  async unrecordSales(em: EntityManager, lines: StockLine[]): Promise<void> {
    await this.addSales(em, lines, -1);
  }

  private async addSales(em: EntityManager, lines: StockLine[], sign: 1 | -1): Promise<void> {
    for (const l of lines) {
      if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0) {
        throw new AppError('INVALID_QUANTITY', 'Quantities must be positive whole numbers', 400, { skuId: l.skuId, quantity: l.quantity });
      }
    }
    if (!lines.length) return;
    const rows: { product_id: string; q: string }[] = await em.query(
      `SELECT k.product_id, sum(l.q)::bigint AS q
         FROM unnest($1::uuid[], $2::int[]) AS l(id, q) JOIN skus k ON k.id = l.id
        GROUP BY k.product_id ORDER BY k.product_id`,
      [lines.map((l) => l.skuId), lines.map((l) => l.quantity)],
    );
    if (!rows.length) return;
    const productIds = rows.map((r) => r.product_id);
    await em.query(`SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [productIds]);
    // greatest(): a counter an operator reset must not make a return fail on the column's check
    await em.query(
      `UPDATE products p SET sales_count = greatest(0, p.sales_count + $3::int * x.q) FROM unnest($1::uuid[], $2::bigint[]) AS x(id, q) WHERE p.id = x.id`,
      [productIds, rows.map((r) => r.q), sign],
    );
  }

  /** One review of 1-5 stars. */
  async recordRating(em: EntityManager, productId: string, stars: number): Promise<void> {
    if (!Number.isInteger(stars) || stars < 1 || stars > 5) {
      throw new AppError('INVALID_RATING', 'A rating is a whole number of stars from 1 to 5', 400, { stars });
    }
    if (!isUuid(productId)) throw AppError.notFound('Product', productId);
    // TypeORM answers an UPDATE with [rows, affected]
    const [, affected] = await em.query(`UPDATE products SET rating_sum = rating_sum + $2, rating_count = rating_count + 1 WHERE id = $1`, [productId, stars]);
    if (!affected) throw AppError.notFound('Product', productId);
  }
}
