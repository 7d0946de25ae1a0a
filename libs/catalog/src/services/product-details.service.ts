import { AppError, AuthUser, Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ProductStatus } from '../lifecycle/product-lifecycle';
import { isUuid } from './catalog-helpers';
import { CategoriesService } from './categories.service';
import { LocalityService } from './locality.service';
import { SupplierAccessService } from './supplier-access.service';

export interface SkuView {
  id: string;
  skuCode: string;
  spec: string;
  priceFen: number;
  stock: number;
  perMemberLimit: number | null;
}

export interface ProductView {
  id: string;
  name: string;
  description: string;
  imageUrls: string[];
  status: ProductStatus;
  statusReason: string | null;
  listed: boolean;
  categoryId: string;
  categoryPath: { id: string; code: string; name: string }[];
  supplier: { id: string; name: string; regionCode: string; certification: string | null };
  originRegionCode: string;
  originCertified: boolean;
  local: boolean;
  minPriceFen: number | null;
  maxPriceFen: number | null;
  salesCount: number;
  ratingAverage: number;
  ratingCount: number;
  skus: SkuView[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ManagedProduct {
  id: string;
  name: string;
  status: ProductStatus;
  statusReason: string | null;
  categoryId: string;
  supplierId: string;
  supplierName: string;
  minPriceFen: number | null;
  maxPriceFen: number | null;
  stock: number;
  salesCount: number;
  updatedAt: Date;
}

/** One product in full, and the management listing (every status) for suppliers and the platform. */
@Injectable()
export class ProductDetailsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: SupplierAccessService,
    private readonly categories: CategoriesService,
    private readonly locality: LocalityService,
  ) {}

  async get(user: AuthUser, productId: string): Promise<ProductView> {
    const em = this.dataSource.manager;
    await this.access.assertProductVisible(em, user, productId);
    const prefix = await this.locality.cityPrefix(user);
    const [p] = await em.query(
      `SELECT p.id, p.name, p.description, p.image_urls, p.status, p.status_reason, p.category_id, p.supplier_id, p.origin_region_code,
              p.origin_certified, p.min_price_fen, p.max_price_fen, p.sales_count, p.rating_avg, p.rating_count, p.created_at, p.updated_at,
              p.status = 'active' AND p.supplier_listed AS listed, s.company_name, s.region_code, s.certification
         FROM products p JOIN suppliers s ON s.id = p.supplier_id WHERE p.id = $1`,
      [productId],
    );
    const skus: Record<string, unknown>[] = await em.query(
      `SELECT id, sku_code, spec, price_fen, stock, per_member_limit FROM skus WHERE product_id = $1 ORDER BY price_fen, sku_code`,
      [productId],
    );
    const category = await this.categories.find(p.category_id);
    const path = [];
    for (const id of category?.path ?? [p.category_id]) {
      const c = await this.categories.find(id);
      path.push({ id, code: c?.code ?? '', name: c?.name ?? '' });
    }
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      imageUrls: p.image_urls,
      status: p.status,
      statusReason: p.status_reason,
      listed: p.listed,
      categoryId: p.category_id,
      categoryPath: path,
      supplier: { id: p.supplier_id, name: p.company_name, regionCode: p.region_code, certification: p.certification },
      originRegionCode: p.origin_region_code,
      originCertified: p.origin_certified,
      local: p.origin_certified && p.origin_region_code.startsWith(prefix),
      minPriceFen: p.min_price_fen === null ? null : toSafeNumber(p.min_price_fen),
      maxPriceFen: p.max_price_fen === null ? null : toSafeNumber(p.max_price_fen),
      salesCount: toSafeNumber(p.sales_count),
      ratingAverage: Number(p.rating_avg),
      ratingCount: p.rating_count,
      skus: skus.map((k) => ({
        id: k.id as string,
        skuCode: k.sku_code as string,
        spec: k.spec as string,
        priceFen: toSafeNumber(k.price_fen as string),
        stock: k.stock as number,
        perMemberLimit: (k.per_member_limit as number | null) ?? null,
      })),
      createdAt: p.created_at,
      updatedAt: p.updated_at,
    };
  }

  /** Every status: supplier staff see their own supplier's products, platform admins and auditors any. */
  async manage(
    user: AuthUser,
    q: { status?: ProductStatus; supplierId?: string; categoryId?: string; q?: string; limit: number; offset: number },
  ): Promise<Page<ManagedProduct>> {
    const em = this.dataSource.manager;
    const own = await this.access.supplierScope(em, user);
    if (own !== null && q.supplierId && q.supplierId !== own) await this.access.assertSupplier(em, user, q.supplierId, 'Supplier', { supplierId: q.supplierId });
    const supplierId = own ?? q.supplierId;
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['true'];
    if (supplierId) where.push(`p.supplier_id = ${param(supplierId)}::uuid`);
    if (q.status) where.push(`p.status = ${param(q.status)}::text`);
    if (q.categoryId) {
      if (!isUuid(q.categoryId)) throw AppError.notFound('Category', q.categoryId);
      where.push(`p.category_id = ANY(${param(await this.categories.subtreeIds(q.categoryId))}::uuid[])`);
    }
    if (q.q) where.push(`strpos(catalog_normalize(p.name || ' ' || p.description), catalog_normalize(${param(q.q)}::text)) > 0`);
    const filter = where.join(' AND ');
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM products p WHERE ${filter}`, params);
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT p.id, p.name, p.status, p.status_reason, p.category_id, p.supplier_id, s.company_name, p.min_price_fen, p.max_price_fen,
              (SELECT coalesce(sum(k.stock), 0) FROM skus k WHERE k.product_id = p.id)::int AS stock, p.sales_count, p.updated_at
         FROM products p JOIN suppliers s ON s.id = p.supplier_id
        WHERE ${filter} ORDER BY p.updated_at DESC, p.id LIMIT ${param(q.limit)} OFFSET ${param(q.offset)}`,
      params,
    );
    const items = rows.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      status: r.status as ProductStatus,
      statusReason: (r.status_reason as string | null) ?? null,
      categoryId: r.category_id as string,
      supplierId: r.supplier_id as string,
      supplierName: r.company_name as string,
      minPriceFen: r.min_price_fen === null ? null : toSafeNumber(r.min_price_fen as string),
      maxPriceFen: r.max_price_fen === null ? null : toSafeNumber(r.max_price_fen as string),
      stock: r.stock as number,
      salesCount: toSafeNumber(r.sales_count as string),
      updatedAt: r.updated_at as Date,
    }));
    return { items, total: n, limit: q.limit, offset: q.offset };
  }
}
