/**
 * Reads by many keys at once for the set-up files: `WHERE key IN (the file's 20 000 ID hashes)` as one JSON
 * parameter per few thousand keys, unpacked by the database (SQLite json_each, PostgreSQL
 * json_array_elements_text), as db/bulk.ts writes. Prisma's `in: [...]` costs a bound parameter each, and its query
 * building per parameter was most of a province's set-up time. Table and column names come from our code only.
 */
import type { Provider } from '../../db/client.js';
import { chunks, type Tx } from './plan.js';

const KEYS_PER_STATEMENT = 5_000;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Key = string | number;

function quoted(name: string): string {
  if (!NAME.test(name)) throw new Error(`bad SQL name ${name}`);
  return `"${name}"`;
}

/** integers come back as bigint from some drivers: every id read here is a plain number */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(row)) if (typeof v === 'bigint') row[k] = Number(v);
  return row;
}

/**
 * The `columns` of the rows of `table` whose `key` is one of `keys`, optionally also where `also.column` equals
 * `also.value`. Keys are all strings or all integers.
 */
export async function selectIn<T>(
  tx: Tx,
  provider: Provider,
  table: string,
  columns: readonly string[],
  key: string,
  keys: readonly Key[],
  also?: { column: string; value: string | number },
): Promise<T[]> {
  if (keys.length === 0) return [];
  const ints = typeof keys[0] === 'number';
  const list =
    provider === 'postgresql'
      ? `SELECT json_array_elements_text($1::json)${ints ? '::int' : ''}`
      : 'SELECT value FROM json_each(?)';
  const extra = also ? ` AND ${quoted(also.column)} = ${provider === 'postgresql' ? '$2' : '?'}` : '';
  const sql = `SELECT ${columns.map(quoted).join(', ')} FROM ${quoted(table)} WHERE ${quoted(key)} IN (${list})${extra}`;
  const out: T[] = [];
  for (const part of chunks([...keys], KEYS_PER_STATEMENT)) {
    const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
      sql,
      JSON.stringify(part),
      ...(also ? [also.value] : []),
    );
    for (const r of rows) out.push(plain(r) as T);
  }
  return out;
}
