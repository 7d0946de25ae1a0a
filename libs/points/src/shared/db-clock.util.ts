import { EntityManager } from 'typeorm';

/**
 * Time decisions use the database's clock, never the process's: milliseconds from the database's
 * now() until `at` (never negative), for the outbox's delayed jobs.
 */
export async function msUntil(em: EntityManager, at: Date | string | null): Promise<number> {
  if (!at) return 0;
  const [r] = await em.query(`SELECT greatest(0, floor(extract(epoch FROM ($1::timestamptz - now())) * 1000))::bigint AS ms`, [at]);
  return Number(r.ms);
}

export async function dbNow(em: EntityManager): Promise<Date> {
  const [r] = await em.query(`SELECT now() AS now`);
  return r.now;
}
