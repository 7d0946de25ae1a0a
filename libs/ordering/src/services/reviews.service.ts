import { AppError, AuthUser, TransactionRunner } from '@huigong/common';
import { CatalogService } from '@huigong/catalog';
import { AccessScopeService } from '@huigong/identity';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ReviewView {
  id: string;
  orderId: string;
  orderLineId: string;
  productId: string;
  skuId: string;
  stars: number;
  text: string;
  createdAt: string;
}

export interface PositiveRateView {
  reviews: number;
  /** 4 or 5 stars */
  positive: number;
  /** positive / reviews, 0..1 with 4 decimals; null before the first review */
  rate: number | null;
}

/** One review per line of a completed order; the product's rating follows in the same transaction. */
@Injectable()
export class ReviewsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogService,
    private readonly scope: AccessScopeService,
    private readonly dataSource: DataSource,
  ) {}

  async review(user: AuthUser, orderId: string, lineId: string, input: { stars: number; text?: string }): Promise<ReviewView> {
    return this.tx.run(async (em) => {
      const [line] = await em.query(
        `SELECT o.id AS order_id, l.id AS line_id, o.user_id, o.union_id, o.completed_at, l.product_id, l.sku_id
           FROM order_lines l JOIN orders o ON o.id = l.order_id
          WHERE l.id = $1 AND l.order_id = $2`,
        [lineId, orderId],
      );
      if (!line) throw AppError.notFound('Order line', lineId);
      // from here on the stored (lower-case) ids: ParseUUIDPipe lets the URL spell them in upper case
      if (line.user_id !== user.id) await this.scope.refuse(user, 'Order', { orderId: line.order_id });
      if (!line.completed_at) {
        throw AppError.conflict('ORDER_NOT_COMPLETED', 'Only lines of a completed order can be reviewed', { orderId: line.order_id });
      }
      // the unique line id makes a second (or concurrent) review of the same line wait, then do nothing
      const [row] = await em.query(
        `INSERT INTO order_reviews (order_id, order_line_id, union_id, user_id, product_id, sku_id, stars, text)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (order_line_id) DO NOTHING RETURNING *`,
        [line.order_id, line.line_id, line.union_id, user.id, line.product_id, line.sku_id, input.stars, input.text?.trim() ?? ''],
      );
      if (!row) throw AppError.conflict('ALREADY_REVIEWED', 'This order line already has a review', { orderLineId: line.line_id });
      await this.catalog.recordRating(em, line.product_id, input.stars);
      return {
        id: row.id,
        orderId: row.order_id,
        orderLineId: row.order_line_id,
        productId: row.product_id,
        skuId: row.sku_id,
        stars: row.stars,
        text: row.text,
        createdAt: new Date(row.created_at).toISOString(),
      };
    });
  }

  /** The platform's positive-review rate (the Qingdao platform reports 96 %). */
  async positiveRate(): Promise<PositiveRateView> {
    const [r] = await this.dataSource.query(`SELECT count(*)::int AS reviews, count(*) FILTER (WHERE stars >= 4)::int AS positive FROM order_reviews`);
    return { reviews: r.reviews, positive: r.positive, rate: r.reviews ? Math.round((r.positive / r.reviews) * 10000) / 10000 : null };
  }
}
