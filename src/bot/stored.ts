/**
 * Everything the bot reads back from the shared store is parsed, not cast: a value an older version wrote, one
 * another program put there, or a truncated one is dropped (the caller treats it as absent) and logged with the
 * fields that failed, never with their values (a hospital, an amount, a name).
 */
import type { z } from 'zod';
import type { Log } from '../core/log.js';

export function parseStored<S extends z.ZodType>(
  schema: S,
  raw: string | null | undefined,
  what: string,
  log?: Log,
): z.infer<S> | null {
  if (raw === null || raw === undefined || raw === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    log?.warn({ stored: what, issues: ['not JSON'] }, 'a stored value is unreadable; it is dropped');
    return null;
  }
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
  log?.warn({ stored: what, issues }, 'a stored value does not have the expected shape; it is dropped');
  return null;
}
