import { APP_CONFIG, AppConfig } from '@huigong/common';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { QueryFailedError } from 'typeorm';

/**
 * The connections product searches run on: a small pool of their own whose sessions plan prepared
 * statements once (`plan_cache_mode = force_generic_plan`).
 *
 * Why not the shared pool: PostgreSQL's default (`auto`) compares a statement's generic plan with the
 * custom plans of its first five runs, and for every search shape it kept planning afresh on every
 * execution (pg_prepared_statements showed generic_plans = 0 after hundreds of runs: the parameters
 * — a category subtree as an array, the OFFSET — make the generic estimate look dearer). Planning
 * was a quarter to a half of a search's PostgreSQL CPU. Forcing generic plans is a session setting,
 * and the shared pool also runs other contexts' prepared statements, whose plans must not change with
 * it: hence a pool of the catalog's own. Reads only, outside transactions.
 */
@Injectable()
export class CatalogSearchPool implements OnModuleDestroy {
  private pool?: Pool;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Runs `text` as the named prepared statement `name` (one name per text). */
  async query(name: string, text: string, values: unknown[]): Promise<QueryResultRow[]> {
    this.pool ??= this.create();
    try {
      return (await this.pool.query({ name, text, values })).rows;
    } catch (err) {
      // as em.query would: the error filter and callers treat TypeORM's errors alike
      throw new QueryFailedError(text, values, err as Error);
    }
  }

  private create(): Pool {
    const pool = new Pool({
      connectionString: this.config.databaseUrl,
      max: this.config.catalogSearchDbPoolSize,
      connectionTimeoutMillis: 5000,
      application_name: 'api-catalog-search',
      // jit=off as on the shared pool (short statements)
      options: '-c jit=off -c plan_cache_mode=force_generic_plan',
    });
    // an idle connection dropped by the server is replaced on the next query; nothing to do here
    pool.on('error', () => undefined);
    return pool;
  }

  async onModuleDestroy(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}
