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
      reusePreparedStatements(adapter);
      // the approval click's transaction runs on this connection directly (db/sqlite-direct.ts)
      rememberAdapter(factory, adapter);
      return adapter;
    },
    connectToShadowDb: () => inner.connectToShadowDb(),
  };
  return factory;
}

/** what the better-sqlite3 adapter does with a statement (dist/index.mjs: performIO, executeIO, startTransaction) */
interface SqliteStatement {
  readonly reader: boolean;
  columns(): unknown[];
  raw(on?: boolean): SqliteStatement;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}
type Prepare = (sql: string) => unknown;

/** statements kept per connection: the app's queries are a few hundred distinct texts */
const PREPARED_KEPT = 500;

/**
 * The better-sqlite3 adapter prepares every query anew (`client.prepare(sql).bind(args)`), and SQLite's prepare —
 * parsing and planning the statement — was ~10 % of the CPU of a chat message under the load bench (issue #17).
 * Prepared statements are kept by their text (least recently used dropped past PREPARED_KEPT), and the adapter gets
 * a view that binds its arguments per call instead of binding the statement for good (better-sqlite3 binds a
 * statement once only). Everything runs synchronously on the one connection, so a kept statement is never in use
 * twice at once. An adapter of another shape is left as it is.
 */
function reusePreparedStatements(adapter: object): void {
  const client = (adapter as { client?: { prepare?: Prepare } }).client;
  if (!client || typeof client.prepare !== 'function') return;
  const prepare = client.prepare.bind(client) as (sql: string) => SqliteStatement;
  const kept = new Map<string, SqliteStatement>();
  const statement = (sql: string): SqliteStatement => {
    let s = kept.get(sql);
    if (s) kept.delete(sql);
    else {
      s = prepare(sql);
      if (kept.size >= PREPARED_KEPT) {
        const oldest = kept.keys().next();
        if (!oldest.done) kept.delete(oldest.value);
      }
    }
    kept.set(sql, s);
    return s;
  };
  const bound = (s: SqliteStatement, params: unknown[]) => ({
    reader: s.reader,
    columns: () => s.columns(),
    raw: () => ({ all: () => s.raw(true).all(...params) }),
    all: () => s.raw(false).all(...params),
    run: () => s.run(...params),
  });
  // the adapter binds what it prepares: it gets the kept statement's view; any other use (the adapter's BEGIN, the
  // direct transactions of db/sqlite-direct.ts, which keep their own statements and set their own modes) gets a
  // statement of its own, prepared when first used, as before
  client.prepare = (sql: string) => {
    let own: Record<string | symbol, unknown> | undefined;
    const mine = () => {
      own ??= prepare(sql) as unknown as Record<string | symbol, unknown>;
      return own;
    };
    return new Proxy(
      {},
      {
        get: (_target, prop) => {
          if (prop === 'bind') return (...params: unknown[]) => bound(statement(sql), params);
          const s = mine();
          const v = s[prop];
          return typeof v === 'function' ? v.bind(s) : v;
        },
        has: (_target, prop) => prop in mine(),
      },
    );
  };
}

export function createDb(url: string): Db {
  const adapter = adapterFactory(url);
  const provider = providerOf(url);
  const db = provider === 'postgresql' ? (new PgClient({ adapter }) as unknown as Db) : new SqliteClient({ adapter });
  rememberProvider(db, provider, url);
  if (provider === 'sqlite') rememberFactory(db, adapter);
  return db;
}
