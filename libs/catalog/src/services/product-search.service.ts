import { AuthUser, CacheVersions, MAX_PAGE_SIZE, Page, toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { SearchDbPool } from './search-db-pool.service';
import { SearchResultsCache } from '../search-cache/search-results-cache.service';
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

/** A cached page: the response body, encoded once, and how many items it holds (the cache's weight). */
interface PageBody {
  body: Buffer;
  items: number;
}

/** Counting every match of a one-character query (茶) costs more than the page itself; count up to here. */
export const TOTAL_CAP = 1000;
export const MAX_TERMS = 5;
/** Rows a keyword page may read walking the sort order before the matches are sorted instead. */
export const WALK_ROWS = 2000;
/** A broad keyword's matches are counted up to here, once per catalog version (see `broadMemo`). */
export const MATCH_COUNT_CAP = 20_000;
/** Broad keyword filters whose count is remembered at most (the memo is emptied when full). */
const MAX_REMEMBERED_COUNTS = 10_000;

const ORDER: Record<ProductSort, string> = {
  sales: 'p.sales_count DESC, p.id',
  price_asc: 'p.min_price_fen, p.id',
  price_desc: 'p.min_price_fen DESC, p.id DESC',
  rating: 'p.rating_avg DESC, p.rating_count DESC, p.id',
};

/**
 * The same orders, fenced (`+ 0`) so that no sort index can serve them. With a selective filter the
 * planner must then start from the filter (gram index, category index) and sort the matches, a cost
 * bounded by the number of matches. Walking a sort index while filtering looks cheap to the planner
 * but is unbounded when the filter correlates with the order (海参 by ascending price walks past
 * every cheaper product: 300 ms on 50,000 products instead of 3).
 */
const FENCED: Record<ProductSort, string> = {
  sales: '(p.sales_count + 0) DESC, p.id',
  price_asc: '(p.min_price_fen + 0), p.id',
  price_desc: '(p.min_price_fen + 0) DESC, p.id DESC',
  rating: '(p.rating_avg + 0) DESC, p.rating_count DESC, p.id',
};

const SORT_COLUMNS = 'p.sales_count, p.min_price_fen, p.rating_avg, p.rating_count';

/** Query text to search terms: split on whitespace (full-width too), every term must match. */
export function searchTerms(q: string | undefined): string[] {
  return (q ?? '')
    .split(/[\s\u3000]+/)
    .filter(Boolean)
    .slice(0, MAX_TERMS);
}

/** Everything a page depends on besides the catalog itself, in a fixed order (terms as searched). */
export function searchKey(cityPrefix: string, q: ProductSearchQuery): string {
  return JSON.stringify([
    cityPrefix,
    searchTerms(q.q),
    q.categoryId ?? null,
    q.supplierId ?? null,
    q.minPrice ?? null,
    q.maxPrice ?? null,
    !!q.localOnly,
    !!q.inStock,
    q.sort ?? 'sales',
    q.limit,
    q.offset,
  ]);
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
    private readonly cache: SearchResultsCache,
    private readonly searchPool: SearchDbPool,
    private readonly versions: CacheVersions,
  ) {}

  /**
   * A page of results as the JSON body of the response. The viewer matters only through their city
   * (the `local` flag, `localOnly`), so pages are cached per city and query (SearchResultsCache:
   * catalog changes are seen at once, stock and sales counts within the cache's TTL). The key holds
   * everything the body says (limit and offset too), so a page is kept as its whole body in UTF-8: a
   * cached page is written as it is — no serialization, no join, no encoding per request.
   */
  async searchBody(user: AuthUser, query: ProductSearchQuery, cacheEpoch?: number): Promise<Buffer> {
    const cityPrefix = await this.locality.cityPrefix(user);
    return (await this.cache.get(searchKey(cityPrefix, query), () => this.computeBody(cityPrefix, query), cacheEpoch)).body;
  }

  private async computeBody(cityPrefix: string, query: ProductSearchQuery): Promise<PageBody> {
    const page = await this.compute(cityPrefix, query);
    // ProductPageDto's keys in its order: items, total, totalCapped, limit, offset
    return { body: Buffer.from(JSON.stringify(page)), items: page.items.length };
  }

  private async compute(cityPrefix: string, query: ProductSearchQuery): Promise<ProductSearchPage> {
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const listed = [`p.status = 'active'`, 'p.supplier_listed'];
    const terms = searchTerms(query.q);
    // per term: what the gram index answers, and the exact test a row can be checked with alone
    const grams: string[] = [];
    const exact: string[] = [];
    for (const term of terms) {
      const t = param(term);
      const substring = `strpos(catalog_normalize(p.name || ' ' || p.description), catalog_normalize(${t}::text)) > 0`;
      // The grams narrow through the index; for 3+ characters the substring itself is checked too.
      // Decided here, not in SQL: in a generic plan `length(catalog_normalize($n)) <= 2` was evaluated
      // for every matching row. catalog_normalize keeps the length in characters (lower() and
      // translate() map one character to one), and a term holds no whitespace.
      grams.push(`catalog_product_grams(p.name, p.description) @> catalog_query_grams(${t}::text)`);
      if ([...term].length > 2) grams.push(substring);
      // a term has no whitespace, so containing it is exactly what the grams (and the substring) test
      exact.push(substring);
    }
    const rest: string[] = [];
    if (query.categoryId) rest.push(`p.category_id = ANY(${param(await this.categories.subtreeIds(query.categoryId))}::uuid[])`);
    if (query.supplierId) rest.push(`p.supplier_id = ${param(query.supplierId)}::uuid`);
    if (query.localOnly) {
      // the range lets the local-goods index find them; starts_with states the rule
      const lo = param(cityPrefix);
      const hi = param(String(Number(cityPrefix) + 1).padStart(cityPrefix.length, '0'));
      rest.push(`p.origin_certified AND p.origin_region_code >= ${lo}::text AND p.origin_region_code < ${hi}::text AND starts_with(p.origin_region_code, ${lo}::text)`);
    }
    const sku: string[] = [];
    // the cached price range of the product rules most products out before their SKUs are looked at
    if (query.minPrice !== undefined) {
      const min = param(query.minPrice);
      rest.push(`p.max_price_fen >= ${min}::bigint`);
      sku.push(`k.price_fen >= ${min}::bigint`);
    }
    if (query.maxPrice !== undefined) {
      const max = param(query.maxPrice);
      rest.push(`p.min_price_fen <= ${max}::bigint`);
      sku.push(`k.price_fen <= ${max}::bigint`);
    }
    if (query.inStock) sku.push('k.stock > 0');
    // a product matches when one of its SKUs meets every SKU condition at once
    if (sku.length) rest.push(`EXISTS (SELECT 1 FROM skus k WHERE k.product_id = p.id AND ${sku.join(' AND ')})`);
    const sort = query.sort ?? 'sales';
    // in stock alone passes nearly everything: not selective
    const selective =
      terms.length > 0 || !!query.categoryId || !!query.supplierId || !!query.localOnly || query.minPrice !== undefined || query.maxPrice !== undefined;
    const filter = [...listed, ...grams, ...rest].join(' AND ');
    const filterParams = params.slice();
    const prefix = param(cityPrefix);
    // LIMIT is written into the text (a validated integer, 1-200): as a parameter, generic plans
    // assume a tenth of the table, and the inflated cost switched on JIT compilation (10-50 ms a query)
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(query.limit) || 1));
    const offset = param(query.offset);
    const countUpTo = (cap: number) => this.prepared(`SELECT count(*)::int AS n FROM (SELECT 1 FROM products p WHERE ${filter} LIMIT ${cap}) x`, filterParams);
    const fenced = `SELECT p.id, ${SORT_COLUMNS} FROM products p WHERE ${filter} ORDER BY ${FENCED[sort]} LIMIT ${limit} OFFSET ${offset}`;

    let rows: QueryResultRow[];
    let n: number;
    let capped = false;
    if (terms.length) {
      // Keywords: counting every match of a broad word (青岛 is in 8,000 of 50,000 products) cost more
      // than the page, so the total is counted up to TOTAL_CAP here too, as for the whole listing. One
      // query takes up to TOTAL_CAP + 1 matches, counts them and sorts them: with at most TOTAL_CAP
      // matches that is the whole answer.
      const sample = `SELECT p.*, count(*) OVER () AS n
          FROM (SELECT p.id, ${SORT_COLUMNS} FROM products p WHERE ${filter} LIMIT ${TOTAL_CAP + 1}) p
         ORDER BY ${FENCED[sort]} LIMIT ${limit} OFFSET ${offset}`;
      // which products match does not drift with stock (unless inStock filters): a broad filter's
      // count, once known for this catalog version, spares the sample and sizes the walk
      const memo = query.inStock ? undefined : this.broadMemo();
      const countKey = `${filter}\n${JSON.stringify(filterParams)}`;
      let matches = memo?.counts.get(countKey);
      if (matches !== undefined) {
        rows = [];
        n = TOTAL_CAP + 1;
      } else {
        rows = await this.page(sample, true, sort, prefix, params);
        if (rows.length) n = rows[0].n;
        else if (query.offset === 0) n = 0;
        else [{ n }] = await countUpTo(TOTAL_CAP + 1);
        if (n > TOTAL_CAP && memo) {
          const counted = countUpTo(MATCH_COUNT_CAP).then(([r]) => r.n as number);
          memo.counts.set(countKey, counted);
          counted.catch(() => memo.counts.delete(countKey));
          matches = counted;
        }
      }
      capped = n > TOTAL_CAP;
      if (!capped) {
        // the sample was every match
      } else if (
        !(query.offset + limit >= (memo?.shortWalks.get(`${sort}\n${countKey}`) ?? Infinity)) &&
        // more than TOTAL_CAP match: when even that density pays for the walk (a shallow page), the
        // count is not waited for (it may be counting 20,000 rows); only a deeper page needs it
        ((await this.walkPays(query.offset + limit, TOTAL_CAP + 1)) ||
          (matches !== undefined && (await this.walkPays(query.offset + limit, await matches.catch(() => TOTAL_CAP + 1)))))
      ) {
        // Many matches: walk the sort order and test each product until the page is full — a few
        // hundred rows for a broad word, where sorting every match means reading thousands. The walk is
        // bounded (WALK_ROWS); should it end short of the page, the matches are sorted after all.
        const walk = `SELECT p.id, ${SORT_COLUMNS}
            FROM (SELECT p.id, p.name, p.description, ${SORT_COLUMNS} FROM products p WHERE ${[...listed, ...rest].join(' AND ')}
                   ORDER BY ${ORDER[sort]} LIMIT ${WALK_ROWS}) p
           WHERE ${exact.join(' AND ')} ORDER BY ${ORDER[sort]} LIMIT ${limit} OFFSET ${offset}`;
        rows = await this.page(walk, false, sort, prefix, params);
        if (rows.length < limit) {
          // A word that correlates with the order: the walk found fewer than offset + limit matches in
          // its WALK_ROWS rows, and a deeper page would not find more. Remembered as a hint only (the
          // sales and rating orders drift): a stale hint costs a walk or a sort, never a wrong page.
          const shortKey = `${sort}\n${countKey}`;
          if (memo) memo.shortWalks.set(shortKey, Math.min(memo.shortWalks.get(shortKey) ?? Infinity, query.offset + limit));
          rows = await this.page(fenced, false, sort, prefix, params);
        }
      } else rows = await this.page(fenced, false, sort, prefix, params);
    } else {
      // Selective (category, supplier, origin, price): one pass over the matches computes the exact
      // total and the page. Otherwise (everything, or everything in stock): walk the sort index for the
      // page and count up to TOTAL_CAP.
      // Category and local-goods filters are answered from covering indexes (index-only): counting in
      // a scan of its own is then cheaper than count(*) OVER (), which stores every match before the
      // sort (category pages: -15 %). Otherwise one pass keeps the heap and SKU look-ups to one each.
      const indexOnly = !sku.length && !query.supplierId;
      const total = indexOnly ? `(SELECT count(*) FROM products p WHERE ${filter})` : 'count(*) OVER ()';
      const page = selective
        ? `SELECT p.id, ${SORT_COLUMNS}, ${total} AS n FROM products p WHERE ${filter} ORDER BY ${FENCED[sort]} LIMIT ${limit} OFFSET ${offset}`
        : `SELECT p.id, ${SORT_COLUMNS}, (SELECT count(*) FROM (SELECT 1 FROM products p WHERE ${filter} LIMIT ${TOTAL_CAP + 1}) c) AS n
             FROM products p WHERE ${filter} ORDER BY ${ORDER[sort]} LIMIT ${limit} OFFSET ${offset}`;
      rows = await this.page(page, true, sort, prefix, params);
      if (rows.length) n = rows[0].n;
      else if (query.offset === 0) n = 0;
      // past the last page: the page query saw no row to carry the count
      else [{ n }] = selective ? await this.prepared(`SELECT count(*)::int AS n FROM products p WHERE ${filter}`, filterParams) : await countUpTo(TOTAL_CAP + 1);
      capped = !selective && n > TOTAL_CAP;
    }
    const categories = rows.length ? await this.categories.byId() : undefined;
    const items: ProductSummary[] = [];
    for (const r of rows) {
      const category = categories?.get(r.category_id);
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
    return { items, total: capped ? TOTAL_CAP : n, totalCapped: capped, limit: query.limit, offset: query.offset };
  }

  /** The page's rows in full, from the ids and sort keys `page` selects (and its count `n`, when it has one). */
  private page(page: string, counted: boolean, sort: ProductSort, prefix: string, params: unknown[]): Promise<QueryResultRow[]> {
    return this.prepared(
      `WITH page AS (${page})
       SELECT ${counted ? 'page.n::int AS n, ' : ''}p.id, p.name, p.image_urls, p.category_id, p.supplier_id, s.company_name, p.origin_region_code,
              p.origin_certified AND starts_with(p.origin_region_code, ${prefix}::text) AS local,
              p.min_price_fen, p.max_price_fen, p.sales_count, p.rating_avg, p.rating_count,
              (SELECT coalesce(sum(k.stock), 0) FROM skus k WHERE k.product_id = p.id)::int AS stock
         FROM page
        -- the page's rows by primary key (OFFSET 0 keeps the planner from turning this into a join it
        -- would size for an unknown LIMIT: a generic plan once read the whole table to fetch 20 rows)
        CROSS JOIN LATERAL (SELECT * FROM products x WHERE x.id = page.id OFFSET 0) p
         JOIN suppliers s ON s.id = p.supplier_id
        ORDER BY ${ORDER[sort]}`,
      params,
    );
  }

  /**
   * Whether walking the sort order should fill a page ending at `end`: with at least `matches` matches
   * among about `products` rows, one row in products / matches matches at worst, so the walk is
   * expected to read end * products / matches rows at most; past WALK_ROWS, sorting the matches wins.
   */
  private async walkPays(end: number, matches: number): Promise<boolean> {
    return (end * (await this.productCount())) / matches <= WALK_ROWS;
  }

  private memo?: { version: string; counts: Map<string, Promise<number>>; shortWalks: Map<string, number> };

  /**
   * Broad keyword filters' match counts (up to MATCH_COUNT_CAP) and the page ends their walks fell
   * short of, for the catalog version this request read; undefined when none can be trusted. Which listed products a filter without `inStock`
   * matches depends only on what the `catalog` version covers (names, descriptions, status, listing,
   * category, origin, SKU prices), so a count stays exact until the version changes. Used only with the
   * results cache on: its look-up read the version after the request arrived, and
   * CacheVersions.latest is at least that fresh (a count computed across a change is kept under the
   * version read before it, which later requests no longer match).
   */
  private broadMemo(): { counts: Map<string, Promise<number>>; shortWalks: Map<string, number> } | undefined {
    if (this.cache.ttlMs <= 0) return undefined;
    const version = this.versions.latest('catalog');
    if (version === undefined) return undefined;
    const m = this.memo;
    if (m?.version !== version || m.counts.size + m.shortWalks.size >= MAX_REMEMBERED_COUNTS) this.memo = { version, counts: new Map(), shortWalks: new Map() };
    return this.memo;
  }

  private estimate?: { at: number; rows: Promise<number> };

  /** The planner's row count of products (kept by ANALYZE and autovacuum), re-read once a minute. */
  private productCount(): Promise<number> {
    if (!this.estimate || Date.now() - this.estimate.at > 60_000) {
      const rows = this.dataSource
        .query(`SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'products'::regclass`)
        .then((r: { n: string }[]) => Number(r[0]?.n ?? 0))
        .catch(() => Number.POSITIVE_INFINITY);
      this.estimate = { at: Date.now(), rows };
    }
    return this.estimate.rows;
  }

  /**
   * Runs a query as a named prepared statement on the search pool, whose sessions use generic plans:
   * each shape of query (a few dozen filter combinations) is planned once per connection and then
   * reused. Planning costs as much as running these queries; the plans do not depend on the values
   * (the fenced orders start from the filter, the gram index takes catalog_query_grams($n) as a
   * run-time key, LIMIT is in the text), so generic plans lose little.
   */
  private prepared(text: string, values: unknown[]): Promise<QueryResultRow[]> {
    return this.searchPool.query(this.statementName(text), text, values);
  }

  /** Hashing the text (a few kB) on every request cost more than the rest of the service's JavaScript. */
  private readonly names = new Map<string, string>();

  private statementName(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `catalog_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      // the shapes are a few hundred at most (filters x sorts x page sizes); a bound all the same
      if (this.names.size >= 2000) this.names.clear();
      this.names.set(text, name);
    }
    return name;
  }
}
