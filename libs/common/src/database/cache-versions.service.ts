import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pooledPreparedQuery } from './prepared-query';

/** The named versions of migration 1765700000000: `catalog`, `identity`. */
export type CacheVersionName = 'catalog' | 'identity';

/**
 * Reads the versions in-memory caches are keyed by (table `cache_versions`, migration 1765700000000):
 * each is replaced at the commit of every transaction that changes what its caches hold, whichever
 * process, import or script made the change.
 *
 * `current(name)` answers with a read that started after the call, so a change committed before a
 * request arrived is always seen — across API processes, without a message bus. Concurrent callers
 * share reads: while one is in flight, every new caller waits for the next one, which starts when it
 * ends. Under load that is one small read per database round trip, whatever the request rate.
 */
@Injectable()
export class CacheVersions {
  private inFlight?: Promise<Map<string, string>>;
  private next?: Promise<Map<string, string>>;

  constructor(private readonly dataSource: DataSource) {}

  /** null when the version is missing (a truncated table): callers must not cache then. */
  async current(name: CacheVersionName): Promise<string | null> {
    return (await this.read()).get(name) ?? null;
  }

  private read(): Promise<Map<string, string>> {
    if (!this.inFlight) return this.start();
    // the read in flight may have started before this call: it cannot vouch for it
    this.next ??= this.inFlight.then(
      () => this.afterInFlight(),
      () => this.afterInFlight(),
    );
    return this.next;
  }

  private afterInFlight(): Promise<Map<string, string>> {
    this.next = undefined;
    return this.start();
  }

  private start(): Promise<Map<string, string>> {
    const read = pooledPreparedQuery<{ name: string; version: string }>(this.dataSource, 'cache_versions_all', 'SELECT name, version FROM cache_versions', []).then(
      (rows) => new Map(rows.map((r) => [r.name, r.version])),
    );
    const tracked = read.finally(() => {
      if (this.inFlight === tracked) this.inFlight = undefined;
    });
    this.inFlight = tracked;
    return tracked;
  }
}
