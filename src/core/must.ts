/**
 * For a value the code's own logic guarantees (a row just inserted, a regex group that always takes part, a key
 * read from the map it was built from). If it is missing anyway, an InvariantError names the broken assumption
 * where it broke, instead of a TypeError on `undefined` somewhere later — and the type says it was checked.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function must<T>(value: T | null | undefined, why: string): T {
  if (value === null || value === undefined) throw new InvariantError(why);
  return value;
}

/** The first issue's message of a failed zod parse (a ZodError always has at least one). */
export function firstIssue(error: { issues: readonly { message: string }[]; message: string }): string {
  return error.issues[0]?.message ?? error.message;
}
