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
import { rememberAdapter, rememberFactory } from './sqlite-direct.js';

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
  return walSqlite(new PrismaBetterSqlite3({ url: sqlitePath(url) }));
}

/**
 * SQLite in WAL mode, synchronous=FULL (issue #17). better-sqlite3 runs on the event loop, so each write
 * transaction's fsyncs (three or four of them in the default rollback-journal mode, 10–20 ms each on a busy disk)
 * stalled every callback of the process; under the load bench the writes of one click held the loop for longer
 * than all the reads of a hundred messages. In WAL a commit appends to the log and syncs it once, and readers (the
 * CLI beside the app) no longer wait for the writer. FULL, not NORMAL: NORMAL would leave commits unsynced until a
 * checkpoint, so a power cut could undo an approval or an 已支付 whose notice the queue had already sent; one
 * fsync per commit is the price of never telling a worker something the database then forgets.
 */
function walSqlite(inner: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      // (an in-memory database answers 'memory' and stays as it is)
      await adapter.executeScript('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
      // the approval click's transaction runs on this connection directly (db/sqlite-direct.ts)
      rememberAdapter(factory, adapter);
      return adapter;
    },
    connectToShadowDb: () => inner.connectToShadowDb(),
  };
  return factory;
}

export function createDb(url: string): Db {
  const adapter = adapterFactory(url);
  const provider = providerOf(url);
  const db = provider === 'postgresql' ? (new PgClient({ adapter }) as unknown as Db) : new SqliteClient({ adapter });
  rememberProvider(db, provider, url);
  if (provider === 'sqlite') rememberFactory(db, adapter);
  return db;
}
