import { APP_CONFIG, AppConfig, CacheVersions } from '@huigong/common';
import { Inject, Injectable } from '@nestjs/common';

/** Entries kept at most; a few thousand distinct pages cover what shoppers open within a TTL. */
const MAX_ENTRIES = 10_000;
/**
 * Items kept at most over all pages: a page may hold up to 200 products with their image URLs
 * (a few KB each), so the count of pages alone does not bound the memory (~50,000 items is tens of
 * MB typically, a few hundred MB at the very worst).
 */
const MAX_ITEMS = 50_000;

interface Entry<T> {
  /** when the computation started: the answer reflects the database no earlier than this */
  at: number;
  value: Promise<T>;
  /** items it holds, once computed (0 until then) */
  weight: number;
}

/** A page's weight: its items (an array, or their count) and one for the page itself. */
function weightOf(value: unknown): number {
  const items = (value as { items?: unknown } | null)?.items;
  return 1 + (Array.isArray(items) ? items.length : typeof items === 'number' ? items : 0);
}

/**
 * Search result pages in memory, keyed by the catalog version and the normalised query.
 *
 * - A catalog change (product, SKU price, listing, supplier, category; imports and direct SQL alike)
 *   replaces the version at its commit, and every lookup reads the version first: a page computed
 *   before the change is never served after it.
 * - What drifts without a catalog change — stock, in-stock flags and filters, sales counts and the
 *   sales order, ratings — is served at most `CATALOG_SEARCH_CACHE_TTL_MS` old (default 5 s).
 * - Concurrent identical misses share one computation; a failed computation is not kept.
 */
@Injectable()
export class SearchResultsCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private version: string | null = null;
  /** sum of the kept entries' weights */
  private weight = 0;
  readonly ttlMs: number;
  /** look-ups answered from memory (a computed page or one in flight) and pages computed: for benchmarks */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    private readonly versions: CacheVersions,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.catalogSearchCacheTtlMs;
  }

  /** `epoch`: CacheVersions.epoch() when the request arrived (RequestCacheEpoch); now when not given. */
  async get<T>(key: string, compute: () => Promise<T>, epoch?: number): Promise<T> {
    if (this.ttlMs <= 0) return compute();
    const version = await this.versions.current('catalog', epoch);
    if (version === null) return compute();
    if (version !== this.version) {
      // every entry belongs to an older catalog
      this.entries.clear();
      this.weight = 0;
      this.version = version;
    }
    const now = Date.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && now - hit.at < this.ttlMs) {
      this.stats.hits++;
      return hit.value;
    }
    this.stats.misses++;
    if (hit) this.remove(key, hit);
    this.evict(now);
    const value = compute();
    const entry: Entry<T> = { at: now, value, weight: 0 };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        if (this.entries.get(key) !== entry) return;
        entry.weight = weightOf(v);
        this.weight += entry.weight;
        this.evict(Date.now());
      },
      () => {
        if (this.entries.get(key) === entry) this.remove(key, entry);
      },
    );
    return value;
  }

  private remove(key: string, entry: Entry<unknown>): void {
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  /**
   * Drops entries from the oldest while they are expired or the cache is over its bounds: the map
   * keeps insertion order, which is the order of `at` (a replaced key is deleted first).
   */
  private evict(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.at < this.ttlMs && this.entries.size < MAX_ENTRIES && this.weight <= MAX_ITEMS) break;
      this.remove(k, e);
    }
  }
}
