import type { EntryWithSeal, LedgerQueryService } from '@huigong/ledger';
import type { EntityManager } from 'typeorm';
import type { TraceEntry } from './trace-views';

const CHUNK = 1000;

/** Loads entries with their seals by id (any number, in chunks the ledger accepts), keyed by id. */
export async function loadTraceEntries(ledger: LedgerQueryService, ids: Iterable<string>, em?: EntityManager): Promise<Map<string, TraceEntry>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, TraceEntry>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    for (const e of await ledger.entriesWithSeals(unique.slice(i, i + CHUNK), em)) out.set(e.id, toTraceEntry(e));
  }
  return out;
}

export function toTraceEntry(e: EntryWithSeal): TraceEntry {
  const { replayed: _replayed, ...rest } = e;
  return rest;
}

/** The entries of a map, oldest first, and whether all of them are sealed. */
export function sortedEntries(map: Map<string, TraceEntry>): { entries: TraceEntry[]; allSealed: boolean } {
  const entries = [...map.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  return { entries, allSealed: entries.every((e) => e.seal !== null) };
}
