import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import type { VerificationProblem, VerificationResult } from '../model/ledger.types';
import { BlockHeader, CanonicalEncodingError, GENESIS_PREV_HASH, hashBlockHeader, merkleRoot } from '../sealing';
import { fastHashEntry, TransferTuple } from './fast-entry-hash';
import { canonicalTime } from '../services/ledger-sql';

export interface VerifyOptions {
  onProgress?(entries: number): void;
  /** record the outcome in ledger_verifications (readiness reads the latest); default true */
  record?: boolean;
  /** entry ids per fetched batch */
  batchSize?: number;
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
  leaves: (string | undefined)[];
  filled: number;
  leafIds: (string | undefined)[];
  /** set once every leaf arrived */
  root?: string;
  firstId?: string;
  lastId?: string;
}

const PROBLEM_ORDER: Record<VerificationProblem['kind'], number> = { entry: 0, block: 1, account: 2, ledger: 3 };

/** Compares decimal id strings exactly (no precision limits). */
function cmpId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Recomputes the whole ledger in one consistent snapshot (exported to four connections so the
 * entry stream, the transfer stream and the account totals agree while postings go on):
 * - every entry: its transfers (count, amount > 0, debit ≠ credit, debits = credits), its hash,
 *   and that hash against the one it was sealed with;
 * - every block: contiguous heights, Merkle root of its entries, header hash, link to the previous
 *   header, first/last entry ids;
 * - every account: cached totals (row + shards) equal the sum of its transfers, every transfer's
 *   accounts exist; and the whole ledger sums to zero.
 * Reports the first problem: entries (by id) before blocks (by height) before accounts (by id).
 * Entries stream in id ranges with the next range prefetched while Node hashes the current one.
 */
@Injectable()
export class LedgerVerifier {
  private readonly logger = new Logger(LedgerVerifier.name);

  constructor(private readonly dataSource: DataSource) {}

  async verify(opts: VerifyOptions = {}): Promise<LedgerVerification> {
    const started = Date.now();
    const runners: QueryRunner[] = [0, 1, 2, 3].map(() => this.dataSource.createQueryRunner());
    let result: LedgerVerification;
    try {
      const [main, side, seals, totals] = (await Promise.all(runners.map((r) => r.connect()))) as PoolClient[];
      await main.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows: [{ snapshot }] } = await main.query('SELECT pg_export_snapshot() AS snapshot');
      for (const c of [side, seals, totals]) {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT '${String(snapshot).replace(/'/g, '')}'`);
      }
      const accountsCheck = this.checkAccounts(totals);
      accountsCheck.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
      const { blocks, problems: blockProblems } = await this.loadBlocks(main);
      const stream = await this.streamEntries(main, side, seals, blocks, opts);
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
      blocks.push({ header, storedHash: r[7], leaves: new Array(Math.max(0, header.entryCount)), filled: 0, leafIds: [] });
    }
    return { blocks, problems };
  }

  private async streamEntries(main: PoolClient, side: PoolClient, sealsClient: PoolClient, blocks: BlockState[], opts: VerifyOptions) {
    const batch = opts.batchSize ?? 20_000;
    const heightIndex = new Map<string, BlockState>(blocks.map((b) => [String(b.header.height), b]));
    const { rows: [bounds] } = await main.query(`SELECT min(id)::text AS lo, max(id)::text AS hi FROM ledger_entries`);
    let problem: VerificationProblem | undefined;
    const flag = (id: string, reason: string) => {
      problem ??= { kind: 'entry', id, reason };
    };
    let entries = 0;
    let unsealed = 0;
    if (bounds.lo === null) return { entries, unsealed, problem };
    const hi = BigInt(bounds.hi);
    const fetch = (lo: bigint) => {
      const to = (lo + BigInt(batch)).toString();
      const from = lo.toString();
      return Promise.all([
        main.query({
          text: `SELECT e.id, e.kind, e.idempotency_key, e.reference, e.actor, e.metadata, ${canonicalTime('e.created_at')}, e.transfer_count
                   FROM ledger_entries e WHERE e.id >= $1 AND e.id < $2 ORDER BY e.id`,
          values: [from, to],
          rowMode: 'array',
        }),
        sealsClient.query({
          text: `SELECT entry_id, block_height, leaf_index, entry_hash FROM ledger_entry_seals WHERE entry_id >= $1 AND entry_id < $2 ORDER BY entry_id`,
          values: [from, to],
          rowMode: 'array',
        }),
        side.query({
          text: `SELECT entry_id, debit_account_id, credit_account_id, amount FROM ledger_transfers WHERE entry_id >= $1 AND entry_id < $2 ORDER BY entry_id, id`,
          values: [from, to],
          rowMode: 'array',
        }),
      ]);
    };
    let lo = BigInt(bounds.lo);
    let pending = fetch(lo);
    while (lo <= hi) {
      const [er, sr, tr] = await pending;
      const next = lo + BigInt(batch);
      if (next <= hi) {
        pending = fetch(next); // PostgreSQL reads the next range while we hash this one
        pending.catch(() => undefined);
      }
      const es = er.rows as [string, string, string, string, string | null, unknown, string, number][];
      const ss = sr.rows as [string, string, number, string][];
      const ts = tr.rows as [string, string, string, string][];
      let ti = 0;
      let si = 0;
      for (const e of es) {
        const id = e[0];
        while (si < ss.length && cmpId(ss[si][0], id) < 0) flag(ss[si++][0], 'sealed, but the entry does not exist');
        const seal = si < ss.length && ss[si][0] === id ? ss[si++] : null;
        while (ti < ts.length && cmpId(ts[ti][0], id) < 0) flag(ts[ti++][0], 'transfer belongs to an entry that does not exist');
        const transfers: TransferTuple[] = [];
        let debits = 0n;
        let credits = 0n;
        for (; ti < ts.length && ts[ti][0] === id; ti++) {
          const t = ts[ti];
          if (t[1] === t[2]) flag(id, 'a transfer debits and credits the same account');
          const amount = BigInt(t[3]);
          if (amount <= 0n) flag(id, 'a transfer amount is not positive');
          debits += amount; // each transfer debits one account and credits another by the same amount
          credits += amount;
          transfers.push([t[1], t[2], t[3]]);
        }
        if (debits !== credits) flag(id, 'debits and credits of the entry differ');
        if (transfers.length !== e[7]) flag(id, `entry has ${transfers.length} transfers, ${e[7]} were posted`);
        let hash: string | undefined;
        try {
          hash = fastHashEntry(id, e[1], e[2], e[3], e[4], e[6], e[5] ?? null, transfers);
        } catch (err) {
          if (!(err instanceof CanonicalEncodingError)) throw err;
          flag(id, `entry cannot be encoded: ${err.message}`);
        }
        entries++;
        if (!seal) {
          unsealed++;
          continue;
        }
        if (hash !== seal[3]) flag(id, 'entry hash does not match the hash it was sealed with (the entry or its transfers changed)');
        const block = heightIndex.get(String(seal[1]));
        const leaf = seal[2];
        if (!block) flag(id, `sealed into block ${seal[1]}, which does not exist`);
        else if (leaf >= block.leaves.length || block.leaves[leaf] !== undefined) flag(id, `leaf index ${leaf} is outside block ${seal[1]} or taken twice`);
        else {
          // the Merkle root is recomputed from what the entries hash to now, not from stored hashes
          block.leaves[leaf] = hash ?? seal[3];
          block.leafIds[leaf] = id;
          if (++block.filled === block.header.entryCount) this.closeBlock(block);
        }
      }
      while (ti < ts.length) flag(ts[ti++][0], 'transfer belongs to an entry that does not exist');
      while (si < ss.length) flag(ss[si++][0], 'sealed, but the entry does not exist');
      opts.onProgress?.(entries);
      lo = next;
    }
    return { entries, unsealed, problem };
  }

  /** A block whose last leaf arrived: its root now, while the stream goes on (and its leaves can go). */
  private closeBlock(b: BlockState): void {
    b.root = merkleRoot(b.leaves as string[]);
    b.firstId = b.leafIds[0];
    b.lastId = b.leafIds[b.leafIds.length - 1];
    b.leaves = [];
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
