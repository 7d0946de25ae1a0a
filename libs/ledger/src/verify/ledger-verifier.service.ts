import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import type { VerificationProblem, VerificationResult } from '../model/ledger.types';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { BlockHeader, GENESIS_PREV_HASH, hashBlockHeader } from '../sealing';
import { canonicalTime } from '../services/ledger-sql';
import { BatchProblem, cmpId, EntryBatchResult } from './entry-batch-check';
import { NODE_BYTES, rootOfLeafNodes } from './merkle-leaf-nodes';
import { checkRange, fetchPackedRange } from './packed-range';
import type { VerifyWorkerData, VerifyWorkerMessage } from './verify-entries.worker';

export interface VerifyOptions {
  onProgress?(entries: number): void;
  /** record the outcome in ledger_verifications (readiness reads the latest); default true */
  record?: boolean;
  /** entry ids per fetched batch */
  batchSize?: number;
  /** worker threads hashing entries (default: up to 2, by the machine's cores); 1 = in this thread */
  threads?: number;
  /** use worker threads only from this many entry ids up (their start-up costs more than a small ledger) */
  parallelFrom?: number;
}

export interface LedgerVerification extends VerificationResult {
  unsealed: number;
  durationMs: number;
  /** the chain head this verification recomputed: compare it with a head you trust */
  head: { height: number; hash: string } | null;
}

interface BlockState {
  header: BlockHeader;
  storedHash: string;
  /** RFC 6962 leaf hashes by leaf index, 32 bytes each, as the ranges bring them */
  leaves: Buffer;
  /** which leaves arrived */
  taken: Uint8Array;
  filled: number;
  leafIds: (string | undefined)[];
  /** set once every leaf arrived */
  root?: string;
  firstId?: string;
  lastId?: string;
}

const PROBLEM_ORDER: Record<VerificationProblem['kind'], number> = { entry: 0, block: 1, account: 2, ledger: 3 };


/**
 * Recomputes the whole ledger in one consistent snapshot (exported to every connection it uses, so
 * the entry stream, the set checks and the account totals agree while postings go on):
 * - every entry: its transfers (count, amount > 0, debit ≠ credit, debits = credits), its hash,
 *   and that hash against the one it was sealed with;
 * - every block: contiguous heights, Merkle root of its entries, header hash, link to the previous
 *   header, first/last entry ids;
 * - every account: cached totals (row + shards) equal the sum of its transfers, every transfer's
 *   accounts exist; and the whole ledger sums to zero.
 * Reports the first problem: entries (by id) before blocks (by height) before accounts (by id).
 * Entries stream in id ranges, each one round trip of two COPY ... TO STDOUT commands (packed-range.ts), with the
 * next range prefetched while Node hashes the current one; on a big ledger the ranges go to worker
 * threads (verify-entries.worker.ts), each on its own connection in the same snapshot, so parsing
 * and hashing use every core. The set checks (account totals against their transfers, the ledger
 * summing to zero, counting the seals) run in PostgreSQL on other connections meanwhile.
 */
@Injectable()
export class LedgerVerifier {
  private readonly logger = new Logger(LedgerVerifier.name);

  constructor(private readonly dataSource: DataSource) {}

  async verify(opts: VerifyOptions = {}): Promise<LedgerVerification> {
    const started = Date.now();
    const runners: QueryRunner[] = [0, 1, 2].map(() => this.dataSource.createQueryRunner());
    let result: LedgerVerification;
    try {
      const [main, side, totals] = (await Promise.all(runners.map((r) => r.connect()))) as PoolClient[];
      await main.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows: [{ snapshot }] } = await main.query('SELECT pg_export_snapshot() AS snapshot');
      for (const c of [side, totals]) {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT '${String(snapshot).replace(/'/g, '')}'`);
      }
      const accountsCheck = this.checkAccounts(totals);
      accountsCheck.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
      const sealCount = side.query(`SELECT count(*)::text AS n FROM ledger_entry_seals`);
      sealCount.catch(() => undefined);
      const { blocks, problems: blockProblems } = await this.loadBlocks(main);
      const stream = await this.streamEntries(main, blocks, String(snapshot), opts);
      // every seal belongs to an entry the stream met, unless there are more seals than sealed entries
      const { rows: [{ n: seals }] } = await sealCount;
      const orphan = seals !== String(stream.entries - stream.unsealed) ? await this.firstOrphanSeal(side) : undefined;
      if (orphan && (!stream.problem || cmpId(orphan.id, stream.problem.id) < 0)) stream.problem = orphan;
      blockProblems.push(...this.checkBlockContents(blocks));
      blockProblems.sort((a, b) => cmpId(a.id, b.id)); // stable: the lowest height first
      const accounts = await accountsCheck;
      const problems = [stream.problem, ...blockProblems, accounts.problem].filter((p): p is VerificationProblem => !!p);
      problems.sort((a, b) => PROBLEM_ORDER[a.kind] - PROBLEM_ORDER[b.kind]);
      const head = blocks.length ? { height: blocks[blocks.length - 1].header.height, hash: hashBlockHeader(blocks[blocks.length - 1].header) } : null;
      result = {
        ok: problems.length === 0,
        entries: stream.entries,
        blocks: blocks.length,
        accounts: accounts.count,
        unsealed: stream.unsealed,
        durationMs: Date.now() - started,
        head,
        ...(problems.length ? { firstProblem: problems[0] } : {}),
      };
    } finally {
      await Promise.all(runners.map((r) => r.query('ROLLBACK').catch(() => undefined).then(() => r.release())));
    }
    if (opts.record !== false) {
      await this.dataSource.query(
        `INSERT INTO ledger_verifications (ok, entries, blocks, accounts, first_problem, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
        [result.ok, result.entries, result.blocks, result.accounts, result.firstProblem ? JSON.stringify(result.firstProblem) : null, result.durationMs],
      );
    }
    if (!result.ok) this.logger.error({ firstProblem: result.firstProblem }, 'ledger verification failed');
    return result;
  }

  /** The latest recorded verification (readiness and the audit API show it). */
  async latest(): Promise<{ at: Date; ok: boolean; entries: number; firstProblem: VerificationProblem | null } | null> {
    const [row] = await this.dataSource.query(`SELECT at, ok, entries, first_problem FROM ledger_verifications ORDER BY id DESC LIMIT 1`);
    return row ? { at: row.at, ok: row.ok, entries: Number(row.entries), firstProblem: row.first_problem } : null;
  }

  private async loadBlocks(c: PoolClient): Promise<{ blocks: BlockState[]; problems: VerificationProblem[] }> {
    const { rows } = await c.query({
      text: `SELECT height, prev_hash, merkle_root, entry_count, first_entry_id, last_entry_id, ${canonicalTime('sealed_at')}, hash FROM ledger_blocks ORDER BY height`,
      rowMode: 'array',
    });
    const problems: VerificationProblem[] = [];
    const blocks: BlockState[] = [];
    let prevHash = GENESIS_PREV_HASH;
    for (const r of rows as [string, string, string, number, string, string, string, string][]) {
      const header: BlockHeader = {
        height: Number(r[0]),
        prevHash: r[1],
        merkleRoot: r[2],
        entryCount: r[3],
        firstEntryId: r[4],
        lastEntryId: r[5],
        sealedAt: r[6],
      };
      const id = String(header.height);
      if (header.height !== blocks.length) problems.push({ kind: 'block', id, reason: `height ${header.height} where ${blocks.length} was expected (a block is missing)` });
      let hash: string;
      try {
        hash = hashBlockHeader(header);
      } catch (e) {
        problems.push({ kind: 'block', id, reason: `header cannot be encoded: ${(e as Error).message}` });
        hash = r[7];
      }
      if (hash !== r[7]) problems.push({ kind: 'block', id, reason: 'stored block hash does not match the recomputed header hash' });
      if (header.prevHash !== prevHash) problems.push({ kind: 'block', id, reason: `prevHash does not match the hash of block ${header.height - 1}` });
      prevHash = hash;
      const count = Math.max(0, header.entryCount);
      blocks.push({ header, storedHash: r[7], leaves: Buffer.alloc(count * NODE_BYTES), taken: new Uint8Array(count), filled: 0, leafIds: [] });
    }
    return { blocks, problems };
  }

  /** Seals are joined to their entries in the range stream: a seal without an entry is named here. */
  private async firstOrphanSeal(c: PoolClient): Promise<VerificationProblem | undefined> {
    const { rows: [orphan] } = await c.query(`
      SELECT s.entry_id::text AS id FROM ledger_entry_seals s
       WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = s.entry_id)
       ORDER BY s.entry_id LIMIT 1`);
    return orphan ? { kind: 'entry', id: orphan.id, reason: 'sealed, but the entry does not exist' } : undefined;
  }

  private async streamEntries(main: PoolClient, blocks: BlockState[], snapshot: string, opts: VerifyOptions) {
    const batch = opts.batchSize ?? 20_000;
    const heightIndex = new Map<string, BlockState>(blocks.map((b) => [String(b.header.height), b]));
    // the ranges cover transfers too, so a transfer whose entry does not exist is met in its range
    const { rows: [bounds] } = await main.query(`
      SELECT least((SELECT min(id) FROM ledger_entries), (SELECT min(entry_id) FROM ledger_transfers))::text AS lo,
             greatest((SELECT max(id) FROM ledger_entries), (SELECT max(entry_id) FROM ledger_transfers))::text AS hi`);
    let problem: VerificationProblem | undefined;
    let entries = 0;
    let unsealed = 0;
    if (bounds.lo === null) return { entries, unsealed, problem };
    const lo = BigInt(bounds.lo);
    const hi = BigInt(bounds.hi);
    // Ranges are taken in id order, so the first range with a problem holds the first problem.
    const take = (r: EntryBatchResult) => {
      entries += r.entries;
      unsealed += r.unsealed;
      const placed = this.placeLeaves(r, heightIndex);
      if (!problem) {
        const first = r.problem && placed && cmpId(placed.id, r.problem.id) < 0 ? placed : (r.problem ?? placed);
        if (first) problem = { kind: 'entry', ...first };
      }
      opts.onProgress?.(entries);
    };
    const threads = opts.threads ?? Math.min(2, availableParallelism());
    if (threads > 1 && hi - lo + 1n >= BigInt(opts.parallelFrom ?? 100_000)) {
      await this.inWorkers(snapshot, lo, hi, batch, threads, take);
      return { entries, unsealed, problem };
    }
    const step = BigInt(batch);
    let at = lo;
    let pending = fetchPackedRange(main, at, at + step);
    while (at <= hi) {
      const packed = await pending;
      const next = at + step;
      if (next <= hi) {
        pending = fetchPackedRange(main, next, next + step); // PostgreSQL reads the next range while we hash this one
        pending.catch(() => undefined);
      }
      take(await checkRange(main, at, next, packed));
      at = next;
    }
    return { entries, unsealed, problem };
  }

  /**
   * The ranges spread over worker threads (range k to worker k mod n), each on its own connection
   * in the same snapshot; results are taken in range order, as the single-threaded loop would.
   */
  private async inWorkers(snapshot: string, lo: bigint, hi: bigint, batch: number, threads: number, take: (r: EntryBatchResult) => void): Promise<void> {
    const o = this.dataSource.options as PostgresConnectionOptions;
    const connection = {
      connectionString: o.url,
      host: o.host,
      port: o.port,
      user: o.username,
      password: typeof o.password === 'string' ? o.password : undefined,
      database: o.database,
      application_name: `${o.applicationName ?? 'huigong'}-verify`,
      options: '-c jit=off',
    };
    // compiled: the .js beside this file; under ts-jest / ts-node: the .ts through ts-node
    const file = join(__dirname, `verify-entries.worker${extname(__filename)}`);
    const execArgv = extname(__filename) === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : [];
    const ranges = Number((hi - lo) / BigInt(batch)) + 1;
    const results = new Map<number, EntryBatchResult>();
    let nextK = 0;
    const workers: Worker[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        let running = threads;
        for (let index = 0; index < threads; index++) {
          const w = new Worker(file, {
            execArgv,
            // a range's strings live until it is hashed: a young generation that holds a few ranges
            // lets them die there instead of being promoted and collected again (GC was a fifth of the time)
            resourceLimits: { maxYoungGenerationSizeMb: 96 },
            workerData: { connection, snapshot, lo: lo.toString(), hi: hi.toString(), batch, index, workers: threads } satisfies VerifyWorkerData,
          });
          workers.push(w);
          w.on('message', (m: VerifyWorkerMessage) => {
            if (m.type === 'batch') {
              results.set(m.k, m.result);
              try {
                for (let r = results.get(nextK); r; r = results.get(nextK)) {
                  results.delete(nextK++);
                  take(r);
                }
              } catch (err) {
                reject(err);
              }
            } else if (m.type === 'error') reject(new Error(`ledger verification worker failed: ${m.message}`));
            else if (--running === 0) {
              if (nextK === ranges) resolve();
              else reject(new Error(`ledger verification workers returned ${nextK} of ${ranges} ranges`));
            }
          });
          w.on('error', reject);
        }
      });
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }

  /** Puts a range's sealed entries into their blocks; the first misplaced one (lowest id) comes back. */
  private placeLeaves(r: EntryBatchResult, heightIndex: Map<string, BlockState>): BatchProblem | undefined {
    let problem: BatchProblem | undefined;
    const nodes = r.leafNodes;
    for (let i = 0; i < r.leafIds.length; i++) {
      const id = r.leafIds[i];
      const height = r.leafHeights[i];
      const leaf = r.leafIndexes[i];
      const block = heightIndex.get(height);
      if (!block) problem ??= { id, reason: `sealed into block ${height}, which does not exist` };
      else if (!(Number.isInteger(leaf) && leaf >= 0 && leaf < block.taken.length) || block.taken[leaf]) problem ??= { id, reason: `leaf index ${leaf} is outside block ${height} or taken twice` };
      else {
        block.taken[leaf] = 1;
        block.leaves.set(nodes.subarray(i * NODE_BYTES, (i + 1) * NODE_BYTES), leaf * NODE_BYTES);
        block.leafIds[leaf] = id;
        if (++block.filled === block.header.entryCount) this.closeBlock(block);
      }
    }
    return problem;
  }

  /** A block whose last leaf arrived: its root now, while the stream goes on (and its leaves can go). */
  private closeBlock(b: BlockState): void {
    b.root = rootOfLeafNodes(b.leaves, b.header.entryCount);
    b.firstId = b.leafIds[0];
    b.lastId = b.leafIds[b.leafIds.length - 1];
    b.leaves = Buffer.alloc(0);
    b.taken = new Uint8Array(0);
    b.leafIds = [];
  }

  private checkBlockContents(blocks: BlockState[]): VerificationProblem[] {
    const problems: VerificationProblem[] = [];
    for (const b of blocks) {
      const id = String(b.header.height);
      if (b.root === undefined) {
        problems.push({ kind: 'block', id, reason: `block holds ${b.filled} sealed entries, its header says ${b.header.entryCount}` });
        continue;
      }
      if (b.root !== b.header.merkleRoot) problems.push({ kind: 'block', id, reason: 'Merkle root does not match the entries of the block' });
      if (b.firstId !== b.header.firstEntryId || b.lastId !== b.header.lastEntryId) {
        problems.push({ kind: 'block', id, reason: 'first or last entry id does not match the block header' });
      }
    }
    return problems;
  }

  private async checkAccounts(c: PoolClient): Promise<{ count: number; problem?: VerificationProblem }> {
    const { rows: [wrong] } = await c.query(`
      WITH legs AS (
        SELECT debit_account_id AS acct, amount AS d, 0::bigint AS c FROM ledger_transfers
        UNION ALL
        SELECT credit_account_id, 0::bigint, amount FROM ledger_transfers
      ), actual AS (
        SELECT acct, sum(d) AS d, sum(c) AS c FROM legs GROUP BY acct
      ), shards AS (
        SELECT account_id, sum(debits) AS d, sum(credits) AS c FROM ledger_account_totals GROUP BY account_id
      ), cached AS (
        SELECT a.id, a.debits_posted + coalesce(s.d, 0) AS d, a.credits_posted + coalesce(s.c, 0) AS c
          FROM ledger_accounts a LEFT JOIN shards s ON s.account_id = a.id
      )
      SELECT coalesce(k.id, x.acct)::text AS id, k.id IS NULL AS missing, k.d::text AS cached_d, k.c::text AS cached_c,
             coalesce(x.d, 0)::text AS actual_d, coalesce(x.c, 0)::text AS actual_c
        FROM cached k FULL JOIN actual x ON x.acct = k.id
       WHERE k.id IS NULL OR coalesce(x.d, 0) <> k.d OR coalesce(x.c, 0) <> k.c
       ORDER BY coalesce(k.id, x.acct)
       LIMIT 1`);
    const { rows: [sum] } = await c.query(`
      SELECT (SELECT count(*) FROM ledger_accounts)::int AS count,
             ((SELECT coalesce(sum(credits_posted - debits_posted), 0) FROM ledger_accounts)
              + (SELECT coalesce(sum(credits - debits), 0) FROM ledger_account_totals))::text AS total`);
    if (wrong) {
      const reason = wrong.missing
        ? 'transfers refer to an account that does not exist'
        : `cached totals (debits ${wrong.cached_d}, credits ${wrong.cached_c}) differ from the sum of its transfers (debits ${wrong.actual_d}, credits ${wrong.actual_c})`;
      return { count: sum.count, problem: { kind: 'account', id: wrong.id, reason } };
    }
    if (sum.total !== '0') return { count: sum.count, problem: { kind: 'ledger', id: 'ledger', reason: `account balances sum to ${sum.total}, not 0` } };
    return { count: sum.count };
  }
}
