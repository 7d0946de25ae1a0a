import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Runs a statement as a named prepared statement on the transaction's connection: PostgreSQL parses
 * and plans it once per connection instead of on every call. For the statements of hot paths
 * (checkout), where planning a multi-table join or a CTE costs more than executing it. Outside a
 * transaction (no query runner) it falls back to a plain query. `name` must be unique per `text`.
 * Errors come back as TypeORM's QueryFailedError, like em.query's, so retries and the error filter
 * treat them the same.
 */
export async function preparedQuery<T = Record<string, unknown>>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = em.queryRunner as (typeof em.queryRunner & { connect(): Promise<PgClient> }) | undefined;
  if (!runner || runner.isReleased) return em.query(text, values);
  const client = await runner.connect();
  try {
    const res = await client.query({ name, text, values });
    return res.rows as T[];
  } catch (err) {
    throw new QueryFailedError(text, values, err as Error);
  }
}

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * A named prepared statement outside a transaction, on whichever pooled connection is free (each
 * connection prepares it on first use). For per-request reads such as the authentication lookup.
 */
export async function pooledPreparedQuery<T = Record<string, unknown>>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  if (!pool) return dataSource.query(text, values);
  try {
    const res = await pool.query({ name, text, values });
    return res.rows as T[];
  } catch (err) {
    throw new QueryFailedError(text, values, err as Error);
  }
}
