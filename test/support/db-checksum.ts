import { DataSource } from 'typeorm';

/**
 * A fingerprint of every table's rows (md5 over the rows as text, in a stable order), so a test can
 * prove that a batch of refused requests wrote nothing anywhere: business tables, ledger, outbox,
 * idempotency records, security events alike.
 */
export async function tableChecksums(ds: DataSource, exclude: string[] = ['migrations']): Promise<Record<string, string>> {
  const tables: { name: string }[] = await ds.query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (exclude.includes(name)) continue;
    const [row] = await ds.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS h FROM "${name}" t`);
    out[name] = `${row.n}:${row.h}`;
  }
  return out;
}

/** The tables whose fingerprint differs between two snapshots. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
}
