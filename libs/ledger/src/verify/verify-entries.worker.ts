// A worker thread of LedgerVerifier: checks every `workers`-th id range of the ledger on its own
// connection, inside the verifier's exported snapshot, and posts each range's result back. Reading
// and hashing entries is the verifier's CPU cost; workers spread it over the machine's cores. Each
// worker decodes its own ranges (nothing row-shaped crosses threads).
import { Client, ClientConfig } from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import type { EntryBatchResult } from './entry-batch-check';
import { checkRange, fetchPackedRange, PackedRange } from './packed-range';

export interface VerifyWorkerData {
  connection: ClientConfig;
  snapshot: string;
  lo: string;
  hi: string;
  batch: number;
  index: number;
  workers: number;
}

export type VerifyWorkerMessage =
  | { type: 'batch'; k: number; result: EntryBatchResult }
  | { type: 'done' }
  | { type: 'error'; message: string };

async function main(data: VerifyWorkerData): Promise<void> {
  const client = new Client(data.connection);
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${data.snapshot.replace(/'/g, '')}'`);
    const lo = BigInt(data.lo);
    const hi = BigInt(data.hi);
    const step = BigInt(data.batch);
    const from = (k: number) => lo + BigInt(k) * step;
    const fetch = (k: number): Promise<PackedRange> | null => (from(k) <= hi ? fetchPackedRange(client, from(k), from(k + 1)) : null);
    let k = data.index;
    let pending = fetch(k);
    while (pending) {
      const packed = await pending;
      const next = k + data.workers;
      pending = fetch(next); // PostgreSQL reads the next range while we hash this one
      pending?.catch(() => undefined);
      const result = await checkRange(client, from(k), from(k + 1), packed);
      parentPort!.postMessage({ type: 'batch', k, result } satisfies VerifyWorkerMessage, [result.leafNodes.buffer as ArrayBuffer]);
      k = next;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

main(workerData as VerifyWorkerData).then(
  () => parentPort!.postMessage({ type: 'done' } satisfies VerifyWorkerMessage),
  (err: Error) => parentPort!.postMessage({ type: 'error', message: String(err?.stack ?? err) } satisfies VerifyWorkerMessage),
);
