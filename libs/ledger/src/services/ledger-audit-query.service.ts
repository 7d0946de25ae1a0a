import { toSafeNumber } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { EntryWithSeal } from '../model/ledger.types';
import { BlockHeader, buildMerkleTree, EntryProof, hashBlockHeader, hashEntry, verifyEntryProof } from '../sealing';
import { BLOCK_SELECT, BlockSqlRow, toBlockHeader } from './entry-reads.service';
import { assertLedgerId, canonicalEntry, canonicalTime, loadEntriesWithSeals } from './ledger-sql';

/** One transfer with the entry it belongs to (what an auditor traces). */
export interface AuditTransfer {
  transferId: string;
  entryId: string;
  kind: string;
  reference: string;
  metadata: Record<string, unknown> | null;
  at: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
}

/** A block header with its own hash (what the next block's prevHash points at). */
export type SealedBlockHeader = BlockHeader & { hash: string };

export interface VerificationRecord {
  id: string;
  at: string;
  ok: boolean;
  entries: number;
  blocks: number;
  accounts: number;
  durationMs: number;
  firstProblem: { kind: string; id: string; reason: string } | null;
}

export interface PeriodQuery {
  from: Date;
  to: Date;
  accountId?: string;
  /** entries with an id above this one (keyset paging) */
  afterId?: string;
  limit: number;
}

/**
 * Read-only ledger queries for the audit context: every transfer touching a set of accounts,
 * entries of a period, entries with their inclusion proofs in bulk, block headers, and the
 * recorded verification runs. No scoping here: the audit context decides who may ask.
 */
@Injectable()
export class LedgerAuditQueryService {
  constructor(private readonly dataSource: DataSource) {}

  /** Every transfer debiting or crediting one of these accounts, in posting order. */
  async transfersTouching(accountIds: string[], em: EntityManager = this.dataSource.manager): Promise<AuditTransfer[]> {
    accountIds.forEach((id) => assertLedgerId(id, 'accountId'));
    if (!accountIds.length) return [];
    const rows: Record<string, string | null | Record<string, unknown>>[] = await em.query(
      `WITH t AS (
         SELECT id FROM ledger_transfers WHERE debit_account_id = ANY ($1::bigint[])
         UNION
         SELECT id FROM ledger_transfers WHERE credit_account_id = ANY ($1::bigint[])
       )
       SELECT x.id::text AS id, x.entry_id::text AS entry_id, e.kind, e.reference, e.metadata, ${canonicalTime('e.created_at')} AS at,
              x.debit_account_id::text AS debit, x.credit_account_id::text AS credit, x.amount::text AS amount
         FROM t JOIN ledger_transfers x ON x.id = t.id JOIN ledger_entries e ON e.id = x.entry_id
        ORDER BY x.id`,
      [accountIds],
    );
    return rows.map((r) => ({
      transferId: r.id as string,
      entryId: r.entry_id as string,
      kind: r.kind as string,
      reference: r.reference as string,
      metadata: (r.metadata as Record<string, unknown> | null) ?? null,
      at: r.at as string,
      debitAccountId: r.debit as string,
      creditAccountId: r.credit as string,
      amount: toSafeNumber(r.amount as string),
    }));
  }

  /** Entries with their transfers, hash and seal, by id (unknown ids are absent). */
  async entries(entryIds: string[], em: EntityManager = this.dataSource.manager): Promise<EntryWithSeal[]> {
    entryIds.forEach((id) => assertLedgerId(id, 'entryId'));
    if (!entryIds.length) return [];
    return this.load(em, `WHERE e.id = ANY ($1::bigint[]) ORDER BY e.id`, [entryIds]);
  }

  /**
   * One page of the entries posted in [from, to), oldest first, optionally only those touching an
   * account; keyset paging by entry id so an export can walk millions of rows in constant memory.
   */
  async entriesInPeriod(q: PeriodQuery, em: EntityManager = this.dataSource.manager): Promise<EntryWithSeal[]> {
    if (q.accountId) assertLedgerId(q.accountId, 'accountId');
    if (q.afterId) assertLedgerId(q.afterId, 'afterId');
    const params: unknown[] = [q.from, q.to, q.afterId ?? '0', q.limit];
    let touching = '';
    if (q.accountId) {
      params.push(q.accountId);
      touching = `AND e.id IN (SELECT entry_id FROM ledger_transfers WHERE debit_account_id = $5 UNION SELECT entry_id FROM ledger_transfers WHERE credit_account_id = $5)`;
    }
    // the period's id range comes from the BRIN index on created_at; the page then walks the primary key
    const range = `e.id >= (SELECT min(id) FROM ledger_entries WHERE created_at >= $1 AND created_at < $2)
                   AND e.id <= (SELECT max(id) FROM ledger_entries WHERE created_at >= $1 AND created_at < $2)`;
    return this.load(em, `WHERE ${range} AND e.created_at >= $1 AND e.created_at < $2 AND e.id > $3 ${touching} ORDER BY e.id LIMIT $4`, params);
  }

  /**
   * Inclusion proofs of sealed entries, built block by block (one Merkle tree per block, however
   * many entries it holds). Each proof ends at the entry's own block (`chain` empty, `head` = that
   * block): self-contained for the standalone verifier; `blockHeaders` links those blocks to the
   * chain head. Unsealed entries are simply absent; entries whose stored rows no longer match their
   * seal (tampering) get no proof and are listed in `invalid`.
   */
  async proofs(entryIds: string[], em: EntityManager = this.dataSource.manager): Promise<{ proofs: EntryProof[]; invalid: { entryId: string; reason: string }[] }> {
    const entries = (await this.entries(entryIds, em)).filter((e) => e.seal);
    const invalid: { entryId: string; reason: string }[] = [];
    if (!entries.length) return { proofs: [], invalid };
    const heights = [...new Set(entries.map((e) => e.seal!.blockHeight))];
    const blocks: BlockSqlRow[] = await em.query(`${BLOCK_SELECT} WHERE height = ANY ($1::bigint[])`, [heights]);
    const seals: { block_height: string; entry_hash: string }[] = await em.query(
      `SELECT block_height::text AS block_height, entry_hash FROM ledger_entry_seals WHERE block_height = ANY ($1::bigint[]) ORDER BY block_height, leaf_index`,
      [heights],
    );
    const leaves = new Map<number, string[]>();
    for (const s of seals) {
      const h = Number(s.block_height);
      const list = leaves.get(h);
      if (list) list.push(s.entry_hash);
      else leaves.set(h, [s.entry_hash]);
    }
    const headers = new Map(blocks.map((b) => [Number(b.height), toBlockHeader(b)]));
    const trees = new Map<number, ReturnType<typeof buildMerkleTree>>();
    const out: EntryProof[] = [];
    for (const e of entries) {
      const height = e.seal!.blockHeight;
      const block = headers.get(height)!;
      const hashes = leaves.get(height) ?? [];
      let tree = trees.get(height);
      if (!tree) {
        tree = buildMerkleTree(hashes);
        trees.set(height, tree);
      }
      const canonical = canonicalEntry(e, e.transfers);
      const entryHash = hashEntry(canonical);
      const leafIndex = hashes.indexOf(entryHash);
      const blockHash = hashBlockHeader(block);
      const proof: EntryProof = {
        version: 1,
        entry: canonical,
        entryHash,
        leafIndex,
        block,
        blockHash,
        auditPath: leafIndex >= 0 ? tree.proof(leafIndex) : [],
        chain: [],
        head: { height: block.height, hash: blockHash },
      };
      // never hand out a proof that does not verify: the rows no longer match their seal (an
      // auditor is told which entries, rather than getting nothing)
      const verdict = verifyEntryProof(proof);
      if (!verdict.ok || tree.root !== block.merkleRoot) {
        invalid.push({ entryId: e.id, reason: verdict.ok ? `block ${height}: Merkle root does not match its sealed entries` : verdict.reason });
        continue;
      }
      out.push(proof);
    }
    return { proofs: out, invalid };
  }

  /**
   * Block headers from `fromHeight` up, in height order, with their hashes: up to the chain head, or
   * at most `limit` of them (callers page with `limit`: the sealer adds a block every tick, so an
   * old height's range grows without bound).
   */
  async blockHeaders(fromHeight: number, em: EntityManager = this.dataSource.manager, limit?: number): Promise<SealedBlockHeader[]> {
    const rows: BlockSqlRow[] =
      limit === undefined
        ? await em.query(`${BLOCK_SELECT} WHERE height >= $1 ORDER BY height`, [fromHeight])
        : await em.query(`${BLOCK_SELECT} WHERE height >= $1 ORDER BY height LIMIT $2`, [fromHeight, limit]);
    return rows.map((b) => ({ ...toBlockHeader(b), hash: b.hash }));
  }

  /** The headers of these blocks (unknown heights are absent), in height order. */
  async blockHeadersAt(heights: number[], em: EntityManager = this.dataSource.manager): Promise<SealedBlockHeader[]> {
    if (!heights.length) return [];
    const rows: BlockSqlRow[] = await em.query(`${BLOCK_SELECT} WHERE height = ANY ($1::bigint[]) ORDER BY height`, [heights]);
    return rows.map((b) => ({ ...toBlockHeader(b), hash: b.hash }));
  }

  /** The latest sealed block (the chain head), or null before the first seal. */
  async chainHead(em: EntityManager = this.dataSource.manager): Promise<SealedBlockHeader | null> {
    const [row]: BlockSqlRow[] = await em.query(`${BLOCK_SELECT} ORDER BY height DESC LIMIT 1`);
    return row ? { ...toBlockHeader(row), hash: row.hash } : null;
  }

  /** Recorded verification runs (the nightly job's and on-demand ones), newest first. */
  async verifications(limit: number, em: EntityManager = this.dataSource.manager, onlyOk = false): Promise<VerificationRecord[]> {
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT id::text AS id, at, ok, entries::text AS entries, blocks::text AS blocks, accounts::text AS accounts, duration_ms, first_problem
         FROM ledger_verifications ${onlyOk ? 'WHERE ok' : ''} ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id as string,
      at: new Date(r.at as string).toISOString(),
      ok: r.ok as boolean,
      entries: toSafeNumber(r.entries as string),
      blocks: toSafeNumber(r.blocks as string),
      accounts: toSafeNumber(r.accounts as string),
      durationMs: r.duration_ms as number,
      firstProblem: (r.first_problem as VerificationRecord['firstProblem']) ?? null,
    }));
  }

  private load(em: EntityManager, where: string, params: unknown[]): Promise<EntryWithSeal[]> {
    return loadEntriesWithSeals(em, where, params);
  }
}
