import { AuthUser, Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CategoriesService } from './categories.service';
import { LocalityService } from './locality.service';

export const PRODUCT_SORTS = ['sales', 'price_asc', 'price_desc', 'rating'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductSearchQuery {
  q?: string;
  categoryId?: string;
  minPrice?: number;
  maxPrice?: number;
  localOnly?: boolean;
  supplierId?: string;
  inStock?: boolean;
  sort?: ProductSort;
  limit: number;
  offset: number;
}

export interface ProductSummary {
  id: string;
  name: string;
  imageUrls: string[];
  categoryId: string;
  categoryName: string | null;
  supplierId: string;
  supplierName: string;
  originRegionCode: string;
  local: boolean;
  minPriceFen: number;
  maxPriceFen: number;
  stock: number;
  inStock: boolean;
  salesCount: number;
  ratingAverage: number;
  ratingCount: number;
}

export interface ProductSearchPage extends Page<ProductSummary> {
  /** true when more than TOTAL_CAP products match: `total` is then TOTAL_CAP */
  totalCapped: boolean;
}

/** Counting every match of a one-character query (茶) costs more than the page itself; count up to here. */
export const TOTAL_CAP = 1000;
export const MAX_TERMS = 5;

const ORDER: Record<ProductSort, string> = {
  sales: 'p.sales_count DESC, p.id',
  price_asc: 'p.min_price_fen, p.id',
  price_desc: 'p.min_price_fen DESC, p.id DESC',
  rating: 'p.rating_avg DESC, p.rating_count DESC, p.id',
};

/** Query text to search terms: split on whitespace (full-width too), every term must match. */
export function searchTerms(q: string | undefined): string[] {
  return (q ?? '')
    .split(/[\s\u3000]+/)
    .filter(Boolean)
    .slice(0, MAX_TERMS);
}

/**
 * What shoppers browse: listed products (active, supplier approved) by keyword, category, price,
 * origin, supplier and stock. Keyword matching is substring matching over name and description,
 * answered by the gram index (see README: bigrams find 大米, which trigrams cannot).
 */
@Injectable()
export class ProductSearchService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly categories: CategoriesService,
    private readonly locality: LocalityService,
  ) {}

  async search(user: AuthUser, query: ProductSearchQuery): Promise<ProductSearchPage> {
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const cityPrefix = await this.locality.cityPrefix(user);
    const where = [`p.status = 'active'`, 'p.supplier_listed'];
    for (const term of searchTerms(query.q)) {
      const t = param(term);
      // the grams narrow through the index; for 3+ characters the substring itself is checked too
      where.push(`p.search_grams @> catalog_query_grams(${t}::text)`);
      where.push(`(length(catalog_normalize(${t}::text)) <= 2 OR strpos(catalog_normalize(p.name || ' ' || p.description), catalog_normalize(${t}::text)) > 0)`);
    }
    if (query.categoryId) where.push(`p.category_id = ANY(${param(await this.categories.subtreeIds(query.categoryId))}::uuid[])`);
    if (query.supplierId) where.push(`p.supplier_id = ${param(query.supplierId)}::uuid`);
    if (query.localOnly) where.push(`p.origin_certified AND starts_with(p.origin_region_code, ${param(cityPrefix)}::text)`);
    const sku: string[] = [];
    if (query.minPrice !== undefined) sku.push(`k.price_fen >= ${param(query.minPrice)}::bigint`);
    if (query.maxPrice !== undefined) sku.push(`k.price_fen <= ${param(query.maxPrice)}::bigint`);
    if (query.inStock) sku.push('k.stock > 0');
    // a product matches when one of its SKUs meets every SKU condition at once
    if (sku.length) where.push(`EXISTS (SELECT 1 FROM skus k WHERE k.product_id = p.id AND ${sku.join(' AND ')})`);
    const order = ORDER[query.sort ?? 'sales'];
    const filter = where.join(' AND ');
    const prefix = param(cityPrefix);
    const limit = param(query.limit);
    const offset = param(query.offset);

    // one statement, one round trip: the page (ordered by an index where the planner can) and the
    // capped count; LEFT JOIN so an empty page still carries its count
    const rows = await this.dataSource.query(
      `WITH page AS (
              SELECT p.id, p.name, p.image_urls, p.category_id, p.supplier_id, p.origin_region_code, p.origin_certified,
                     p.min_price_fen, p.max_price_fen, p.sales_count, p.rating_avg, p.rating_count
                FROM products p WHERE ${filter} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}),
            total AS (SELECT count(*)::int AS n FROM (SELECT 1 FROM products p WHERE ${filter} LIMIT ${TOTAL_CAP + 1}) x)
       SELECT total.n, p.id, p.name, p.image_urls, p.category_id, p.supplier_id, s.company_name, p.origin_region_code,
              p.origin_certified AND starts_with(p.origin_region_code, ${prefix}::text) AS local,
              p.min_price_fen, p.max_price_fen, p.sales_count, p.rating_avg, p.rating_count,
              (SELECT coalesce(sum(k.stock), 0) FROM skus k WHERE k.product_id = p.id)::int AS stock
         FROM total LEFT JOIN (page p JOIN suppliers s ON s.id = p.supplier_id) ON true
        ORDER BY ${order}`,
      params,
    );
    const n: number = rows[0]?.n ?? 0;
    const items: ProductSummary[] = [];
    for (const r of rows) {
      if (r.id === null) continue; // the count row of an empty page
      const category = await this.categories.find(r.category_id);
      items.push({
        id: r.id,
        name: r.name,
        imageUrls: r.image_urls,
        categoryId: r.category_id,
        categoryName: category?.name ?? null,
        supplierId: r.supplier_id,
        supplierName: r.company_name,
        originRegionCode: r.origin_region_code,
        local: r.local,
        minPriceFen: toSafeNumber(r.min_price_fen),
        maxPriceFen: toSafeNumber(r.max_price_fen),
        stock: r.stock,
        inStock: r.stock > 0,
        salesCount: toSafeNumber(r.sales_count),
        // a rating is not money: two decimals as a JSON number
        ratingAverage: Number(r.rating_avg),
        ratingCount: r.rating_count,
      });
    }
    return { items, total: Math.min(n, TOTAL_CAP), totalCapped: n > TOTAL_CAP, limit: query.limit, offset: query.offset };
  }
}
