// The verifier's range queries, shared by its own thread and its worker threads (kept free of
// framework imports so that a worker starts quickly). created_at as canonicalTime renders it.

export const ENTRY_RANGE_SQL = `SELECT e.id, e.kind, e.idempotency_key, e.reference, e.actor, e.metadata,
         to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.transfer_count
    FROM ledger_entries e WHERE e.id >= $1 AND e.id < $2 ORDER BY e.id`;

export const SEAL_RANGE_SQL = `SELECT entry_id, block_height, leaf_index, entry_hash FROM ledger_entry_seals WHERE entry_id >= $1 AND entry_id < $2 ORDER BY entry_id`;

export const TRANSFER_RANGE_SQL = `SELECT entry_id, debit_account_id, credit_account_id, amount FROM ledger_transfers WHERE entry_id >= $1 AND entry_id < $2 ORDER BY entry_id, id`;
