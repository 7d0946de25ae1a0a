import { DataSource } from 'typeorm';
import { MIGRATIONS } from '@huigong/migrations';
import { ensureDatabase } from './database-url';

/** Creates the database if needed and applies every pending migration; returns their names. */
export async function migrateDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsTransactionMode: 'each', logging: false });
  await ds.initialize();
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
