/**
 * A write transaction on the SQLite connection itself, for the approval click (issue #14): Prisma's client costs
 * ~0.5 ms of JavaScript per statement here (a raw `SELECT 1` included), against a few microseconds for a prepared
 * better-sqlite3 statement, and a decision runs a dozen of them on the thread that answers every chat.
 *
 * The transaction is taken through the adapter's own startTransaction, so it holds the same lock Prisma's
 * interactive transactions hold (one at a time on the one connection) and issues the same BEGIN … COMMIT; its
 * statements are prepared once per connection and kept. PostgreSQL (or a client not made by createDb, or not yet
 * connected) has none: the caller goes the Prisma way.
 */

import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type BetterSqlite3 from 'better-sqlite3';
// the client's type straight from the generated client: db/client.ts imports this file (no cycle, even type-only)
import type { PrismaClient as Db } from '../generated/sqlite/client.js';

type Value = string | number | bigint | boolean | Date | null;

/** Statements on the open transaction, `?` placeholders. */
export interface DirectSql {
  all(sql: string, ...params: Value[]): unknown[];
  run(sql: string, ...params: Value[]): { changes: number };
}

const adapters = new WeakMap<object, SqlDriverAdapter>();
const factories = new WeakMap<object, SqlMigrationAwareDriverAdapterFactory>();

/** createDb: this client's queries go through this factory's connection */
export function rememberFactory(db: object, factory: SqlMigrationAwareDriverAdapterFactory): void {
  factories.set(db, factory);
}

/** the factory's connect(): the adapter it made (Prisma connects once, on the client's first query) */
export function rememberAdapter(factory: object, adapter: SqlDriverAdapter): void {
  adapters.set(factory, adapter);
}

/** Prisma's own text form of a DateTime in SQLite (db/bulk.ts writes it too), so rows read back alike. */
export function sqliteDate(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

/** A DateTime column as stored (Prisma's ISO text; a bare `YYYY-MM-DD hh:mm:ss` is UTC, as Prisma reads it). */
export function fromSqliteDate(v: unknown): Date {
  if (typeof v === 'number') return new Date(v);
  const s = String(v);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

function bindable(v: Value): string | number | bigint | null {
  if (v instanceof Date) return sqliteDate(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

const statements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

function prepared(conn: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  const byText = statements.get(conn) ?? new Map<string, BetterSqlite3.Statement>();
  statements.set(conn, byText);
  const known = byText.get(sql);
  if (known) return known;
  // numbers, as Prisma's raw queries give them (the adapter's connection reads every INTEGER as a bigint): ids and
  // amounts in 分 stay far below 2^53
  const s = conn.prepare(sql);
  if (s.reader) s.safeIntegers(false);
  byText.set(sql, s);
  return s;
}

function directSql(conn: BetterSqlite3.Database): DirectSql {
  return {
    all: (sql, ...params) => prepared(conn, sql).all(...params.map(bindable)),
    run: (sql, ...params) => ({ changes: prepared(conn, sql).run(...params.map(bindable)).changes }),
  };
}

function connectionOf(tx: object): BetterSqlite3.Database | null {
  // the better-sqlite3 adapter's connection (its queryable's `client`), not part of the adapter's interface
  const c = (tx as { client?: unknown }).client;
  return typeof c === 'object' && c !== null && 'prepare' in c && 'inTransaction' in c && 'open' in c
    ? (c as BetterSqlite3.Database)
    : null;
}

function connectionOfDb(db: object): BetterSqlite3.Database | null {
  const factory = factories.get(db);
  const adapter = factory && adapters.get(factory);
  const conn = adapter ? connectionOf(adapter) : null;
  // a connection closed by $disconnect stays remembered until the next connect
  return conn?.open ? conn : null;
}

/**
 * Plain reads on the connection, outside any transaction of ours (as Prisma's own reads run: on the one connection,
 * seeing what it holds); null without one (PostgreSQL, or not connected yet).
 */
export function directReads(db: object): DirectSql | null {
  const conn = connectionOfDb(db);
  return conn ? directSql(conn) : null;
}

/**
 * `db` as the code inside a direct transaction sees it: raw statements ($queryRaw, $executeRawUnsafe …) run on the
 * transaction's connection without Prisma; a model's reads stay Prisma's (on the same connection, so inside the
 * transaction); its writes and $transaction throw at once, where they could wait on the lock this transaction holds.
 */
function rawOnConnection(db: Db, sql: DirectSql): Db {
  const raw = (strings: TemplateStringsArray, ...values: unknown[]) => {
    for (const v of values)
      if (v !== null && typeof v === 'object' && !(v instanceof Date))
        throw new Error('direct SQLite: only plain values in a raw query');
    return { text: strings.join('?'), values: values as Value[] };
  };
  const own: Record<string, unknown> = {
    $queryRaw: async (strings: TemplateStringsArray, ...values: unknown[]) => {
      const q = raw(strings, ...values);
      return sql.all(q.text, ...q.values);
    },
    $executeRaw: async (strings: TemplateStringsArray, ...values: unknown[]) => {
      const q = raw(strings, ...values);
      return sql.run(q.text, ...q.values).changes;
    },
    $queryRawUnsafe: async (text: string, ...values: Value[]) => sql.all(text, ...values),
    $executeRawUnsafe: async (text: string, ...values: Value[]) => sql.run(text, ...values).changes,
  };
  const refuse = (what: string) => () =>
    Promise.reject(
      new Error(`${what} inside a direct SQLite transaction would wait on the lock it holds: write in raw SQL`),
    );
  own.$transaction = refuse('$transaction');
  return new Proxy(db, {
    get: (target, prop, receiver) => {
      if (typeof prop === 'string' && prop in own) return own[prop];
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || prop.startsWith('$') || typeof v !== 'object' || v === null) return v;
      // a model: its reads as they are, its writes refused (Prisma may take the transaction lock for them)
      return new Proxy(v, {
        get: (delegate, method) => {
          if (typeof method === 'string' && MODEL_WRITES.has(method)) return refuse(`${prop}.${method}`);
          const f: unknown = Reflect.get(delegate, method);
          return typeof f === 'function' ? f.bind(delegate) : f;
        },
      });
    },
  });
}

const MODEL_WRITES = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);

/** One transaction's work waiting for its group (directTransaction). */
interface Waiting {
  db: Db;
  fn: (sql: DirectSql, tx: Db) => Promise<unknown>;
  settle: (r: { value: unknown } | { error: unknown } | null) => void;
}

interface Group {
  waiting: Waiting[];
  running: boolean;
  /** transactions committed, and the works they held (for the tests and the bench) */
  commits: number;
  works: number;
}

/** a group's size at most: a long one holds its first click's answer for the others' statements */
const MAX_GROUP = 16;

const groups = new WeakMap<SqlDriverAdapter, Group>();

function groupOf(adapter: SqlDriverAdapter): Group {
  const known = groups.get(adapter);
  if (known) return known;
  const g: Group = { waiting: [], running: false, commits: 0, works: 0 };
  groups.set(adapter, g);
  return g;
}

/** How many direct transactions committed on this client's connection, holding how many works in all. */
export function directCommits(db: object): { commits: number; works: number } {
  const factory = factories.get(db);
  const adapter = factory && adapters.get(factory);
  const g = adapter ? groups.get(adapter) : undefined;
  return { commits: g?.commits ?? 0, works: g?.works ?? 0 };
}

/**
 * Runs `fn` in a write transaction on the SQLite connection: committed when it returns, undone when it throws.
 * `tx` is `db` with its raw statements on the transaction (for the services' helpers that take a transaction), `sql`
 * the statements themselves. Null when there is no such connection: the caller uses db.$transaction.
 *
 * Group commit: the works that arrive while a group runs (or in the same turn of the event loop) run one after the
 * other in the next group's one transaction, each inside its own savepoint, and the group commits once. With
 * synchronous=FULL every commit is an fsync that holds the event loop (milliseconds on a busy disk, the largest part
 * of a click under load); a group pays it once. Each work sees the writes of those before it (one connection, in
 * order), exactly as if they had committed one by one; a work that throws is rolled back to its savepoint alone and
 * its caller gets its error; nobody's promise settles before the commit, so nobody is told of a write that is not
 * on disk; a failed commit fails every work of the group.
 */
export function directTransaction<T>(db: Db, fn: (sql: DirectSql, tx: Db) => Promise<T>): Promise<{ value: T } | null> {
  const factory = factories.get(db);
  const adapter = factory && adapters.get(factory);
  if (!adapter || !connectionOfDb(db)) return Promise.resolve(null);
  const g = groupOf(adapter);
  return new Promise((resolve, reject) => {
    g.waiting.push({
      db,
      fn,
      settle: (r) => {
        if (r && 'error' in r) reject(r.error);
        else resolve(r as { value: T } | null);
      },
    });
    if (!g.running) {
      g.running = true;
      // the rest of this turn's works join the group
      setImmediate(() => void runGroups(adapter, g));
    }
  });
}

async function runGroups(adapter: SqlDriverAdapter, g: Group): Promise<void> {
  try {
    while (g.waiting.length) {
      const works = g.waiting.splice(0, MAX_GROUP);
      try {
        await runGroup(adapter, g, works);
      } catch (error) {
        // the connection failed under the group (a settled promise ignores this)
        for (const w of works) w.settle({ error });
      }
    }
  } finally {
    g.running = false;
  }
}

async function runGroup(adapter: SqlDriverAdapter, g: Group, works: Waiting[]): Promise<void> {
  let tx: Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;
  try {
    tx = await adapter.startTransaction();
  } catch (error) {
    for (const w of works) w.settle({ error });
    return;
  }
  const conn = connectionOf(tx);
  if (!conn) {
    await tx.executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] });
    await tx.rollback();
    for (const w of works) w.settle(null);
    return;
  }
  const sql = directSql(conn);
  const outcomes: { w: Waiting; r: { value: unknown } | { error: unknown } }[] = [];
  try {
    for (const w of works) {
      prepared(conn, 'SAVEPOINT work').run();
      try {
        const value = await w.fn(sql, rawOnConnection(w.db, sql));
        prepared(conn, 'RELEASE work').run();
        outcomes.push({ w, r: { value } });
      } catch (error) {
        // this work's writes only; those before it stand
        prepared(conn, 'ROLLBACK TO work').run();
        prepared(conn, 'RELEASE work').run();
        outcomes.push({ w, r: { error } });
      }
    }
    prepared(conn, 'COMMIT').run();
  } catch (error) {
    try {
      if (conn.inTransaction) prepared(conn, 'ROLLBACK').run();
    } finally {
      await tx.rollback();
    }
    for (const w of works) w.settle({ error });
    return;
  }
  await tx.commit();
  g.commits++;
  g.works += works.length;
  for (const o of outcomes) o.w.settle(o.r);
}
