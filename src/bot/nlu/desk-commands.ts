/**
 * The union office's exact commands beyond the exports (issue #15): a rep's 已收费 <姓名或身份证后4位 …>, an
 * officer's 对账 and 年度报表 [年份]. Recognised by rule, like 代绑 and 已支付 (commands.ts): the slots must be
 * exact, so the classifier never guesses them. Pure: the original text in, the command and its slots out, or null.
 */
import { fold } from '../normalise.js';

export type DeskCommand =
  /** the names or ID tails as typed (a name is data: kept as written; the lookup folds its own key) */
  { what: 'collect_fees'; tokens: string[] } | { what: 'reconcile' } | { what: 'year_report'; year?: number };

/** a command with its slots is short (a unit's list of names fits in a message) */
const MAX_COMMAND = 500;
// not 已交费: a worker says that of themselves ("已交费" / "我已交费"), and it must not read as a rep's command
const COLLECT_HEAD = /^(?:已收费|已收款|收费登记)(?=[\s:：,，、]|$)/;
const SEPARATORS = /[\s,，、;；:：]+/u;
const RECONCILE = /^(?:对账|对帐|核对交费|交费对账)(?:表|单)?$/;
const YEAR_REPORT = /^(?:(\d{4})\s*年?度?)?(?:年度报表|年报|年度统计表)(?:\s*(\d{4})\s*年?)?$/;

export function deskCommand(text: string): DeskCommand | null {
  const t = text.trim();
  if (!t || t.length > MAX_COMMAND) return null;
  const folded = fold(t);
  const head = COLLECT_HEAD.exec(folded);
  if (head) {
    // fold keeps the positions one to one, so the names are cut from the text as typed
    const tokens = t
      .slice(head[0].length)
      .split(SEPARATORS)
      .filter((s) => s.length > 0);
    return { what: 'collect_fees', tokens };
  }
  const key = folded.replace(/\s+/g, '');
  if (RECONCILE.test(key)) return { what: 'reconcile' };
  const year = YEAR_REPORT.exec(folded.trim());
  if (year) {
    const y = year[1] ?? year[2];
    return y ? { what: 'year_report', year: Number(y) } : { what: 'year_report' };
  }
  return null;
}
