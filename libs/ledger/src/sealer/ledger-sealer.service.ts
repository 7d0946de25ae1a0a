import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { BlockHeader, GENESIS_PREV_HASH, hashBlockHeader, merkleRoot } from '../sealing';
import { canonicalTime, EntrySqlRow, TransferSqlRow } from '../services/ledger-sql';
import { fastHashEntry, TransferTuple } from '../verify/fast-entry-hash';

/** pg_try_advisory_xact_lock key: one sealer at a time, whichever worker process gets it. */
export const SEAL_LOCK_KEY = 0x4c4544474552; // 'LEDGER'

export interface SealResult {
  blocks: number;
  entries: number;
  /** the round stopped at its cap: call again at once */
  more: boolean;
}

export interface SealOptions {
  /** entries sealed per round (per transaction) */
  maxEntries?: number;
  /** entries per block */
  blockSize?: number;
}

/**
 * Seals committed entries into hash-chained blocks (SEALING.md). Which entries: every entry not in
 * ledger_entry_seals, looking only at transactions at or above the xmin horizon of the last block.
 * Entry ids come from a sequence and commit out of order, so "above the last sealed id" would skip
 * a transaction that commits late with a lower id; the horizon cannot: every transaction below the
 * candidate query's snapshot xmin had finished when the query ran, so once the round's candidates
 * are sealed, every entry of those transactions is sealed, and the next round starts at that xmin.
 * Posting never waits on this: the sealer only reads entries and writes its own tables.
 */
@Injectable()
export class LedgerSealer {
  constructor(private readonly dataSource: DataSource) {}

  async sealPending(opts: SealOptions = {}): Promise<SealResult> {
    const maxEntries = opts.maxEntries ?? 50_000;
    const blockSize = opts.blockSize ?? 10_000;
    return this.dataSource.transaction((em) => this.sealRound(em, maxEntries, blockSize));
  }

  private async sealRound(em: EntityManager, maxEntries: number, blockSize: number): Promise<SealResult> {
    const [{ locked }] = await em.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SEAL_LOCK_KEY]);
    if (!locked) return { blocks: 0, entries: 0, more: false };
    const [last]: { height: string; hash: string; horizon: string }[] = await em.query(
      `SELECT height, hash, xmin_horizon::text AS horizon FROM ledger_blocks ORDER BY height DESC LIMIT 1`,
    );
    // the xmin and the candidates come from one statement, hence one snapshot
    const rows: (EntrySqlRow & { snapshot_xmin: string })[] = await em.query(
      `WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT snap.xmin::text AS snapshot_xmin, c.* FROM snap LEFT JOIN LATERAL (
         SELECT e.id, e.kind, e.idempotency_key, e.reference, e.actor, e.metadata, ${canonicalTime('e.created_at')} AS created_at
           FROM ledger_entries e
          WHERE e.xid >= $1::xid8 AND NOT EXISTS (SELECT 1 FROM ledger_entry_seals s WHERE s.entry_id = e.id)
          ORDER BY e.id
          LIMIT $2) c ON true`,
      [last?.horizon ?? '0', maxEntries],
    );
    const entries = rows.filter((r) => r.id != null);
    if (!entries.length) return { blocks: 0, entries: 0, more: false };
    const more = entries.length >= maxEntries;
    // a capped round leaves candidates behind: keep the old horizon so the next round finds them
    const horizon = more ? (last?.horizon ?? '0') : rows[0].snapshot_xmin;

    const transfers: TransferSqlRow[] = await em.query(
      `SELECT entry_id, debit_account_id, credit_account_id, amount FROM ledger_transfers WHERE entry_id = ANY ($1::bigint[]) ORDER BY entry_id, id`,
      [entries.map((e) => e.id)],
    );
    const byEntry = new Map<string, TransferTuple[]>();
    for (const t of transfers) {
      const tuple: TransferTuple = [String(t.debit_account_id), String(t.credit_account_id), String(t.amount)];
      const list = byEntry.get(String(t.entry_id));
      if (list) list.push(tuple);
      else byEntry.set(String(t.entry_id), [tuple]);
    }
    // the same bytes as hashEntry (proven in fast-entry-hash.spec.ts), so PostedEntry.hash is what gets sealed
    const hashes = entries.map((e) =>
      fastHashEntry(String(e.id), e.kind, e.idempotency_key, e.reference, e.actor, e.created_at, e.metadata ?? null, byEntry.get(String(e.id)) ?? []),
    );

    const [{ sealed_at: sealedAt }] = await em.query(`SELECT ${canonicalTime('clock_timestamp()')} AS sealed_at`);
    let height = last ? Number(last.height) + 1 : 0;
    let prevHash = last?.hash ?? GENESIS_PREV_HASH;
    const blocks: (BlockHeader & { hash: string })[] = [];
    const seal = { entryIds: [] as string[], heights: [] as number[], leaves: [] as number[], hashes: [] as string[] };
    for (let i = 0; i < entries.length; i += blockSize) {
      const slice = entries.slice(i, i + blockSize);
      const leafHashes = hashes.slice(i, i + blockSize);
      const header: BlockHeader = {
        height,
        prevHash,
        merkleRoot: merkleRoot(leafHashes),
        entryCount: slice.length,
        firstEntryId: String(slice[0].id),
        lastEntryId: String(slice[slice.length - 1].id),
        sealedAt,
      };
      const hash = hashBlockHeader(header);
      blocks.push({ ...header, hash });
      slice.forEach((e, leaf) => {
        seal.entryIds.push(String(e.id));
        seal.heights.push(height);
        seal.leaves.push(leaf);
        seal.hashes.push(leafHashes[leaf]);
      });
      prevHash = hash;
      height++;
    }
    await em.query(
      `INSERT INTO ledger_blocks (height, prev_hash, merkle_root, entry_count, first_entry_id, last_entry_id, sealed_at, hash, xmin_horizon)
       SELECT b.height, b.prev_hash, b.merkle_root, b.entry_count, b.first_entry_id, b.last_entry_id, $7::timestamptz, b.hash, $8::xid8
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $9::text[])
           AS b (height, prev_hash, merkle_root, entry_count, first_entry_id, last_entry_id, hash)`,
      [
        blocks.map((b) => b.height),
        blocks.map((b) => b.prevHash),
        blocks.map((b) => b.merkleRoot),
        blocks.map((b) => b.entryCount),
        blocks.map((b) => b.firstEntryId),
        blocks.map((b) => b.lastEntryId),
        sealedAt,
        horizon,
        blocks.map((b) => b.hash),
      ],
    );
    await em.query(
      `INSERT INTO ledger_entry_seals (entry_id, block_height, leaf_index, entry_hash)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[])`,
      [seal.entryIds, seal.heights, seal.leaves, seal.hashes],
    );
    return { blocks: blocks.length, entries: entries.length, more };
  }
}
