/**
 * One migrator at a time: two instances (or the one-shot migrate step and an app that migrates) starting together
 * against one PostgreSQL would both try to apply the same migration. A session-level advisory lock, held on its
 * own connection for the whole run, makes the second wait and then find nothing left to apply. SQLite serves one
 * instance, and its schema engine holds an exclusive lock while it migrates.
 */
import pg from 'pg';
import { providerOf } from './client.js';

/** the lock's key: any constant our programme alone uses ("huzhu migrate" as a 32-bit number) */
export const MIGRATION_LOCK_KEY = 0x68_7a_6d_67;

export async function withMigrationLock<T>(url: string, run: () => Promise<T>): Promise<T> {
  if (providerOf(url) !== 'postgresql') return run();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await run();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
