import type { ValueTransformer } from 'typeorm';

/**
 * Amounts are bigint fen in PostgreSQL and JSON numbers in the API. node-postgres returns bigint as
 * a string; we convert to a number and refuse anything beyond 2^53 instead of silently rounding.
 */
export const bigintNumber: ValueTransformer = {
  to: (v?: number | null) => v,
  from: (v?: string | null) => {
    if (v === null || v === undefined) return v;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new Error(`bigint ${v} is beyond 2^53`);
    return n;
  },
};

export function toSafeNumber(v: string | number | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`integer ${v} is beyond 2^53`);
  return n;
}
