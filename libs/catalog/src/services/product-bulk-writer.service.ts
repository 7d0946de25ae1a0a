import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { PRODUCT_LIFECYCLE, ProductAction, ProductStatus } from '../lifecycle/product-lifecycle';
import type { LifecycleActor } from '../lifecycle/state-machine';
import { chunks } from './catalog-helpers';

export interface NewSku {
  id?: string;
  skuCode: string;
  spec: string;
  priceFen: number;
  stock: number;
  perMemberLimit: number | null;
}

export interface NewProduct {
  id?: string;
  supplierId: string;
  categoryId: string;
  name: string;
  description: string;
  imageUrls: string[];
  originRegionCode: string;
  skus: NewSku[];
}

export interface WriteOptions {
  /** the lifecycle from creation, e.g. ['create'] or ['create', 'submit'] or ['seed'] */
  actions: ProductAction[];
  actor: LifecycleActor;
  actorUserId: string | null;
  /** the reason on the initial stock movements */
  stockReason: string;
}

/** Rows per statement: big enough to amortise round trips, small enough to keep statements short. */
const CHUNK = 4000;

/**
 * Writes many new products with their SKUs, initial stock movements and lifecycle history using
 * set-based INSERT ... SELECT FROM unnest(...) statements (a handful of statements per 4,000
 * products). The single-product API, the CSV import and the demo seeding all go through here.
 */
@Injectable()
export class ProductBulkWriter {
  async insert(em: EntityManager, products: NewProduct[], opts: WriteOptions): Promise<{ productIds: string[]; skuIds: string[][] }> {
    // the same lifecycle chain for every product, checked once against the declared machine
    const steps: { action: ProductAction; from: ProductStatus | null; to: ProductStatus }[] = [];
    let status: ProductStatus | null = null;
    for (const action of opts.actions) {
      const t = PRODUCT_LIFECYCLE.plan(action, status, opts.actor);
      steps.push({ action, from: status, to: t.to });
      status = t.to;
    }
    if (!status) throw new Error('a new product needs at least one lifecycle action');
    if (products.some((p) => p.skus.length === 0)) throw new Error('every product needs at least one SKU');
    const productIds = products.map((p) => (p.id ??= randomUUID()));
    const skuIds = products.map((p) => p.skus.map((k) => (k.id ??= randomUUID())));

    for (const part of chunks(products, CHUNK)) {
      await em.query(
        `INSERT INTO products (id, supplier_id, category_id, name, description, image_urls, origin_region_code, status, min_price_fen, max_price_fen)
         SELECT id, supplier_id, category_id, name, description, string_to_array(images, E'\\n'), origin, $8::text, min_price, max_price
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $9::bigint[], $10::bigint[])
             AS x(id, supplier_id, category_id, name, description, images, origin, min_price, max_price)`,
        [
          part.map((p) => p.id),
          part.map((p) => p.supplierId),
          part.map((p) => p.categoryId),
          part.map((p) => p.name),
          part.map((p) => p.description),
          part.map((p) => p.imageUrls.join('\n')),
          part.map((p) => p.originRegionCode),
          status,
          part.map((p) => Math.min(...p.skus.map((k) => k.priceFen))),
          part.map((p) => Math.max(...p.skus.map((k) => k.priceFen))),
        ],
      );
      await em.query(
        `INSERT INTO product_transitions (product_id, action, from_status, to_status, actor_user_id)
         SELECT p.id, s.action, s.from_status, s.to_status, $5::uuid
           FROM unnest($1::uuid[]) AS p(id)
          CROSS JOIN unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS s(action, from_status, to_status, n)
          ORDER BY p.id, s.n`,
        [part.map((p) => p.id), steps.map((s) => s.action), steps.map((s) => s.from), steps.map((s) => s.to), opts.actorUserId],
      );
      const skus = part.flatMap((p) => p.skus.map((k) => ({ ...k, productId: p.id!, supplierId: p.supplierId })));
      await this.insertSkus(em, skus, opts.stockReason, opts.actorUserId);
    }
    return { productIds, skuIds };
  }

  /** Inserts SKUs of existing products, each with a movement for its initial stock. */
  async insertSkus(em: EntityManager, skus: (NewSku & { productId: string; supplierId: string })[], stockReason: string, actorUserId: string | null): Promise<string[]> {
    const ids = skus.map((k) => (k.id ??= randomUUID()));
    for (const part of chunks(skus, CHUNK)) {
      await em.query(
        `INSERT INTO skus (id, product_id, supplier_id, sku_code, spec, price_fen, stock, per_member_limit)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[])`,
        [
          part.map((k) => k.id),
          part.map((k) => k.productId),
          part.map((k) => k.supplierId),
          part.map((k) => k.skuCode),
          part.map((k) => k.spec),
          part.map((k) => k.priceFen),
          part.map((k) => k.stock),
          part.map((k) => k.perMemberLimit),
        ],
      );
      // every unit of stock arrives through a movement, so a SKU's movements always add up to its stock
      const stocked = part.filter((k) => k.stock > 0);
      if (stocked.length) {
        await em.query(
          `INSERT INTO stock_movements (sku_id, kind, delta, stock_after, reason, actor_user_id)
           SELECT id, 'adjustment', n, n, $3::text, $4::uuid FROM unnest($1::uuid[], $2::int[]) AS x(id, n)`,
          [stocked.map((k) => k.id), stocked.map((k) => k.stock), stockReason, actorUserId],
        );
      }
    }
    return ids;
  }

  /** Recomputes the cached price range of products from their SKUs. */
  async refreshPrices(em: EntityManager, productIds: string[]): Promise<void> {
    for (const part of chunks(productIds, CHUNK)) {
      await em.query(
        `UPDATE products p SET min_price_fen = x.lo, max_price_fen = x.hi
           FROM (SELECT product_id, min(price_fen) AS lo, max(price_fen) AS hi FROM skus
                  WHERE product_id = ANY($1::uuid[]) GROUP BY product_id) x
          WHERE p.id = x.product_id AND (p.min_price_fen, p.max_price_fen) IS DISTINCT FROM (x.lo, x.hi)`,
        [part],
      );
    }
  }
}
