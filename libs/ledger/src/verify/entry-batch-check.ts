import { CanonicalEncodingError } from '../sealing';
import { fastHashEntry, TransferTuple } from './fast-entry-hash';
import { leafNodeInto, NODE_BYTES } from './merkle-leaf-nodes';

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
  /** 32 bytes per sealed entry: its RFC 6962 leaf hash, from what it hashes to now (or, if it cannot be encoded, the hash it was sealed with) */
  leafNodes: Uint8Array;
}

/** Compares decimal id strings exactly (no precision limits). */
export function cmpId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** One entry's seal as a range carries it: the block and leaf it was sealed as, and the hash it was sealed with. */
export interface EntrySeal {
  height: string;
  leafIndex: number;
  hash: string;
}

/**
 * Collects one id range's result entry by entry (in id order): the checks of every entry, whatever
 * format its rows came in, are these — so the row and the packed loaders name the same problem.
 */
export class EntryBatchBuilder {
  private readonly out: EntryBatchResult = { entries: 0, unsealed: 0, leafIds: [], leafHeights: [], leafIndexes: [], leafNodes: new Uint8Array(0) };
  // leaf hashes are computed here (in the worker that hashed the entries), not by the verifier's thread
  private nodes = Buffer.alloc(256 * NODE_BYTES);

  /** The range's result; leafNodes is its own ArrayBuffer, exactly sized (it is posted between threads). */
  result(): EntryBatchResult {
    const n = this.out.leafIds.length * NODE_BYTES;
    const nodes = new Uint8Array(n);
    nodes.set(this.nodes.subarray(0, n));
    this.out.leafNodes = nodes;
    return this.out;
  }

  flag(id: string, reason: string): void {
    this.out.problem ??= { id, reason };
  }

  /** transfers were checked by the caller with checkTransfer as they were collected */
  entry(id: string, kind: string, idempotencyKey: string, reference: string, actor: string | null, metadata: unknown, createdAt: string, transferCount: number, transfers: TransferTuple[], seal: EntrySeal | null): void {
    let hash: string | undefined;
    let encodingError: string | undefined;
    try {
      hash = fastHashEntry(id, kind, idempotencyKey, reference, actor, createdAt, metadata ?? null, transfers);
    } catch (err) {
      if (!(err instanceof CanonicalEncodingError)) throw err;
      encodingError = `entry cannot be encoded: ${err.message}`;
    }
    this.hashed(id, hash, transfers.length, transferCount, seal, encodingError);
  }

  /** An entry whose hash was computed (undefined: it cannot be encoded, for encodingError). */
  hashed(id: string, hash: string | undefined, transfers: number, transferCount: number, seal: EntrySeal | null, encodingError?: string): void {
    if (transfers !== transferCount) this.flag(id, `entry has ${transfers} transfers, ${transferCount} were posted`);
    if (encodingError) this.flag(id, encodingError);
    const out = this.out;
    out.entries++;
    if (!seal) {
      out.unsealed++;
      return;
    }
    if (hash !== seal.hash) this.flag(id, 'entry hash does not match the hash it was sealed with (the entry or its transfers changed)');
    out.leafIds.push(id);
    out.leafHeights.push(seal.height);
    out.leafIndexes.push(seal.leafIndex);
    // the Merkle root is recomputed from what the entries hash to now, not from stored hashes
    const at = (out.leafIds.length - 1) * NODE_BYTES;
    if (at + NODE_BYTES > this.nodes.length) {
      const next = Buffer.alloc(2 * this.nodes.length);
      this.nodes.copy(next);
      this.nodes = next;
    }
    leafNodeInto(hash ?? seal.hash, this.nodes, at);
  }

  /** each transfer debits one account and credits another by the same amount: an entry's debits
   * equal its credits by construction, so what can break is the sign of an amount or the accounts */
  checkTransfer(id: string, debit: string, credit: string, amount: string): void {
    if (debit === credit) this.flag(id, 'a transfer debits and credits the same account');
    // amounts come from a bigint column as text: positive unless "0" or negative
    if (amount === '0' || amount.charCodeAt(0) === 45 /* - */) this.flag(id, 'a transfer amount is not positive');
  }
}

/**
 * Checks one id range of entries with their seals and transfers (all ordered by entry id): every
 * transfer (accounts differ, amount > 0), the transfer count, the entry's hash recomputed, and that
 * hash against the one it was sealed with; orphan seals and transfers. The first problem is the one
 * with the lowest id. Pure: runs in the verifier's thread or in a worker thread alike.
 */
export function checkEntryBatch(es: EntryRow[], ss: SealRow[], ts: TransferRow[]): EntryBatchResult {
  const b = new EntryBatchBuilder();
  let ti = 0;
  let si = 0;
  for (const e of es) {
    const id = e[0];
    while (si < ss.length && cmpId(ss[si][0], id) < 0) b.flag(ss[si++][0], 'sealed, but the entry does not exist');
    const seal = si < ss.length && ss[si][0] === id ? ss[si++] : null;
    while (ti < ts.length && cmpId(ts[ti][0], id) < 0) b.flag(ts[ti++][0], 'transfer belongs to an entry that does not exist');
    const transfers: TransferTuple[] = [];
    for (; ti < ts.length && ts[ti][0] === id; ti++) {
      const t = ts[ti];
      b.checkTransfer(id, t[1], t[2], t[3]);
      transfers.push([t[1], t[2], t[3]]);
    }
    b.entry(id, e[1], e[2], e[3], e[4], e[5], e[6], e[7], transfers, seal ? { height: String(seal[1]), leafIndex: seal[2], hash: seal[3] } : null);
  }
  while (ti < ts.length) b.flag(ts[ti++][0], 'transfer belongs to an entry that does not exist');
  while (si < ss.length) b.flag(ss[si++][0], 'sealed, but the entry does not exist');
  return b.result();
}
