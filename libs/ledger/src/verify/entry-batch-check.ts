import { CanonicalEncodingError } from '../sealing';
import { fastHashEntry, TransferTuple } from './fast-entry-hash';

/** Rows of one id range, as the verifier fetches them (rowMode 'array'). */
export type EntryRow = [id: string, kind: string, idempotencyKey: string, reference: string, actor: string | null, metadata: unknown, createdAt: string, transferCount: number];
export type SealRow = [entryId: string, blockHeight: string, leafIndex: number, entryHash: string];
export type TransferRow = [entryId: string, debit: string, credit: string, amount: string];

export interface BatchProblem {
  id: string;
  reason: string;
}

/** What one id range contributes: counts, its first problem, and the sealed entries' leaves. */
export interface EntryBatchResult {
  entries: number;
  unsealed: number;
  problem?: BatchProblem;
  /** one per sealed entry, in id order: the block and leaf it was sealed as, and what it hashes to now */
  leafIds: string[];
  leafHeights: string[];
  leafIndexes: number[];
  leafHashes: string[];
}

/** Compares decimal id strings exactly (no precision limits). */
export function cmpId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Checks one id range of entries with their seals and transfers (all ordered by entry id): every
 * transfer (accounts differ, amount > 0), the transfer count, the entry's hash recomputed, and that
 * hash against the one it was sealed with; orphan seals and transfers. The first problem is the one
 * with the lowest id. Pure: runs in the verifier's thread or in a worker thread alike.
 */
export function checkEntryBatch(es: EntryRow[], ss: SealRow[], ts: TransferRow[]): EntryBatchResult {
  const out: EntryBatchResult = { entries: 0, unsealed: 0, leafIds: [], leafHeights: [], leafIndexes: [], leafHashes: [] };
  const flag = (id: string, reason: string) => {
    out.problem ??= { id, reason };
  };
  let ti = 0;
  let si = 0;
  for (const e of es) {
    const id = e[0];
    while (si < ss.length && cmpId(ss[si][0], id) < 0) flag(ss[si++][0], 'sealed, but the entry does not exist');
    const seal = si < ss.length && ss[si][0] === id ? ss[si++] : null;
    while (ti < ts.length && cmpId(ts[ti][0], id) < 0) flag(ts[ti++][0], 'transfer belongs to an entry that does not exist');
    const transfers: TransferTuple[] = [];
    for (; ti < ts.length && ts[ti][0] === id; ti++) {
      const t = ts[ti];
      if (t[1] === t[2]) flag(id, 'a transfer debits and credits the same account');
      // each transfer debits one account and credits another by the same amount: an entry's debits
      // equal its credits by construction, so what can break is the sign of an amount
      if (BigInt(t[3]) <= 0n) flag(id, 'a transfer amount is not positive');
      transfers.push([t[1], t[2], t[3]]);
    }
    if (transfers.length !== e[7]) flag(id, `entry has ${transfers.length} transfers, ${e[7]} were posted`);
    let hash: string | undefined;
    try {
      hash = fastHashEntry(id, e[1], e[2], e[3], e[4], e[6], e[5] ?? null, transfers);
    } catch (err) {
      if (!(err instanceof CanonicalEncodingError)) throw err;
      flag(id, `entry cannot be encoded: ${err.message}`);
    }
    out.entries++;
    if (!seal) {
      out.unsealed++;
      continue;
    }
    if (hash !== seal[3]) flag(id, 'entry hash does not match the hash it was sealed with (the entry or its transfers changed)');
    out.leafIds.push(id);
    out.leafHeights.push(String(seal[1]));
    out.leafIndexes.push(seal[2]);
    // the Merkle root is recomputed from what the entries hash to now, not from stored hashes
    out.leafHashes.push(hash ?? seal[3]);
  }
  while (ti < ts.length) flag(ts[ti++][0], 'transfer belongs to an entry that does not exist');
  while (si < ss.length) flag(ss[si++][0], 'sealed, but the entry does not exist');
  return out;
}
