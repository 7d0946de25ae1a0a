// A worker thread of LedgerVerifier: checks every `workers`-th id range of the ledger on its own
// connection, inside the verifier's exported snapshot, and posts each range's result back. Parsing
// rows and hashing entries is the verifier's CPU cost; workers spread it over the machine's cores.
import { Client, ClientConfig } from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import { checkEntryBatch, EntryRow, SealRow, TransferRow } from './entry-batch-check';
import { ENTRY_RANGE_SQL, SEAL_RANGE_SQL, TRANSFER_RANGE_SQL } from './verify-range-sql';

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
  | { type: 'batch'; k: number; result: ReturnType<typeof checkEntryBatch> }
  | { type: 'done' }
  | { type: 'error'; message: string };

async function main(data: VerifyWorkerData): Promise<void> {
  // three connections in the verifier's snapshot: entries, seals and transfers are read in parallel
  const clients = [0, 1, 2].map(() => new Client(data.connection));
  try {
    for (const c of clients) {
      await c.connect();
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await c.query(`SET TRANSACTION SNAPSHOT '${data.snapshot.replace(/'/g, '')}'`);
    }
    const [entriesClient, sealsClient, transfersClient] = clients;
    const lo = BigInt(data.lo);
    const hi = BigInt(data.hi);
    const step = BigInt(data.batch);
    const fetch = (k: number) => {
      const values = [(lo + BigInt(k) * step).toString(), (lo + BigInt(k + 1) * step).toString()];
      return Promise.all([
        entriesClient.query({ text: ENTRY_RANGE_SQL, values, rowMode: 'array' }),
        sealsClient.query({ text: SEAL_RANGE_SQL, values, rowMode: 'array' }),
        transfersClient.query({ text: TRANSFER_RANGE_SQL, values, rowMode: 'array' }),
      ]);
    };
    const inRange = (k: number) => lo + BigInt(k) * step <= hi;
    let k = data.index;
    let pending = inRange(k) ? fetch(k) : null;
    while (pending) {
      const [er, sr, tr] = await pending;
      const next = k + data.workers;
      pending = inRange(next) ? fetch(next) : null; // PostgreSQL reads the next range while we hash this one
      pending?.catch(() => undefined);
      const result = checkEntryBatch(er.rows as EntryRow[], sr.rows as SealRow[], tr.rows as TransferRow[]);
      parentPort!.postMessage({ type: 'batch', k, result } satisfies VerifyWorkerMessage);
      k = next;
    }
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

main(workerData as VerifyWorkerData).then(
  () => parentPort!.postMessage({ type: 'done' } satisfies VerifyWorkerMessage),
  (err: Error) => parentPort!.postMessage({ type: 'error', message: String(err?.stack ?? err) } satisfies VerifyWorkerMessage),
);
