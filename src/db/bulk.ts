/**
 * Bulk inserts for imports of 100 000 rows. Prisma's createMany spends ~0.5 s per 1 000 rows in its query compiler
 * here, so rows go in as one JSON parameter per few thousand rows, unpacked by the database itself
 * (SQLite json_each, PostgreSQL json_populate_recordset). One parameter per statement also keeps memory flat:
 * the SQLite adapter prepares every statement anew and a statement with thousands of bound values holds native
 * memory until the garbage collector gets to it, and Prisma's debug log keeps its last 100 calls' arguments.
 * Table and column names come from our code only; values are never spliced into SQL.
 */

import { must } from '../core/must.js';
import type { Db } from './client.js';
import type { Provider } from './provider.js';

type Value = string | number | boolean | Date | null;
type Executor = Pick<Db, '$executeRawUnsafe'>;

const ROWS_PER_STATEMENT = 5_000;

export { providerOfDb } from './provider.js';

/** Prisma's own text form of a DateTime in SQLite, so rows we write read back like rows it writes. */
function sqliteDate(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

function jsonValue(provider: Provider, v: Value): string | number | boolean | null {
  if (v instanceof Date) return provider === 'sqlite' ? sqliteDate(v) : v.toISOString();
  return v;
}

function statement(provider: Provider, table: string, columns: string[]): string {
  const cols = columns.map((c) => `"${c}"`).join(',');
  if (provider === 'postgresql')
    return `INSERT INTO "${table}" (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::"${table}", $1::json)`;
  // each row an array, its values in the columns' order: half the text of objects that repeat every column name
  // (the statement's string is the garbage a 100 000-row import makes most of); json_extract turns JSON
  // true/false into 1/0, SQLite's booleans
  const picks = columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(',');
  return `INSERT INTO "${table}" (${cols}) SELECT ${picks} FROM json_each(?)`;
}

export async function insertMany(
  tx: Executor,
  provider: Provider,
  table: string,
  rows: Record<string, Value>[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(must(rows[0], 'called with at least one row'));
  for (const c of columns) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) throw new Error(`bad column name ${c}`);
  const sql = statement(provider, table, columns);
  let written = 0;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows
      .slice(start, start + ROWS_PER_STATEMENT)
      .map((row) =>
        provider === 'sqlite'
          ? columns.map((c) => jsonValue(provider, row[c] ?? null))
          : Object.fromEntries(columns.map((c) => [c, jsonValue(provider, row[c] ?? null)])),
      );
    written += await tx.$executeRawUnsafe(sql, JSON.stringify(chunk));
  }
  return written;
}

/**
 * `"column" IN (<the values>)` with the values as one JSON parameter (`$n` on PostgreSQL, `?` on SQLite): a lookup
 * of thousands of keys is one short statement, not thousands of bound values through Prisma's query compiler.
 */
export function inJson(provider: Provider, column: string, type: 'text' | 'int', param = 1): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new Error(`bad column name ${column}`);
  if (provider === 'postgresql')
    return `"${column}" IN (SELECT json_array_elements_text($${param}::json)${type === 'int' ? '::int' : ''})`;
  return `"${column}" IN (SELECT value FROM json_each(?))`;
}
