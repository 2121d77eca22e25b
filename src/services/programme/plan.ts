/**
 * What checking a set-up file yields: every problem with its row and column, or a plan that says what would
 * change (N new, M changed, K unchanged) and can then be carried out in one transaction.
 */
import type { Db, Provider } from '../../db/client.js';
import type { ProgrammeKind } from './columns.js';

export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface Issue {
  /** the row a person sees in Excel/WPS; 0 = the file as a whole */
  line: number;
  /** the column's header, when one cell is at fault */
  column?: string;
  message: string;
}

export interface Summary {
  kind: ProgrammeKind;
  created: number;
  changed: number;
  unchanged: number;
  /** one line per change, for the person who confirms ("单位 HN-01 名称：旧 → 新") */
  changes: string[];
}

export interface Plan {
  summary: Summary;
  /** writes the plan; called inside the transaction that computed it */
  apply(tx: Tx, actor: string, provider: Provider): Promise<void>;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; kind?: ProgrammeKind; issues: Issue[] };

export function issueText(i: Issue): string {
  const where = i.line ? `第 ${i.line} 行${i.column ? `「${i.column}」` : ''}：` : '';
  return `${where}${i.message}`;
}

/** A whole number as offices write it: 1234, 1,234, 1 234; empty = null; anything else = undefined (an error) */
export function wholeNumber(t: string): number | null | undefined {
  const s = t.replace(/[,，\s]/g, '');
  if (s === '') return null;
  if (!/^\d{1,9}$/.test(s)) return undefined;
  return Number(s);
}

export function yesNo(t: string, fallback: boolean): boolean | undefined {
  if (t === '') return fallback;
  if (/^(是|Y|y|yes|√|1)$/.test(t)) return true;
  if (/^(否|N|n|no|×|0)$/.test(t)) return false;
  return undefined;
}

export const CODE = /^[A-Za-z0-9_-]{1,40}$/;

export function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
