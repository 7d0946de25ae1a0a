import { escapeIdentifier } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';

// pg's own conversion of a parameter to the text it sends (arrays to array literals, objects to JSON, dates...)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a pg internal without types
const { prepareValue } = require('pg/lib/utils') as { prepareValue(v: unknown): string | null | Buffer };

interface PgResult {
  rows: Record<string, unknown>[];
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
  query(text: string): Promise<PgResult | PgResult[]>;
}

/**
 * A transaction of TransactionRunner.run({ fold: true }): its BEGIN is not sent on its own but in
 * front of its first statement, and its COMMIT may follow its last statement (preparedQuery's
 * `commit`) in the same round trip. Each is a round trip a hot path no longer waits for.
 */
interface FoldState {
  begun: boolean;
  committed: boolean;
}

const folds = new WeakMap<QueryRunner, FoldState>();
/** per connection, the statement names prepared on it (by preparedQuery), which SQL's EXECUTE can run */
const preparedOn = new WeakMap<object, Set<string>>();

/**
 * Runs `work` in a transaction whose BEGIN rides on its first statement (and whose COMMIT may ride
 * on its last): see TransactionRunner.run. Statements that are not folded (em.query, repositories)
 * are preceded by a BEGIN of their own when they come first, so every statement of `work` runs in
 * the transaction whatever sends it.
 */
export async function runFolded<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PgClient;
  const state: FoldState = { begun: false, committed: false };
  folds.set(runner, state);
  // TypeORM then opens no transaction of its own (repositories' save) and nests as savepoints
  const tx = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  tx.isTransactionActive = true;
  tx.transactionDepth = 1;
  const query = runner.query.bind(runner);
  runner.query = (async (...args: Parameters<QueryRunner['query']>) => {
    if (state.committed) throw new Error('this transaction has already committed');
    if (!state.begun) {
      await client.query('BEGIN');
      state.begun = true;
    }
    return query(...args);
  }) as QueryRunner['query'];
  let broken: Error | undefined;
  try {
    const result = await work(runner.manager);
    if (state.begun && !state.committed) await client.query('COMMIT');
    return result;
  } catch (err) {
    // after a failed folded COMMIT the transaction has ended already: ROLLBACK then only warns
    if (state.begun) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
    }
    throw err;
  } finally {
    tx.isTransactionActive = false;
    tx.transactionDepth = 0;
    // a connection whose ROLLBACK failed is not handed out again
    await (runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> }).releasePostgresConnection(broken);
  }
}

/**
 * Runs a statement as a named prepared statement on the transaction's connection: PostgreSQL parses
 * and plans it once per connection instead of on every call. For the statements of hot paths
 * (checkout), where planning a multi-table join or a CTE costs more than executing it. Outside a
 * transaction (no query runner) it falls back to a plain query. `name` must be unique per `text`.
 * Errors come back as TypeORM's QueryFailedError, like em.query's, so retries and the error filter
 * treat them the same.
 *
 * In a folded transaction (TransactionRunner.run({ fold: true })), once the statement is prepared
 * on the connection, a pending BEGIN and, with `commit`, the transaction's COMMIT travel with it:
 * one simple-protocol message `BEGIN; EXECUTE name(...); COMMIT`, the parameters as literals (the
 * text pg would have sent for them, which PostgreSQL converts to the prepared parameter types the
 * same way). With `commit`, nothing may run in the transaction after this statement; when the
 * statement fails, COMMIT does not run and the transaction is rolled back.
 */
export async function preparedQuery<T = Record<string, unknown>>(
  em: EntityManager,
  name: string,
  text: string,
  values: unknown[],
  opts: { commit?: boolean } = {},
): Promise<T[]> {
  const runner = em.queryRunner as (typeof em.queryRunner & { connect(): Promise<PgClient> }) | undefined;
  if (!runner || runner.isReleased) return em.query(text, values);
  const client = await runner.connect();
  const fold = folds.get(runner);
  if (fold?.committed) throw new Error('this transaction has already committed');
  let names = preparedOn.get(client);
  if (!names) preparedOn.set(client, (names = new Set()));
  try {
    if (fold && (!fold.begun || opts.commit) && names.has(name)) {
      const statements = [`EXECUTE ${escapeIdentifier(name)}(${values.map(literal).join(', ')})`];
      if (!fold.begun) statements.unshift('BEGIN');
      if (opts.commit) statements.push('COMMIT');
      // set before sending: whatever answers, the runner's end must know what may have run
      fold.begun = true;
      fold.committed = !!opts.commit;
      const res = await client.query(statements.join('; '));
      const results = Array.isArray(res) ? res : [res];
      return results[statements[0] === 'BEGIN' ? 1 : 0].rows as T[];
    }
    if (fold && !fold.begun) {
      await client.query('BEGIN');
      fold.begun = true;
    }
    const res = await client.query({ name, text, values });
    names.add(name);
    if (fold && opts.commit) {
      fold.committed = true;
      await client.query('COMMIT');
    }
    return res.rows as T[];
  } catch (err) {
    throw new QueryFailedError(text, values, err as Error);
  }
}

/** A parameter as an SQL literal of unknown type: the same text pg sends for it in a Bind message. */
function literal(value: unknown): string {
  const v = prepareValue(value);
  if (v === null || v === undefined) return 'NULL';
  const text = Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : v;
  // pg's escapeLiteral, with native replaces instead of its character loop (group statements carry ~30 kB of JSON)
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return text.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
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
