/**
 * How a refused roster's errors are told: the first MAX_ERRORS_LISTED, in row order, then how many more. A
 * wrong column or a file of the wrong kind can give an error on every row; a union office fixes the file from
 * the first ones, and thousands of lines would only bury them.
 */
import type { RowError } from './validate.js';

export const MAX_ERRORS_LISTED = 100;

/** `total`: all the errors found, when `errors` holds only the first of them */
export function describeErrors(errors: readonly RowError[], total = errors.length): string[] {
  const lines = [`名册有 ${total} 处错误，未写入任何数据：`];
  for (const e of errors.slice(0, MAX_ERRORS_LISTED))
    lines.push(e.line ? `  第 ${e.line} 行：${e.message}` : `  ${e.message}`);
  if (total > MAX_ERRORS_LISTED)
    lines.push(`  ……以上是前 ${MAX_ERRORS_LISTED} 处，另有 ${total - MAX_ERRORS_LISTED} 处未列出（共 ${total} 处）`);
  return lines;
}

/** errors kept whole by an import: enough for any answer, while a file with an error on every row stays small */
export const MAX_ERRORS_KEPT = 1_000;

/**
 * The row errors of a streamed import: the `keep` first in row order (ties in the order found) and the total. Rows
 * are checked a chunk at a time and the database's checks of a chunk come after its rows' own, so errors arrive
 * almost, not quite, in row order; each is put in its place from the end, which is where it nearly always goes.
 */
export class RowErrorList {
  private readonly kept: (RowError & { seq: number })[] = [];
  total = 0;

  constructor(private readonly keep = MAX_ERRORS_KEPT) {}

  add(line: number, message: string): void {
    const e = { line, message, seq: this.total++ };
    const { kept } = this;
    const last = kept.at(-1);
    if (kept.length >= this.keep && last && last.line <= line) return;
    let i = kept.length;
    while (i > 0 && (kept[i - 1] as RowError).line > line) i--;
    kept.splice(i, 0, e);
    if (kept.length > this.keep) kept.pop();
  }

  /**
   * `n` more errors that come after every one kept (the rest of a kind whose first `keep` were just added): only
   * counted
   */
  countUnlisted(n: number): void {
    this.total += n;
  }

  list(): RowError[] {
    return this.kept.map(({ line, message }) => ({ line, message }));
  }
}
