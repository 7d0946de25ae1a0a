import { preparedQuery, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from './catalog-helpers';

/** What ordering needs to know about a SKU it is about to sell. */
export interface PurchasableSku {
  skuId: string;
  productId: string;
  productName: string;
  spec: string;
  priceFen: number;
  /** the catalog's supplier id */
  supplierId: string;
  supplierOrganizationId: string;
  categoryId: string;
  /** category ids from the root down to the product's category */
  categoryPath: string[];
  originRegionCode: string;
  perMemberLimit: number | null;
  stock: number;
}

/** The catalog's answers for other contexts (ordering, points, audit), read in the caller's transaction. */
@Injectable()
export class CatalogQueryService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The SKUs that can be bought right now: active product, approved (not suspended) supplier, category
   * not forbidden. Missing or unbuyable ones are simply absent from the map.
   */
  async purchasableSkus(em: EntityManager, skuIds: string[]): Promise<Map<string, PurchasableSku>> {
    const ids = this.purchasableSkuIds(skuIds);
    if (!ids.length) return new Map();
    const part = this.purchasableSkusPart(1);
    // prepared: on the checkout path, where planning the four-table join costs more than running it
    return part.read(await preparedQuery(em, 'catalog.purchasable-skus', part.sql, [ids]));
  }

  /** The SKU ids purchasableSkus looks up: well-formed ones, lower case, once each. */
  purchasableSkuIds(skuIds: string[]): string[] {
    return [...new Set(skuIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
  }

  /**
   * purchasableSkus as a part of the caller's own statement (a checkout group reads its members,
   * SKUs and limits in one round trip): a SELECT over the ids in parameter `$param` (uuid[], from
   * purchasableSkuIds), one row per purchasable SKU (`sku_id`, `per_member_limit` among others), and
   * `read`, which turns its rows into purchasableSkus's map.
   */
  purchasableSkusPart(param: number): { sql: string; read(rows: Record<string, unknown>[]): Map<string, PurchasableSku> } {
    return {
      // the price as text, as the row form gives a bigint (no float on the way through JSON)
      sql: `SELECT k.id AS sku_id, k.product_id, p.name, k.spec, k.price_fen::text AS price_fen, k.supplier_id, s.organization_id,
                   p.category_id, c.path, p.origin_region_code, k.per_member_limit, k.stock
              FROM skus k
              JOIN products p ON p.id = k.product_id
              JOIN suppliers s ON s.id = k.supplier_id
              JOIN categories c ON c.id = p.category_id
             WHERE k.id = ANY($${param}::uuid[]) AND p.status = 'active' AND s.status = 'approved' AND NOT c.forbidden`,
      read: (rows) => {
        const out = new Map<string, PurchasableSku>();
        for (const r of rows) {
          out.set(r.sku_id as string, {
            skuId: r.sku_id as string,
            productId: r.product_id as string,
            productName: r.name as string,
            spec: r.spec as string,
            priceFen: toSafeNumber(r.price_fen as string),
            supplierId: r.supplier_id as string,
            supplierOrganizationId: r.organization_id as string,
            categoryId: r.category_id as string,
            categoryPath: r.path as string[],
            originRegionCode: r.origin_region_code as string,
            perMemberLimit: (r.per_member_limit as number | null) ?? null,
            stock: r.stock as number,
          });
        }
        return out;
      },
    };
  }

  /**
   * "May this SKU be bought with points of this campaign?" `allowedCategoryIds` null means any category
   * that is not forbidden; otherwise the SKU qualifies when any category on its path is allowed (allowing
   * 粮油米面 allows 大米 below it).
   */
  isEligible(sku: PurchasableSku, allowedCategoryIds: string[] | null): boolean {
    if (allowedCategoryIds === null) return true;
    const allowed = new Set(allowedCategoryIds.map((id) => id.toLowerCase()));
    return sku.categoryPath.some((id) => allowed.has(id.toLowerCase()));
  }

  /** Category ids by code (campaign rules name categories by code); unknown codes are absent. */
  async categoryIdsByCode(codes: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, string>> {
    if (!codes.length) return new Map();
    const rows: { code: string; id: string }[] = await em.query(`SELECT code, id FROM categories WHERE code = ANY($1::text[])`, [codes]);
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /** Which of these categories are forbidden (cash equivalents): campaigns must not allow them. */
  async forbiddenCategoryIds(categoryIds: string[], em: EntityManager = this.dataSource.manager): Promise<string[]> {
    const ids = categoryIds.filter((id) => isUuid(id));
    if (!ids.length) return [];
    const rows: { id: string }[] = await em.query(`SELECT id FROM categories WHERE id = ANY($1::uuid[]) AND forbidden`, [ids]);
    return rows.map((r) => r.id);
  }
}
