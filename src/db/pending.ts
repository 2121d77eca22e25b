/**
 * Which migrations of prisma/migrations/<provider>/ the database has not applied (Prisma's _prisma_migrations
 * table). Production does not migrate on start (`huzhu db migrate` is its own step), so it checks this first and
 * refuses to serve a database of another version.
 */
import type { Db } from './client.js';
import { providerOf } from './client.js';
import { migrationList } from './migrations.js';

export async function pendingMigrations(db: Db, url: string): Promise<string[]> {
  const expected = migrationList(providerOf(url)).migrationDirectories.map((d) => d.path);
  let applied: string[] = [];
  try {
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    applied = rows.map((r) => r.migration_name);
  } catch {
    // no _prisma_migrations table: nothing applied yet
  }
  return expected.filter((m) => !applied.includes(m));
}
