/**
 * PostgreSQL's COPY FROM STDIN for the bulk imports (pg-copy-streams over a plain `pg` client): a million roster
 * rows cost ~70–90 µs each as statements through Prisma's interactive transaction, and a few µs as COPY. Prisma
 * cannot COPY, and its pool's connections are not ours to hold for a whole import, so an import opens one client of
 * its own to the same database (the URL createDb was given) and closes it.
 */
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { urlOfDb } from './provider.js';

export type PgSession = pg.Client;

/**
 * Runs `run` on a connection of its own to `db`'s PostgreSQL database, named `name` in pg_stat_activity, and
 * closes it whatever happens. A connection the server ends (a restart, pg_terminate_backend) fails the query in
 * flight; the client's own 'error' event is then only that news again, and must not end the process.
 */
export async function withPgSession<T>(db: object, name: string, run: (c: PgSession) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlOfDb(db), application_name: name });
  client.on('error', () => {});
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * `COPY … FROM STDIN` (text format) fed from `source`, pieces of whole lines written with copyLine: backpressure is
 * the stream's, so nothing is held but the piece being sent. If `source` throws, the COPY is cancelled (CopyFail)
 * and the error is thrown here; the transaction around it is then aborted and must be rolled back.
 */
export async function copyIn(
  client: PgSession,
  sql: string,
  source: Iterable<string> | AsyncIterable<string>,
): Promise<number> {
  const stream = client.query(copyFrom(sql));
  // pipeline takes the first error and then lets go of the stream; a lost connection reports itself to the query in
  // flight more than once (the socket's EPIPE, the server's FATAL, the close), and a later one must not be uncaught
  stream.on('error', () => {});
  await pipeline(source, stream);
  return stream.rowCount;
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One value in COPY's text format: `\N` for null, backslash, tab, newline and carriage return escaped (the only
 * characters the format gives a meaning to); everything else, quotes and any Unicode, goes as it is.
 */
export function copyValue(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : v;
}

/** one row of COPY's text format, newline included */
export function copyLine(values: readonly (string | number | boolean | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i ? '\t' : '') + copyValue(values[i] ?? null);
  return `${line}\n`;
}
