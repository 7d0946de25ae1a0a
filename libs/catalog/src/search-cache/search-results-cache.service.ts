import { APP_CONFIG, AppConfig, CacheVersions } from '@huigong/common';
import { Inject, Injectable } from '@nestjs/common';

/** Entries kept at most; a few thousand distinct pages cover what shoppers open within a TTL. */
const MAX_ENTRIES = 10_000;
/**
 * Items kept at most over all entries: an entry may hold up to 200 products with their image URLs
 * (each kept as its JSON text, ~0.5–1 KB), so the count of entries alone does not bound the memory
 * (~50,000 items is tens of MB typically).
 */
const MAX_ITEMS = 50_000;
/**
 * A hit on an entry older than this share of the TTL starts its recomputation in the background, so
 * a key that is asked for regularly is replaced before it expires instead of making a request wait
 * for the database when it has. Nothing is served older than the TTL.
 */
const REFRESH_AFTER = 0.5;

interface Entry<T> {
  /** when the computation started: the answer reflects the database no earlier than this */
  at: number;
  value: Promise<T>;
  /** items it holds, once computed (0 until then) */
  weight: number;
  /** its replacement being computed in the background */
  next?: { at: number; value: Promise<T> };
}

/** An entry's weight: its items (and one for the entry itself). */
function weightOf(value: unknown): number {
  const items = (value as { items?: unknown } | null)?.items;
  return 1 + (Array.isArray(items) ? items.length : 0);
}

/**
 * Search results in memory, keyed by the catalog version and the normalised query.
 *
 * - A catalog change (product, SKU price, listing, supplier, category; imports and direct SQL alike)
 *   replaces the version at its commit, and every lookup reads the version first: a result computed
 *   before the change is never served after it.
 * - What drifts without a catalog change — stock, in-stock flags and filters, sales counts and the
 *   sales order, ratings — is served at most `CATALOG_SEARCH_CACHE_TTL_MS` old (default 5 s),
 *   counted from when its computation started.
 * - Concurrent identical misses share one computation; a failed computation is not kept.
 * - Refresh ahead: a hit past half the TTL recomputes the entry in the background (once at a time);
 *   requests keep getting the current entry until the new one is there.
 */
@Injectable()
export class SearchResultsCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private version: string | null = null;
  /** sum of the kept entries' weights */
  private weight = 0;
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
      this.weight = 0;
      this.version = version;
    }
    const now = Date.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && now - hit.at < this.ttlMs) {
      if (!hit.next && hit.weight > 0 && now - hit.at >= this.ttlMs * REFRESH_AFTER) this.refresh(key, hit, compute, version, now);
      return hit.value;
    }
    if (hit) this.remove(key, hit);
    // the background replacement started within the TTL: it is fresh enough, and already under way
    if (hit?.next && now - hit.next.at < this.ttlMs) return this.insert(key, hit.next.at, hit.next.value);
    this.evict(now);
    return this.insert(key, now, compute());
  }

  private insert<T>(key: string, at: number, value: Promise<T>): Promise<T> {
    const entry: Entry<T> = { at, value, weight: 0 };
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

  private refresh<T>(key: string, current: Entry<T>, compute: () => Promise<T>, version: string, now: number): void {
    const next = { at: now, value: compute() };
    current.next = next;
    next.value.then(
      () => {
        // replaced only while the catalog version and the entry are the ones it was started for
        if (this.version !== version || this.entries.get(key) !== current) return;
        this.remove(key, current);
        void this.insert(key, next.at, next.value);
      },
      () => {
        if (current.next === next) current.next = undefined;
      },
    );
    // a failed refresh is dropped above; nobody else awaits it
    next.value.catch(() => undefined);
  }

  private remove(key: string, entry: Entry<unknown>): void {
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  /**
   * Drops entries from the oldest while they are expired or the cache is over its bounds: the map
   * keeps insertion order, which is about the order of `at` (a replaced key is deleted first; a
   * refreshed entry is inserted when its computation ends, a little after its `at`).
   */
  private evict(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.at < this.ttlMs && this.entries.size < MAX_ENTRIES && this.weight <= MAX_ITEMS) break;
      this.remove(k, e);
    }
  }
}
