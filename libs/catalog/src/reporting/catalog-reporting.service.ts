import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface ProductOrigin {
  originRegionCode: string;
  /** the supplier's verified certification covers the origin */
  originCertified: boolean;
}

export interface CategoryRef {
  id: string;
  code: string;
  name: string;
}

export interface SupplierRef {
  id: string;
  companyName: string;
  regionCode: string;
}

/** Look-ups the reports context needs to label and classify what was bought. Reads only. */
@Injectable()
export class CatalogReportingService {
  constructor(private readonly dataSource: DataSource) {}

  /** The products' current origin and whether it is certified (what "local" is derived from). */
  async productOrigins(productIds: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, ProductOrigin>> {
    if (!productIds.length) return new Map();
    const rows: { id: string; origin_region_code: string; origin_certified: boolean }[] = await em.query(
      `SELECT id, origin_region_code, origin_certified FROM products WHERE id = ANY($1::uuid[])`,
      [productIds],
    );
    return new Map(rows.map((r) => [r.id, { originRegionCode: r.origin_region_code, originCertified: r.origin_certified }]));
  }

  /** Each category's top-level category (the 30 the platform reports by). */
  async topLevelCategories(categoryIds: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, CategoryRef>> {
    if (!categoryIds.length) return new Map();
    const rows: { id: string; root_id: string; code: string; name: string }[] = await em.query(
      `SELECT c.id, r.id AS root_id, r.code, r.name
         FROM categories c JOIN categories r ON r.id = c.path[1]
        WHERE c.id = ANY($1::uuid[])`,
      [categoryIds],
    );
    return new Map(rows.map((r) => [r.id, { id: r.root_id, code: r.code, name: r.name }]));
  }

  async suppliers(supplierIds: string[], em: EntityManager = this.dataSource.manager): Promise<Map<string, SupplierRef>> {
    if (!supplierIds.length) return new Map();
    const rows: { id: string; company_name: string; region_code: string }[] = await em.query(
      `SELECT id, company_name, region_code FROM suppliers WHERE id = ANY($1::uuid[])`,
      [supplierIds],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, companyName: r.company_name, regionCode: r.region_code }]));
  }
}
