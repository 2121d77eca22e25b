/**
 * How a refused roster's errors are told: the first MAX_ERRORS_LISTED, in row order, then how many more. A
 * wrong column or a file of the wrong kind can give an error on every row; a union office fixes the file from
 * the first ones, and thousands of lines would only bury them.
 */
import type { RowError } from './validate.js';

export const MAX_ERRORS_LISTED = 100;

export function describeErrors(errors: readonly RowError[]): string[] {
  const lines = [`名册有 ${errors.length} 处错误，未写入任何数据：`];
  for (const e of errors.slice(0, MAX_ERRORS_LISTED))
    lines.push(e.line ? `  第 ${e.line} 行：${e.message}` : `  ${e.message}`);
  if (errors.length > MAX_ERRORS_LISTED)
    lines.push(
      `  ……以上是前 ${MAX_ERRORS_LISTED} 处，另有 ${errors.length - MAX_ERRORS_LISTED} 处未列出（共 ${errors.length} 处）`,
    );
  return lines;
}
