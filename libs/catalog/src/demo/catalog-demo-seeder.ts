import { APP_CONFIG, AppConfig } from '@huigong/common';
import { OrganizationsService, OrganizationType } from '@huigong/identity';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { chunks } from '../services/catalog-helpers';
import { CategoriesService } from '../services/categories.service';
import { NewProduct, ProductBulkWriter } from '../services/product-bulk-writer.service';
import { DEFAULT_SUPPLIER_COUNT, generateProducts, generateSuppliers } from './demo-generator';
import { CATEGORIES, DemoCategory, FORBIDDEN_CATEGORIES } from './word-lists';
import type { DemoSupplier } from './demo-generator';

export interface CatalogSeedOptions {
  /** how many products (default: config.demoProducts, env DEMO_PRODUCTS) */
  products?: number;
  suppliers?: number;
  seed?: number;
  /** the existing supplier organization of the demo `supplier` user (崂山农品合作社) */
  demoSupplierOrganizationId?: string;
}

export interface CatalogSeedResult {
  categories: number;
  suppliers: number;
  products: number;
  skus: number;
  demoSupplierId: string | null;
}

/** The demo supplier the README's `supplier` user works for: a Laoshan tea and fruit co-operative. */
export const DEMO_SUPPLIER: DemoSupplier = {
  code: 'SUP0001',
  companyName: '崂山农品合作社',
  contactName: '于海波',
  contactPhone: '13906391234',
  regionCode: '370212',
  regionName: '山东省青岛市崂山区',
  certified: true,
  certification: '农产品地理标志 AGI00583',
  categories: ['tea', 'fruit', 'seafood', 'farm-produce'],
};

/**
 * Loads the demo catalog: the 30 categories with their subcategories, the forbidden cash-equivalent
 * category, ~200 approved suppliers (one of them the demo supplier organization) and N active,
 * stocked products from the deterministic generator, through the same bulk writer as imports.
 */
@Injectable()
export class CatalogDemoSeeder {
  private readonly logger = new Logger(CatalogDemoSeeder.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orgs: OrganizationsService,
    private readonly categories: CategoriesService,
    private readonly writer: ProductBulkWriter,
  ) {}

  async seed(em: EntityManager, opts: CatalogSeedOptions = {}): Promise<CatalogSeedResult> {
    const started = Date.now();
    const categoryIds = await this.seedCategories(em);
    const generated = generateSuppliers({ seed: opts.seed, count: opts.suppliers ?? DEFAULT_SUPPLIER_COUNT });
    const suppliers = opts.demoSupplierOrganizationId ? [DEMO_SUPPLIER, ...generated.slice(1)] : generated;
    const supplierIds = new Map<string, string>();
    const organizationIds = new Map<string, string>();
    for (const s of suppliers) {
      supplierIds.set(s.code, randomUUID());
      // approved suppliers are supplier organizations in identity; the demo one exists already
      const org = s === DEMO_SUPPLIER ? opts.demoSupplierOrganizationId! : (await this.orgs.create(em, { type: OrganizationType.Supplier, name: s.companyName, regionCode: s.regionCode })).id;
      organizationIds.set(s.code, org);
    }
    for (const part of chunks(suppliers, 1000)) {
      const orgIds = part.map((s) => organizationIds.get(s.code));
      await em.query(
        `INSERT INTO suppliers (id, company_name, contact_name, contact_phone, region_code, category_codes, certification, certified_region_code, status, organization_id)
         SELECT id, name, contact, phone, region, string_to_array(cats, ','), cert, CASE WHEN cert IS NULL THEN NULL ELSE region END, 'approved', org
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[]) AS x(id, name, contact, phone, region, cats, cert, org)`,
        [
          part.map((s) => supplierIds.get(s.code)),
          part.map((s) => s.companyName),
          part.map((s) => s.contactName),
          part.map((s) => s.contactPhone),
          part.map((s) => s.regionCode),
          part.map((s) => s.categories.join(',')),
          part.map((s) => s.certification),
          orgIds,
        ],
      );
      await em.query(
        `INSERT INTO supplier_transitions (supplier_id, action, from_status, to_status, reason) SELECT id, 'seed', NULL, 'approved', 'demo data' FROM unnest($1::uuid[]) AS x(id)`,
        [part.map((s) => supplierIds.get(s.code))],
      );
    }
    const count = opts.products ?? this.config.demoProducts;
    let products = 0;
    let skus = 0;
    let batch: NewProduct[] = [];
    const flush = async () => {
      await this.writer.insert(em, batch, { actions: ['seed'], actor: 'system', actorUserId: null, stockReason: 'demo data: initial stock' });
      batch = [];
    };
    for (const p of count > 0 ? generateProducts(suppliers, { seed: opts.seed, count }) : []) {
      batch.push({
        supplierId: supplierIds.get(p.supplierCode)!,
        // the subcategory when there is one: a category page then lists its subcategories' goods too
        categoryId: categoryIds.get(p.subcategoryCode ?? p.categoryCode) ?? categoryIds.get(p.categoryCode)!,
        name: p.name,
        description: p.description,
        imageUrls: p.imageUrls,
        originRegionCode: p.originRegionCode,
        skus: p.skus.map((k) => ({ skuCode: k.skuCode, spec: k.spec, priceFen: k.priceFen, stock: k.stock, perMemberLimit: k.perMemberLimit })),
      });
      products++;
      skus += p.skus.length;
      if (batch.length >= 4000) await flush();
    }
    if (batch.length) await flush();
    this.categories.invalidate();
    this.logger.log(`demo catalog: ${categoryIds.size} categories, ${suppliers.length} suppliers, ${products} products in ${Date.now() - started} ms`);
    return { categories: categoryIds.size, suppliers: suppliers.length, products, skus, demoSupplierId: opts.demoSupplierOrganizationId ? supplierIds.get(DEMO_SUPPLIER.code)! : null };
  }

  /** Top-level categories in the generator's order, subcategories below; the forbidden ones last. */
  private async seedCategories(em: EntityManager): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const rows: { id: string; code: string; name: string; parent: string | null; path: string[]; forbidden: boolean; position: number }[] = [];
    const add = (c: DemoCategory, position: number) => {
      const id = randomUUID();
      ids.set(c.code, id);
      rows.push({ id, code: c.code, name: c.name, parent: null, path: [id], forbidden: c.forbidden, position });
      c.subcategories.forEach((s, i) => {
        const sid = randomUUID();
        ids.set(s.code, sid);
        rows.push({ id: sid, code: s.code, name: s.name, parent: id, path: [id, sid], forbidden: c.forbidden, position: i });
      });
    };
    [...CATEGORIES, ...FORBIDDEN_CATEGORIES].forEach((c, i) => add(c, i));
    await em.query(
      `INSERT INTO categories (id, code, name, parent_id, path, forbidden, position)
       SELECT id, code, name, parent, string_to_array(path, ',')::uuid[], forbidden, position
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::boolean[], $7::int[]) AS x(id, code, name, parent, path, forbidden, position)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.code),
        rows.map((r) => r.name),
        rows.map((r) => r.parent),
        rows.map((r) => r.path.join(',')),
        rows.map((r) => r.forbidden),
        rows.map((r) => r.position),
      ],
    );
    return ids;
  }
}
