import { APP_CONFIG, AppConfig, AppError, ReadinessRegistry } from '@huigong/common';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
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
 *
 * Readiness check `catalog-search`: a `SELECT 1` on this pool (it holds connections of its own, up to
 * CATALOG_SEARCH_DB_POOL_SIZE, beside the shared pool's).
 */
@Injectable()
export class SearchDbPool implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SearchDbPool.name);
  private pool?: Pool;
  /** Set at shutdown: Nest destroys modules before the HTTP server stops, and a search still arriving must not open a new pool. */
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register('catalog-search', async () => {
      if (this.closed) return { ok: false, detail: 'shut down' };
      await this.query('catalog_ready', 'SELECT 1', []);
      return { ok: true };
    });
  }

  /** Runs `text` as the named prepared statement `name` (one name per text); 503 SEARCH_UNAVAILABLE once shut down. */
  async query(name: string, text: string, values: unknown[]): Promise<QueryResultRow[]> {
    if (this.closed) throw new AppError('SEARCH_UNAVAILABLE', 'The API is shutting down; retry the search', 503);
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
    // an idle connection dropped by the server (a restart, an administrator) is replaced on the next
    // query; logged so that an operator sees it (an unhandled 'error' event would end the process)
    pool.on('error', (err) => this.logger.warn(`catalog search pool: idle connection lost: ${err.message}`));
    return pool;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}
