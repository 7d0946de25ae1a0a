import { AppError } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { EntryWithSeal } from '../model/ledger.types';
import { BlockHeader, buildEntryProof, EntryProof } from '../sealing';
import { assertLedgerId, canonicalEntry, canonicalTime, loadEntriesWithSeals } from './ledger-sql';

const MAX_BY_REFERENCE = 1000;

export interface BlockSqlRow {
  height: string;
  prev_hash: string;
  merkle_root: string;
  entry_count: number;
  first_entry_id: string;
  last_entry_id: string;
  sealed_at: string;
  hash: string;
}

export const BLOCK_SELECT = `SELECT height, prev_hash, merkle_root, entry_count, first_entry_id, last_entry_id, ${canonicalTime('sealed_at')} AS sealed_at, hash FROM ledger_blocks`;

export function toBlockHeader(b: BlockSqlRow): BlockHeader {
  return {
    height: Number(b.height),
    prevHash: b.prev_hash,
    merkleRoot: b.merkle_root,
    entryCount: Number(b.entry_count),
    firstEntryId: String(b.first_entry_id),
    lastEntryId: String(b.last_entry_id),
    sealedAt: b.sealed_at,
  };
}

/** Entries (by id, by business reference) and their inclusion proofs. */
@Injectable()
export class EntryReadsService {
  constructor(private readonly dataSource: DataSource) {}

  async entry(id: string, em: EntityManager = this.dataSource.manager): Promise<EntryWithSeal> {
    assertLedgerId(id, 'entryId');
    const [found] = await this.load(em, `WHERE e.id = $1`, [id]);
    if (!found) throw AppError.notFound('Ledger entry', id);
    return found;
  }

  /** Every entry of a business reference (e.g. 'order:<uuid>'), oldest first, at most 1,000. */
  entriesByReference(reference: string, em: EntityManager = this.dataSource.manager): Promise<EntryWithSeal[]> {
    if (typeof reference !== 'string' || reference.length < 1 || reference.length > 200) {
      throw new AppError('INVALID_REFERENCE', 'reference must be 1 to 200 characters', 400);
    }
    return this.load(em, `WHERE e.reference = $1 ORDER BY e.id LIMIT ${MAX_BY_REFERENCE}`, [reference]);
  }

  /** Entries by id with their seals, oldest first (unknown ids are simply absent), at most 1,000. */
  entries(ids: string[], em: EntityManager = this.dataSource.manager): Promise<EntryWithSeal[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return Promise.resolve([]);
    if (unique.length > MAX_BY_REFERENCE) throw new AppError('TOO_MANY_ENTRIES', `At most ${MAX_BY_REFERENCE} entries at once`, 400);
    unique.forEach((id) => assertLedgerId(id, 'entryId'));
    return this.load(em, `WHERE e.id = ANY ($1::bigint[]) ORDER BY e.id`, [unique]);
  }

  /** Entries by their idempotency keys (the business event that posted them), oldest first, at most 1,000. */
  entriesByIdempotencyKeys(keys: string[], em: EntityManager = this.dataSource.manager): Promise<EntryWithSeal[]> {
    const unique = [...new Set(keys)];
    if (!unique.length) return Promise.resolve([]);
    if (unique.length > MAX_BY_REFERENCE) throw new AppError('TOO_MANY_ENTRIES', `At most ${MAX_BY_REFERENCE} entries at once`, 400);
    return this.load(em, `WHERE e.idempotency_key = ANY ($1::text[]) ORDER BY e.id`, [unique]);
  }

  /** Ids of the accounts an entry touches (for scoping), or null when there is no such entry. */
  async accountsOf(entryId: string, em: EntityManager = this.dataSource.manager): Promise<string[] | null> {
    assertLedgerId(entryId, 'entryId');
    const rows: { debit_account_id: string; credit_account_id: string }[] = await em.query(
      `SELECT debit_account_id, credit_account_id FROM ledger_transfers WHERE entry_id = $1`,
      [entryId],
    );
    return rows.length ? [...new Set(rows.flatMap((r) => [String(r.debit_account_id), String(r.credit_account_id)]))] : null;
  }

  /**
   * The entry, its hash, its Merkle audit path and every block header from its block to the chain
   * head (SEALING.md §5). 409 NOT_YET_SEALED until the sealer has sealed it (normally < 1 s).
   */
  async proof(entryId: string, em: EntityManager = this.dataSource.manager): Promise<EntryProof> {
    const entry = await this.entry(entryId, em);
    if (!entry.seal) throw AppError.conflict('NOT_YET_SEALED', `Ledger entry ${entryId} is not sealed yet; try again in a moment`, { entryId });
    const height = entry.seal.blockHeight;
    const blocks: BlockSqlRow[] = await em.query(`${BLOCK_SELECT} WHERE height >= $1 ORDER BY height`, [height]);
    const hashes: { entry_hash: string }[] = await em.query(`SELECT entry_hash FROM ledger_entry_seals WHERE block_height = $1 ORDER BY leaf_index`, [height]);
    try {
      return buildEntryProof({
        entry: canonicalEntry(entry, entry.transfers),
        blockEntryHashes: hashes.map((h) => h.entry_hash),
        block: toBlockHeader(blocks[0]),
        chain: blocks.slice(1).map(toBlockHeader),
      });
    } catch (e) {
      // the stored rows disagree with their seal: someone changed them around the triggers
      throw AppError.conflict('LEDGER_INCONSISTENT', `No valid proof for entry ${entryId}: ${(e as Error).message}; run ledger verification`, { entryId, blockHeight: height });
    }
  }

  private load(em: EntityManager, where: string, params: unknown[]): Promise<EntryWithSeal[]> {
    return loadEntriesWithSeals(em, where, params);
  }
}
