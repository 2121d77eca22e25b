/**
 * The group application (团体申请表, seeds 002 and 004) an office collects from its units: one row per unit — its
 * code, the persons it applies for, and optionally the amount. Read for 对账 only (nothing is written): each row
 * checked, row and column named, and each unit must be one of the offices the reader may see.
 */
import type { Db } from '../db/client.js';
import { CODE, type Issue } from './programme/plan.js';
import { readTable, TableFormatError, type TableSource } from './programme/table.js';

/** the group application's columns, each by the headers offices write for it */
export const APPLICATION_COLUMNS = {
  unit: ['单位编码'],
  persons: ['申请人数', '参加人数', '参互人数'],
  amount: ['金额', '互助金金额', '申请金额', '应交金额'],
} as const;

export interface ApplicationLine {
  line: number;
  unitId: number;
  persons: number;
  amountFen: number | null;
}

export type ApplicationForm =
  | { ok: true; lines: ApplicationLine[] }
  /** notApplication: the header is not a group application's (another kind of file) */
  | { ok: false; issues: Issue[]; notApplication?: boolean };

/** is this header a group application's (its unit code and persons columns, no one's name)? */
export function isApplicationHeader(header: readonly string[]): boolean {
  return (
    header.includes('单位编码') &&
    APPLICATION_COLUMNS.persons.some((h) => header.includes(h)) &&
    !header.includes('姓名') &&
    !header.includes('单位类型')
  );
}

function fenOf(t: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?\s*元?$/.exec(t.replace(/[,，\s]/g, ''));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

/** `officeIds` undefined: any unit (an admin); otherwise only units of these offices. */
export async function readApplicationForm(
  db: Db,
  source: TableSource,
  officeIds?: readonly number[],
): Promise<ApplicationForm> {
  let table: Awaited<ReturnType<typeof readTable>>;
  try {
    table = await readTable(source);
  } catch (e) {
    if (e instanceof TableFormatError) return { ok: false, issues: [{ line: 0, message: e.message }] };
    throw e;
  }
  if (!isApplicationHeader(table.header))
    return {
      ok: false,
      notApplication: true,
      issues: [{ line: 1, message: '团体申请表应有“单位编码”和“申请人数”（或“参加人数”）两列，“金额”可选' }],
    };
  const col = (names: readonly string[]) => table.header.findIndex((h) => names.includes(h));
  const at = {
    unit: col(APPLICATION_COLUMNS.unit),
    persons: col(APPLICATION_COLUMNS.persons),
    amount: col(APPLICATION_COLUMNS.amount),
  };
  const orgs = await db.org.findMany({ select: { id: true, code: true, officeId: true } });
  const byCode = new Map(orgs.map((o) => [o.code, o]));
  const issues: Issue[] = [];
  const lines: ApplicationLine[] = [];
  const seen = new Map<number, number>();
  for (const r of table.rows) {
    const cell = (i: number) => (i >= 0 ? (r.cells[i] ?? '') : '');
    const code = cell(at.unit);
    const org = CODE.test(code) ? byCode.get(code) : undefined;
    if (!org) issues.push({ line: r.line, column: '单位编码', message: code ? `找不到单位 ${code}` : '单位编码为空' });
    else if (officeIds && !officeIds.includes(org.id) && !(org.officeId !== null && officeIds.includes(org.officeId)))
      issues.push({ line: r.line, column: '单位编码', message: `${code} 不是您办事处所辖的单位` });
    const personsText = cell(at.persons).replace(/\s+/g, '');
    const persons = /^\d{1,7}$/.test(personsText) ? Number(personsText) : null;
    if (persons === null)
      issues.push({
        line: r.line,
        column: table.header[at.persons] ?? '申请人数',
        message: `应为人数（整数），现为“${personsText}”`,
      });
    const amountText = cell(at.amount);
    const amountFen = amountText ? fenOf(amountText) : null;
    if (amountText && amountFen === null)
      issues.push({
        line: r.line,
        column: table.header[at.amount] ?? '金额',
        message: `金额应为元数，如 1200.00，现为“${amountText}”`,
      });
    if (org && seen.has(org.id))
      issues.push({ line: r.line, column: '单位编码', message: `${code} 与第 ${seen.get(org.id)} 行重复` });
    if (org && persons !== null && !seen.has(org.id)) {
      seen.set(org.id, r.line);
      lines.push({ line: r.line, unitId: org.id, persons, amountFen });
    }
  }
  if (table.rows.length === 0) issues.push({ line: 0, message: '团体申请表中没有行' });
  return issues.length ? { ok: false, issues } : { ok: true, lines };
}
