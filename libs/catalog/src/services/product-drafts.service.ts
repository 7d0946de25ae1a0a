import { AppError, AuthUser } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { CONTENT_EDITABLE, PRODUCT_LIFECYCLE } from '../lifecycle/product-lifecycle';
import { lifecycleActor } from './catalog-helpers';
import { CategoriesService } from './categories.service';
import { NewSku, ProductBulkWriter } from './product-bulk-writer.service';
import { ProductRef, SupplierAccessService, SupplierRef } from './supplier-access.service';

export interface SkuInput {
  skuCode?: string;
  spec: string;
  priceFen: number;
  stock?: number;
  perMemberLimit?: number | null;
}

export interface ProductInput {
  name: string;
  description?: string;
  imageUrls?: string[];
  categoryId: string;
  originRegionCode?: string;
  skus: SkuInput[];
}

export interface SkuChange {
  skuCode: string;
  spec?: string;
  priceFen?: number;
  /** only for a new SKU: its initial stock (later changes are stock adjustments) */
  stock?: number;
  perMemberLimit?: number | null;
}

export interface ProductChange {
  name?: string;
  description?: string;
  imageUrls?: string[];
  categoryId?: string;
  originRegionCode?: string;
  skus?: SkuChange[];
}

/** Supplier staff create products (as drafts) and change them. */
@Injectable()
export class ProductDraftsService {
  constructor(
    private readonly access: SupplierAccessService,
    private readonly categories: CategoriesService,
    private readonly writer: ProductBulkWriter,
  ) {}

  async create(em: EntityManager, user: AuthUser, input: ProductInput): Promise<string> {
    this.assertSupplierStaff(user);
    const supplier = await this.access.activeSupplier(em, user);
    await this.assertCategory(em, input.categoryId);
    const skus: NewSku[] = input.skus.map((k) => ({
      skuCode: k.skuCode ?? `SKU-${randomBytes(5).toString('hex').toUpperCase()}`,
      spec: k.spec,
      priceFen: k.priceFen,
      stock: k.stock ?? 0,
      perMemberLimit: k.perMemberLimit ?? null,
    }));
    await this.assertCodesFree(em, supplier, skus.map((k) => k.skuCode), null);
    const { productIds } = await this.writer.insert(
      em,
      [
        {
          supplierId: supplier.id,
          categoryId: input.categoryId,
          name: input.name,
          description: input.description ?? '',
          imageUrls: input.imageUrls ?? [],
          originRegionCode: input.originRegionCode ?? supplier.regionCode,
          skus,
        },
      ],
      { actions: ['create'], actor: 'supplier', actorUserId: user.id, stockReason: 'initial stock' },
    );
    return productIds[0];
  }

  /**
   * Content (name, description, images, category, origin) may change freely in draft, rejected and
   * delisted; changing it on a listed product sends the product back to review ('revise'); while under
   * review it is frozen. SKU prices, specs and limits are the supplier's commercial decisions and may
   * change in any state; stock changes only through adjustments.
   */
  async update(em: EntityManager, user: AuthUser, productId: string, change: ProductChange): Promise<{ revised: boolean }> {
    this.assertSupplierStaff(user);
    const product = await this.access.productForChange(em, user, productId);
    const supplier = await this.access.activeSupplier(em, user);
    const content = this.contentChanges(product, change);
    let revised = false;
    if (Object.keys(content).length) {
      if (!CONTENT_EDITABLE.includes(product.status) && product.status !== 'active') {
        throw AppError.conflict('PRODUCT_UNDER_REVIEW', 'A product under review cannot change its content; delist it first', { status: product.status });
      }
      if (content.categoryId) await this.assertCategory(em, content.categoryId);
      await em.query(
        `UPDATE products SET name = $2, description = $3, image_urls = $4::text[], category_id = $5, origin_region_code = $6, updated_at = now() WHERE id = $1`,
        [
          productId,
          content.name ?? product.name,
          content.description ?? product.description,
          content.imageUrls ?? product.imageUrls,
          content.categoryId ?? product.categoryId,
          content.originRegionCode ?? product.originRegionCode,
        ],
      );
      if (product.status === 'active') {
        const t = PRODUCT_LIFECYCLE.plan('revise', product.status, 'supplier', 'content changed');
        await em.query(`UPDATE products SET status = $2, status_reason = NULL WHERE id = $1`, [productId, t.to]);
        await em.query(
          `INSERT INTO product_transitions (product_id, action, from_status, to_status, reason, actor_user_id) VALUES ($1, $2, $3, $4, $5, $6)`,
          [productId, t.action, t.from, t.to, `content changed: ${Object.keys(content).join(', ')}`, user.id],
        );
        revised = true;
      }
    }
    if (change.skus?.length) await this.changeSkus(em, user, supplier, productId, change.skus);
    return { revised };
  }

  private async changeSkus(em: EntityManager, user: AuthUser, supplier: SupplierRef, productId: string, changes: SkuChange[]): Promise<void> {
    const codes = changes.map((c) => c.skuCode);
    const dup = codes.find((c, i) => codes.indexOf(c) !== i);
    if (dup) throw new AppError('DUPLICATE_SKU_CODE', `SKU code ${dup} appears twice`, 400, { skuCode: dup });
    const existing: { id: string; sku_code: string; product_id: string }[] = await em.query(
      `SELECT id, sku_code, product_id FROM skus WHERE supplier_id = $1 AND sku_code = ANY($2::text[]) ORDER BY id FOR UPDATE`,
      [supplier.id, codes],
    );
    const elsewhere = existing.filter((e) => e.product_id !== productId).map((e) => e.sku_code);
    if (elsewhere.length) throw AppError.conflict('SKU_CODE_TAKEN', `SKU codes already used by another product: ${elsewhere.join(', ')}`, { skuCodes: elsewhere });
    const byCode = new Map(existing.map((e) => [e.sku_code, e.id]));
    const fresh: (NewSku & { productId: string; supplierId: string })[] = [];
    for (const c of changes) {
      const id = byCode.get(c.skuCode);
      if (id) {
        if (c.stock !== undefined) {
          throw new AppError('STOCK_NOT_EDITABLE', 'Stock of an existing SKU changes through stock adjustments', 400, { skuCode: c.skuCode });
        }
        await em.query(
          `UPDATE skus SET spec = coalesce($2, spec), price_fen = coalesce($3, price_fen),
                  per_member_limit = CASE WHEN $5 THEN $4::int ELSE per_member_limit END, updated_at = now()
            WHERE id = $1`,
          [id, c.spec ?? null, c.priceFen ?? null, c.perMemberLimit ?? null, c.perMemberLimit !== undefined],
        );
      } else {
        if (c.spec === undefined || c.priceFen === undefined) {
          throw new AppError('SKU_INCOMPLETE', `New SKU ${c.skuCode} needs a spec and a price`, 400, { skuCode: c.skuCode });
        }
        fresh.push({ skuCode: c.skuCode, spec: c.spec, priceFen: c.priceFen, stock: c.stock ?? 0, perMemberLimit: c.perMemberLimit ?? null, productId, supplierId: supplier.id });
      }
    }
    if (fresh.length) await this.writer.insertSkus(em, fresh, 'initial stock', user.id);
    await this.writer.refreshPrices(em, [productId]);
  }

  private contentChanges(product: ProductRef, change: ProductChange): Partial<Omit<ProductChange, 'skus'>> {
    const out: Partial<Omit<ProductChange, 'skus'>> = {};
    if (change.name !== undefined && change.name !== product.name) out.name = change.name;
    if (change.description !== undefined && change.description !== product.description) out.description = change.description;
    if (change.imageUrls !== undefined && JSON.stringify(change.imageUrls) !== JSON.stringify(product.imageUrls)) out.imageUrls = change.imageUrls;
    if (change.categoryId !== undefined && change.categoryId !== product.categoryId) out.categoryId = change.categoryId;
    if (change.originRegionCode !== undefined && change.originRegionCode !== product.originRegionCode) out.originRegionCode = change.originRegionCode;
    return out;
  }

  /** Products can never be listed in a forbidden category (cash equivalents); the database refuses it too. */
  private async assertCategory(em: EntityManager, categoryId: string): Promise<void> {
    const found = (await this.categories.byIds(em, [categoryId])).get(categoryId);
    if (!found) throw AppError.unprocessable('CATEGORY_NOT_FOUND', `Category ${categoryId} does not exist`, { categoryId });
    if (found.forbidden) {
      throw AppError.unprocessable('CATEGORY_FORBIDDEN', `Union rules forbid listing products in ${found.code} (cash equivalents)`, { categoryId, code: found.code });
    }
  }

  private async assertCodesFree(em: EntityManager, supplier: SupplierRef, codes: string[], productId: string | null): Promise<void> {
    const dup = codes.find((c, i) => codes.indexOf(c) !== i);
    if (dup) throw new AppError('DUPLICATE_SKU_CODE', `SKU code ${dup} appears twice`, 400, { skuCode: dup });
    const taken: { sku_code: string }[] = await em.query(
      `SELECT sku_code FROM skus WHERE supplier_id = $1 AND sku_code = ANY($2::text[]) AND product_id IS DISTINCT FROM $3`,
      [supplier.id, codes, productId],
    );
    if (taken.length) {
      throw AppError.conflict('SKU_CODE_TAKEN', `SKU codes already in use: ${taken.map((t) => t.sku_code).join(', ')}`, { skuCodes: taken.map((t) => t.sku_code) });
    }
  }

  private assertSupplierStaff(user: AuthUser): void {
    if (lifecycleActor(user) !== 'supplier') throw AppError.forbidden('Only supplier staff edit products');
  }
}
