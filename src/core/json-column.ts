/**
 * JSON the app wrote into a text column (a delivery's recipient and message, a claim's breakdown, an audit entry's
 * details, an org's group chats) is parsed with its schema when read back, never cast: a row an older version
 * wrote, or one edited by hand, fails here with the column and the fields named (never their values), instead of
 * as an `undefined` somewhere later.
 */
import type { z } from 'zod';

export class StoredJsonError extends Error {
  override name = 'StoredJsonError';
}

export type JsonRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The column's value, or why it is unreadable (for callers that set the row aside instead of failing). */
export function tryJsonColumn<S extends z.ZodType>(schema: S, raw: string, what: string): JsonRead<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: `${what}: not JSON` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const fields = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ');
  return { ok: false, reason: `${what}: ${fields}` };
}

/** The column's value; a StoredJsonError naming the column and the fields when it does not fit. */
export function jsonColumn<S extends z.ZodType>(schema: S, raw: string, what: string): z.infer<S> {
  const r = tryJsonColumn(schema, raw, what);
  if (!r.ok) throw new StoredJsonError(r.reason);
  return r.value;
}
