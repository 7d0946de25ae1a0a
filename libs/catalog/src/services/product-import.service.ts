import { AppError, AuthUser, TransactionRunner, toSafeNumber } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ImportRow, ImportRowError, parseCsv, readImportRows } from '../import/csv-rows';
import { PRODUCT_LIFECYCLE, ProductAction, ProductStatus } from '../lifecycle/product-lifecycle';
import { chunks, lifecycleActor } from './catalog-helpers';
import { CategoriesService } from './categories.service';
import { NewProduct, NewSku, ProductBulkWriter } from './product-bulk-writer.service';
import { SupplierAccessService } from './supplier-access.service';

export interface ImportReport {
  dryRun: boolean;
  /** data rows in the file (blank lines not counted) */
  rows: number;
  /** SKUs created, updated (anything about them or their product changed), unchanged */
  created: number;
  updated: number;
  unchanged: number;
  /** rows refused (each has at least one entry in errors) */
  failed: number;
  productsCreated: number;
  productsUpdated: number;
  /** the first MAX_REPORTED_ERRORS errors, in line order */
  errors: ImportRowError[];
  errorCount: number;
}

const MAX_REPORTED_ERRORS = 1000;
const CHUNK = 4000;

interface ExistingSku {
  id: string;
  sku_code: string;
  product_id: string;
  spec: string;
  price_fen: string;
  stock: number;
  per_member_limit: number | null;
  name: string;
  description: string;
  image_urls: string[];
  category_id: string;
  origin_region_code: string;
  status: ProductStatus;
}

interface ResolvedRow extends ImportRow {
  categoryId: string;
  origin: string;
  /** the product columns: rows agreeing on them describe one product */
  productKey: string;
}

/** Thrown inside the transaction of a dry run to roll everything back and carry the report out. */
class DryRunRollback extends Error {
  constructor(readonly report: ImportReport) {
    super('dry run');
  }
}

function productKey(r: { name: string; categoryId: string; origin: string; description: string; imageUrls: string[] }): string {
  return JSON.stringify([r.name, r.categoryId, r.origin, r.description, r.imageUrls]);
}

/**
 * Supplier bulk import from CSV (format in libs/catalog/README.md). Idempotent by the supplier's own
 * SKU code: importing the same file twice changes nothing the second time. Rows are checked one by
 * one and refused rows are reported by line; the good rows are written with set-based statements in
 * one transaction. A dry run does all of it and rolls back.
 */
@Injectable()
export class ProductImportService {
  private readonly logger = new Logger(ProductImportService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly access: SupplierAccessService,
    private readonly categories: CategoriesService,
    private readonly writer: ProductBulkWriter,
  ) {}

  async import(user: AuthUser, csv: string, opts: { dryRun: boolean; submit: boolean }): Promise<ImportReport> {
    if (lifecycleActor(user) !== 'supplier') throw AppError.forbidden('Only supplier staff import products');
    const started = Date.now();
    const { rows, errors, dataRows } = readImportRows(await parseCsv(csv));
    const parsed = Date.now();
    let report: ImportReport;
    try {
      report = await this.tx.run(async (em) => {
        const r = await this.apply(em, user, rows, [...errors], dataRows, opts);
        if (opts.dryRun) throw new DryRunRollback(r);
        return r;
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
      report = err.report;
    }
    this.logger.log(
      `import by ${user.username}: ${dataRows} rows, ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ` +
        `${report.failed} refused${opts.dryRun ? ' (dry run)' : ''}; parse ${parsed - started} ms, database ${Date.now() - parsed} ms`,
    );
    return report;
  }

  private async apply(
    em: EntityManager,
    user: AuthUser,
    parsed: ImportRow[],
    errors: ImportRowError[],
    dataRows: number,
    opts: { dryRun: boolean; submit: boolean },
  ): Promise<ImportReport> {
    const supplier = await this.access.activeSupplier(em, user);
    // one import at a time per supplier: two concurrent imports of one file would both see a SKU as new
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('catalog-import'), hashtext($1))`, [supplier.id]);
    const fail = (r: ImportRow, field: ImportRowError['field'], reason: string) => errors.push({ line: r.line, skuCode: r.skuCode, field, reason });

    // duplicate codes: the first row wins
    const seen = new Map<string, number>();
    const unique: ImportRow[] = [];
    for (const r of parsed) {
      const first = seen.get(r.skuCode);
      if (first !== undefined) fail(r, 'sku_code', `duplicate of line ${first}`);
      else {
        seen.set(r.skuCode, r.line);
        unique.push(r);
      }
    }
    const cats = await this.categories.byCodes(em, [...new Set(unique.map((r) => r.categoryCode))]);
    const rows: ResolvedRow[] = [];
    for (const r of unique) {
      const c = cats.get(r.categoryCode);
      if (!c) fail(r, 'category_code', `unknown category ${r.categoryCode}`);
      else if (c.forbidden) fail(r, 'category_code', `${r.categoryCode} is forbidden by union rules (cash equivalents)`);
      else {
        const origin = r.originRegionCode ?? supplier.regionCode;
        rows.push({ ...r, categoryId: c.id, origin, productKey: productKey({ name: r.productName, categoryId: c.id, origin, description: r.description, imageUrls: r.imageUrls }) });
      }
    }

    const existing = new Map<string, ExistingSku>();
    for (const part of chunks(rows.map((r) => r.skuCode), 20_000)) {
      const found: ExistingSku[] = await em.query(
        `SELECT k.id, k.sku_code, k.product_id, k.spec, k.price_fen, k.stock, k.per_member_limit,
                p.name, p.description, p.image_urls, p.category_id, p.origin_region_code, p.status
           FROM skus k JOIN products p ON p.id = k.product_id
          WHERE k.supplier_id = $1 AND k.sku_code = ANY($2::text[])`,
        [supplier.id, part],
      );
      for (const e of found) existing.set(e.sku_code, e);
    }

    // Existing products: the first row of each names its product columns; rows disagreeing are refused.
    const productOf = new Map<string, { key: string; line: number; row: ResolvedRow; db: ExistingSku }>();
    const keyToProduct = new Map<string, string>();
    const accepted: ResolvedRow[] = [];
    for (const r of rows) {
      const e = existing.get(r.skuCode);
      if (!e) {
        accepted.push(r);
        continue;
      }
      const p = productOf.get(e.product_id);
      if (!p) {
        productOf.set(e.product_id, { key: r.productKey, line: r.line, row: r, db: e });
        if (!keyToProduct.has(r.productKey)) keyToProduct.set(r.productKey, e.product_id);
        accepted.push(r);
      } else if (p.key !== r.productKey) {
        fail(r, 'row', `product columns differ from line ${p.line}, another SKU of the same product`);
      } else accepted.push(r);
    }
    // content changes of products under review wait for the review: refuse their rows
    const contentChanged = new Set<string>();
    const frozen = new Set<string>();
    for (const [productId, p] of productOf) {
      const db = p.db;
      const dbKey = productKey({ name: db.name, categoryId: db.category_id, origin: db.origin_region_code, description: db.description, imageUrls: db.image_urls });
      if (dbKey === p.key) continue;
      if (db.status === 'pending_review') frozen.add(productId);
      else contentChanged.add(productId);
    }
    const writable = accepted.filter((r) => {
      const e = existing.get(r.skuCode);
      const productId = e?.product_id ?? keyToProduct.get(r.productKey);
      if (productId && frozen.has(productId)) {
        fail(r, 'row', 'the product is under review: its content cannot change until the review is done');
        return false;
      }
      return true;
    });

    let created = 0;
    let updated = 0;
    let unchanged = 0;
    const newProducts = new Map<string, NewProduct>();
    const newSkusOnExisting: (NewSku & { productId: string; supplierId: string })[] = [];
    const skuUpdates: { id: string; spec: string; priceFen: number; limit: number | null }[] = [];
    const stockSets: { id: string; stock: number }[] = [];
    const touched = new Set<string>();
    for (const r of writable) {
      const e = existing.get(r.skuCode);
      const sku: NewSku = { skuCode: r.skuCode, spec: r.spec, priceFen: r.priceFen, stock: r.stock, perMemberLimit: r.perMemberLimit };
      if (!e) {
        created++;
        const productId = keyToProduct.get(r.productKey);
        if (productId) {
          newSkusOnExisting.push({ ...sku, productId, supplierId: supplier.id });
          touched.add(productId);
          continue;
        }
        let p = newProducts.get(r.productKey);
        if (!p) {
          p = { supplierId: supplier.id, categoryId: r.categoryId, name: r.productName, description: r.description, imageUrls: r.imageUrls, originRegionCode: r.origin, skus: [] };
          newProducts.set(r.productKey, p);
        }
        p.skus.push(sku);
        continue;
      }
      const skuChanged = e.spec !== r.spec || toSafeNumber(e.price_fen) !== r.priceFen || (e.per_member_limit ?? null) !== r.perMemberLimit;
      if (skuChanged) skuUpdates.push({ id: e.id, spec: r.spec, priceFen: r.priceFen, limit: r.perMemberLimit });
      if (e.stock !== r.stock) stockSets.push({ id: e.id, stock: r.stock });
      if (skuChanged) touched.add(e.product_id);
      if (skuChanged || e.stock !== r.stock || contentChanged.has(e.product_id)) updated++;
      else unchanged++;
    }

    const actions: ProductAction[] = opts.submit ? ['create', 'submit'] : ['create'];
    await this.writer.insert(em, [...newProducts.values()], { actions, actor: 'supplier', actorUserId: user.id, stockReason: 'import: initial stock' });
    if (newSkusOnExisting.length) await this.writer.insertSkus(em, newSkusOnExisting, 'import: initial stock', user.id);
    await this.updateContent(em, user, [...contentChanged].map((id) => productOf.get(id)!));
    for (const part of chunks(skuUpdates, CHUNK)) {
      await em.query(
        `UPDATE skus k SET spec = x.spec, price_fen = x.price, per_member_limit = x.lim, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::int[]) AS x(id, spec, price, lim) WHERE k.id = x.id`,
        [part.map((u) => u.id), part.map((u) => u.spec), part.map((u) => u.priceFen), part.map((u) => u.limit)],
      );
    }
    // stock in the file is absolute: the difference to the locked current stock becomes a movement
    for (const part of chunks(stockSets.sort((a, b) => (a.id < b.id ? -1 : 1)), CHUNK)) {
      await em.query(
        `WITH v AS (SELECT * FROM unnest($1::uuid[], $2::int[]) AS v(id, stock)),
              locked AS (SELECT k.id, k.stock AS before FROM skus k JOIN v ON v.id = k.id ORDER BY k.id FOR UPDATE OF k),
              upd AS (UPDATE skus k SET stock = v.stock, updated_at = now() FROM v, locked l
                       WHERE k.id = v.id AND l.id = v.id AND l.before <> v.stock RETURNING k.id, k.stock, l.before)
         INSERT INTO stock_movements (sku_id, kind, delta, stock_after, reason, actor_user_id)
         SELECT id, 'adjustment', stock - before, stock, 'import: stock count', $3::uuid FROM upd`,
        [part.map((s) => s.id), part.map((s) => s.stock), user.id],
      );
    }
    await this.writer.refreshPrices(em, [...touched]);
    const failedLines = new Set(errors.map((e) => e.line));
    const report: ImportReport = {
      dryRun: opts.dryRun,
      rows: dataRows,
      created,
      updated,
      unchanged,
      failed: failedLines.size,
      productsCreated: newProducts.size,
      productsUpdated: contentChanged.size,
      errors: errors.sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_ERRORS),
      errorCount: errors.length,
    };
    await em.query(
      `INSERT INTO product_imports (supplier_id, actor_user_id, rows, created, updated, unchanged, errors) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [supplier.id, user.id, dataRows, created, updated, unchanged, report.failed],
    );
    return report;
  }

  /** New product columns for existing products; a listed one goes back to review ('revise'). */
  private async updateContent(em: EntityManager, user: AuthUser, products: { row: ResolvedRow; db: ExistingSku }[]): Promise<void> {
    for (const part of chunks(products, CHUNK)) {
      await em.query(
        `UPDATE products p SET name = x.name, description = x.description, image_urls = string_to_array(x.images, E'\\n'),
                category_id = x.category_id, origin_region_code = x.origin, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[]) AS x(id, name, description, images, category_id, origin)
          WHERE p.id = x.id`,
        [
          part.map((p) => p.db.product_id),
          part.map((p) => p.row.productName),
          part.map((p) => p.row.description),
          part.map((p) => p.row.imageUrls.join('\n')),
          part.map((p) => p.row.categoryId),
          part.map((p) => p.row.origin),
        ],
      );
      const live = part.filter((p) => p.db.status === 'active').map((p) => p.db.product_id);
      if (!live.length) continue;
      const t = PRODUCT_LIFECYCLE.plan('revise', 'active', 'supplier');
      await em.query(`UPDATE products SET status = $2, status_reason = NULL WHERE id = ANY($1::uuid[])`, [live, t.to]);
      await em.query(
        `INSERT INTO product_transitions (product_id, action, from_status, to_status, reason, actor_user_id)
         SELECT id, $2, $3, $4, 'content changed by import', $5::uuid FROM unnest($1::uuid[]) AS x(id)`,
        [live, t.action, t.from, t.to, user.id],
      );
    }
  }
}
