/**
 * One Prisma client per provider (generated clients are bound to their provider): SQLite through
 * better-sqlite3 for the embedded default, PostgreSQL through pg for scale. Both come from one set of models
 * (prisma/schema.prisma), so the rest of the app uses a single `Db` type.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient as PgClient } from '../generated/pg/client.js';
import { PrismaClient as SqliteClient } from '../generated/sqlite/client.js';
import { type Provider, rememberProvider } from './provider.js';

export type Db = SqliteClient;
export type { Provider };

export function providerOf(url: string): Provider {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite';
}

/** file:./data/huzhu.db → an absolute path, creating its folder */
export function sqlitePath(url: string): string {
  const p = url.replace(/^file:/, '');
  if (p === ':memory:') return p;
  const abs = path.resolve(p);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  return abs;
}

export function adapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  if (providerOf(url) === 'postgresql') return new PrismaPg({ connectionString: url, max: 10 });
  return new PrismaBetterSqlite3({ url: sqlitePath(url) });
}

export function createDb(url: string): Db {
  const adapter = adapterFactory(url);
  const provider = providerOf(url);
  const db = provider === 'postgresql' ? (new PgClient({ adapter }) as unknown as Db) : new SqliteClient({ adapter });
  rememberProvider(db, provider, url);
  return db;
}
