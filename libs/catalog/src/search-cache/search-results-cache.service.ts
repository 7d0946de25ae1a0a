import { APP_CONFIG, AppConfig, CacheVersions } from '@huigong/common';
import { Inject, Injectable } from '@nestjs/common';

/** Entries kept at most; a few thousand distinct pages cover what shoppers open within a TTL. */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  /** when the computation started: the answer reflects the database no earlier than this */
  at: number;
  value: Promise<T>;
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
  readonly ttlMs: number;

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
      this.version = version;
    }
    const now = Date.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.evict(now);
    const value = compute();
    const entry: Entry<T> = { at: now, value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** Drops expired entries, then (still full) the oldest: the map keeps insertion order. */
  private evict(now: number): void {
    for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(k);
    }
  }
}
