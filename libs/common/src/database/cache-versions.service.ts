import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pooledPreparedQuery } from './prepared-query';

/** The named versions of migration 1765700000000: `catalog`, `identity`. */
export type CacheVersionName = 'catalog' | 'identity';

interface Read {
  /** 1, 2, 3...: reads are numbered as they start */
  seq: number;
  versions: Promise<Map<string, string>>;
}

/**
 * Reads the versions in-memory caches are keyed by (table `cache_versions`, migration 1765700000000):
 * each is replaced at the commit of every transaction that changes what its caches hold, whichever
 * process, import or script made the change.
 *
 * A request takes `epoch()` when it arrives (the request guard does); `current(name, epoch)` then
 * answers with a read that started after that moment, so a change committed before the request
 * arrived is always seen — across API processes, without a message bus. Reads are shared: while one
 * is in flight, callers it cannot vouch for wait for the next one, which starts when it ends; a
 * request's second look-up (the guard's, then the search's) is answered by its first read. Under load
 * that is one small read per database round trip, whatever the request rate.
 */
@Injectable()
export class CacheVersions {
  private started = 0;
  private last?: Read;
  private inFlight?: Read;
  private next?: Promise<Read>;
  private lastValues?: Map<string, string>;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * The version as of the newest read that has completed, without waiting (undefined: none yet, or
   * the name is missing). For caches used inside a request that already awaited `current()`: this is
   * at least that fresh.
   */
  latest(name: CacheVersionName): string | undefined {
    return this.lastValues?.get(name);
  }

  /**
   * A SQL expression for one version, to read it in the same statement (and snapshot) as the data a
   * cache keeps under it (the request guard's user look-ups do): null when the name is missing.
   */
  static sql(name: CacheVersionName): string {
    return `(SELECT version FROM cache_versions WHERE name = '${name === 'catalog' ? 'catalog' : 'identity'}')`;
  }

  /** How many reads have started so far: a later read began after this call. */
  epoch(): number {
    return this.started;
  }

  /** The version as read after `epoch` (now, when not given); null when it is missing (callers must not cache then). */
  async current(name: CacheVersionName, epoch = this.epoch()): Promise<string | null> {
    return (await (await this.readAfter(epoch)).versions).get(name) ?? null;
  }

  private async readAfter(epoch: number): Promise<Read> {
    if (this.inFlight && this.inFlight.seq > epoch) return this.inFlight;
    if (!this.inFlight) return this.last && this.last.seq > epoch ? this.last : this.start();
    // the read in flight started before this request: wait for the next one
    this.next ??= this.inFlight.versions.then(
      () => this.afterInFlight(),
      () => this.afterInFlight(),
    );
    return this.next;
  }

  private afterInFlight(): Read {
    this.next = undefined;
    return this.start();
  }

  private start(): Read {
    const read: Read = {
      seq: ++this.started,
      versions: pooledPreparedQuery<{ name: string; version: string }>(this.dataSource, 'cache_versions_all', 'SELECT name, version FROM cache_versions', []).then(
        (rows) => new Map(rows.map((r) => [r.name, r.version])),
      ),
    };
    this.inFlight = read;
    read.versions.then(
      (values) => {
        if (this.inFlight === read) this.inFlight = undefined;
        if (!this.last || this.last.seq < read.seq) {
          this.last = read;
          this.lastValues = values;
        }
      },
      () => {
        if (this.inFlight === read) this.inFlight = undefined;
      },
    );
    return read;
  }
}
