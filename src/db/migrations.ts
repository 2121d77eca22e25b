/**
 * Applies prisma/migrations/<provider>/ with the wasm schema engine; keeps Prisma's own _prisma_migrations
 * table, so `prisma migrate deploy` agrees wherever the native engine exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterFactory, type Provider, providerOf } from './client.js';
import { withMigrationLock } from './migrate-lock.js';
import { noFilters, openSchemaEngine } from './schema-engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function migrationsDir(provider: Provider): string {
  return path.join(root, 'prisma/migrations', provider);
}

export function schemaFor(provider: Provider): string {
  return fs.readFileSync(
    path.join(root, provider === 'sqlite' ? 'prisma/schema.prisma' : 'prisma/postgresql/schema.prisma'),
    'utf8',
  );
}

export function migrationList(provider: Provider) {
  const baseDir = migrationsDir(provider);
  const dirs = fs
    .readdirSync(baseDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return {
    baseDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: fs.readFileSync(path.join(baseDir, 'migration_lock.toml'), 'utf8'),
    },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: fs.readFileSync(path.join(baseDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/** Applies what is pending; several processes may call it at once (./migrate-lock.ts). */
export async function applyMigrations(url: string, log: (line: string) => void = () => {}): Promise<string[]> {
  return withMigrationLock(url, () => applyUnlocked(url, log));
}

async function applyUnlocked(url: string, log: (line: string) => void): Promise<string[]> {
  const provider = providerOf(url);
  const { engine, close } = await openSchemaEngine(schemaFor(provider), adapterFactory(url), log);
  try {
    const out = await engine.applyMigrations({ migrationsList: migrationList(provider), filters: noFilters });
    return out.appliedMigrationNames;
  } finally {
    await close();
  }
}
