import { AppError, AuthUser, Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PRODUCT_LIFECYCLE, ProductAction, ProductStatus } from '../lifecycle/product-lifecycle';
import { lifecycleActor } from './catalog-helpers';
import { ProductRef, SupplierAccessService } from './supplier-access.service';

export interface TransitionRecord {
  id: number;
  action: string;
  fromStatus: ProductStatus | null;
  toStatus: ProductStatus;
  reason: string | null;
  actorUserId: string | null;
  at: Date;
}

export interface QueueItem {
  id: string;
  name: string;
  supplierId: string;
  supplierName: string;
  categoryId: string;
  originRegionCode: string;
  minPriceFen: number | null;
  submittedAt: Date;
}

/**
 * Moves products through the declared lifecycle (PRODUCT_LIFECYCLE): suppliers submit and delist,
 * platform admins approve, reject and take down. Each move writes one product_transitions row.
 */
@Injectable()
export class ProductLifecycleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: SupplierAccessService,
  ) {}

  /** Submits a product for review; it needs a SKU and an approved supplier. */
  async submit(em: EntityManager, user: AuthUser, productId: string): Promise<ProductStatus> {
    const product = await this.access.productForChange(em, user, productId);
    const t = PRODUCT_LIFECYCLE.plan('submit', product.status, lifecycleActor(user));
    await this.access.activeSupplier(em, user);
    const [skus] = await em.query(`SELECT count(*)::int AS n FROM skus WHERE product_id = $1`, [productId]);
    if (!skus.n) throw AppError.unprocessable('PRODUCT_HAS_NO_SKUS', 'Add at least one SKU before submitting', { productId });
    return this.apply(em, user, product, t.action, t.to, t.reason);
  }

  async approve(em: EntityManager, admin: AuthUser, productId: string): Promise<ProductStatus> {
    const product = await this.access.productForChange(em, admin, productId);
    const t = PRODUCT_LIFECYCLE.plan('approve', product.status, lifecycleActor(admin));
    const [s] = await em.query(`SELECT status FROM suppliers WHERE id = $1`, [product.supplierId]);
    if (s.status !== 'approved') {
      throw AppError.conflict('SUPPLIER_NOT_ACTIVE', `The supplier is ${s.status}; its products cannot be approved`, { supplierStatus: s.status });
    }
    return this.apply(em, admin, product, t.action, t.to, t.reason);
  }

  async reject(em: EntityManager, admin: AuthUser, productId: string, reason: string): Promise<ProductStatus> {
    const product = await this.access.productForChange(em, admin, productId);
    const t = PRODUCT_LIFECYCLE.plan('reject', product.status, lifecycleActor(admin), reason);
    return this.apply(em, admin, product, t.action, t.to, t.reason);
  }

  /** The supplier delists its own product; a platform admin takes one down (with a reason). */
  async delist(em: EntityManager, user: AuthUser, productId: string, reason?: string): Promise<ProductStatus> {
    const product = await this.access.productForChange(em, user, productId);
    const actor = lifecycleActor(user);
    const t = PRODUCT_LIFECYCLE.plan(actor === 'platform_admin' ? 'take_down' : 'delist', product.status, actor, reason);
    return this.apply(em, user, product, t.action, t.to, t.reason);
  }

  /** A product's lifecycle history, for whoever may see the product itself. */
  async history(user: AuthUser, productId: string): Promise<TransitionRecord[]> {
    const em = this.dataSource.manager;
    await this.access.assertProductVisible(em, user, productId);
    return em.query(
      `SELECT id::int, action, from_status AS "fromStatus", to_status AS "toStatus", reason, actor_user_id AS "actorUserId", at
         FROM product_transitions WHERE product_id = $1 ORDER BY id`,
      [productId],
    );
  }

  /** Products waiting for review, oldest first. */
  async queue(q: { limit: number; offset: number }): Promise<Page<QueueItem>> {
    const rows: (QueueItem & { minPriceFen: string | null })[] = await this.dataSource.query(
      `SELECT p.id, p.name, p.supplier_id AS "supplierId", s.company_name AS "supplierName", p.category_id AS "categoryId",
              p.origin_region_code AS "originRegionCode", p.min_price_fen AS "minPriceFen", p.updated_at AS "submittedAt"
         FROM products p JOIN suppliers s ON s.id = p.supplier_id
        WHERE p.status = 'pending_review' ORDER BY p.updated_at, p.id LIMIT $1 OFFSET $2`,
      [q.limit, q.offset],
    );
    const items = rows.map((r) => ({ ...r, minPriceFen: r.minPriceFen === null ? null : toSafeNumber(r.minPriceFen) }));
    const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM products WHERE status = 'pending_review'`);
    return { items, total: n, limit: q.limit, offset: q.offset };
  }

  private async apply(em: EntityManager, user: AuthUser, product: ProductRef, action: ProductAction, to: ProductStatus, reason: string | null): Promise<ProductStatus> {
    await em.query(`UPDATE products SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1`, [product.id, to, reason]);
    await em.query(
      `INSERT INTO product_transitions (product_id, action, from_status, to_status, reason, actor_user_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [product.id, action, product.status, to, reason, user.id],
    );
    return to;
  }
}
