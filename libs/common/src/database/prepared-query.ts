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
 * front of its first statement, a round trip a hot path no longer waits for.
 */
interface FoldState {
  begun: boolean;
}

const folds = new WeakMap<QueryRunner, FoldState>();
/** per connection, the statements prepared on it by preparedQuery (name → text), which SQL's EXECUTE can run */
const preparedOn = new WeakMap<object, Map<string, string>>();

/**
 * Runs `work` in a transaction whose BEGIN rides on its first statement: see TransactionRunner.run.
 * A first statement that is not folded (em.query, repositories, a statement not yet prepared on the
 * connection) is preceded by a BEGIN of its own, so every statement of `work` runs in the
 * transaction whatever sends it.
 */
export async function runFolded<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PgClient;
  const state: FoldState = { begun: false };
  folds.set(runner, state);
  // TypeORM then opens no transaction of its own (repositories' save) and nests as savepoints
  const tx = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  tx.isTransactionActive = true;
  tx.transactionDepth = 1;
  const query = runner.query.bind(runner);
  runner.query = (async (...args: Parameters<QueryRunner['query']>) => {
    if (!state.begun) {
      // set before sending: should work fail while the BEGIN is in flight, the end below still rolls back
      state.begun = true;
      await client.query('BEGIN');
    }
    return query(...args);
  }) as QueryRunner['query'];
  let broken: Error | undefined;
  try {
    const result = await work(runner.manager);
    if (state.begun) await client.query('COMMIT');
    return result;
  } catch (err) {
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
 * The first statement of a folded transaction (TransactionRunner.run({ fold: true })), once it is
 * prepared on the connection, carries the transaction's BEGIN: one simple-protocol message
 * `BEGIN; EXECUTE name(...)`, the parameters as literals (the text pg would have sent for them,
 * which PostgreSQL converts to the prepared parameter types the same way). Meant for first
 * statements with small parameters: literals cost CPU to build and to parse (a group's large last
 * statement measured slower folded than the COMMIT round trip it saved).
 */
export async function preparedQuery<T = Record<string, unknown>>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = em.queryRunner as (typeof em.queryRunner & { connect(): Promise<PgClient> }) | undefined;
  if (!runner || runner.isReleased) return em.query(text, values);
  const client = await runner.connect();
  const fold = folds.get(runner);
  let prepared = preparedOn.get(client);
  if (!prepared) preparedOn.set(client, (prepared = new Map()));
  try {
    if (fold && !fold.begun) {
      // set before sending: whatever answers, the runner's end must roll back or commit
      fold.begun = true;
      // the same text only: EXECUTE would run whatever is prepared under the name (pg refuses a name reused for another text)
      if (prepared.get(name) === text) {
        const res = await client.query(`BEGIN; EXECUTE ${escapeIdentifier(name)}(${values.map(literal).join(', ')})`);
        return (Array.isArray(res) ? res[1] : res).rows as T[];
      }
      await client.query('BEGIN');
    }
    const res = await client.query({ name, text, values });
    prepared.set(name, text);
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
  // pg's escapeLiteral, with native replaces instead of its character loop
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
