/**
 * The period file: which programme (方案), its federation, the period's number and its policy — a policy shipped
 * in prisma/policies named by file name, or the office's own policy JSON next to the file, checked by the policy
 * schema (src/rules/policy.ts) — and, optionally, its timeline, one event a row, which then replaces the policy's.
 * The period's name (第十四期) must say the number the file gives, so a policy written for another period is caught.
 */
import fs from 'node:fs';
import path from 'node:path';
import nzhcn from 'nzh/cn';
import { must } from '../../core/must.js';
import { type Policy, PolicySchema } from '../../rules/policy.js';
import { audit } from '../audit.js';
import { listPolicyFiles, loadPolicyFile } from '../policies.js';
import { PERIOD_COLUMNS } from './columns.js';
import { CODE, type Issue, type PlanResult, type Tx, wholeNumber, yesNo } from './plan.js';
import type { TableRow } from './table.js';

/** 第十四期 → 14; null when the name carries no number */
export function periodNumberOf(name: string): number | null {
  const m = /第([零〇一二两三四五六七八九十百\d]+)期/.exec(name);
  if (!m) return null;
  const digits = must(m[1], 'the period number group');
  const n = /^\d+$/.test(digits) ? Number(digits) : Number(nzhcn.decodeS(digits));
  return Number.isFinite(n) && n > 0 ? n : null;
}

function zodIssues(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return e.issues.map((i) => `${i.path.join('.') || '政策'}：${i.message}`).join('；');
}

export interface PeriodPlanOptions {
  /** the file's folder, for a policy JSON named next to it; null when the file came as bytes (chat) */
  dir: string | null;
}

export async function planPeriod(
  tx: Tx,
  rows: TableRow[],
  index: Map<string, number>,
  o: PeriodPlanOptions,
): Promise<PlanResult> {
  const issues: Issue[] = [];
  const header = (key: string) =>
    must(
      PERIOD_COLUMNS.find((c) => c.key === key),
      `a period column ${key}`,
    ).header;
  const cellOf = (r: TableRow, key: string) => {
    const i = index.get(key);
    return i === undefined ? '' : (r.cells[i] ?? '');
  };
  const first = rows[0];
  if (!first) return { ok: false, kind: 'period', issues: [{ line: 0, message: '文件中没有期次行' }] };
  const bad = (r: TableRow, key: string, message: string) =>
    issues.push({ line: r.line, column: header(key), message });
  const cell = (key: string) => cellOf(first, key);
  // later rows may repeat the period's cells (a sorted sheet) but must not contradict them
  for (const r of rows.slice(1))
    for (const key of ['programmeCode', 'programmeName', 'federation', 'number', 'policy', 'current'])
      if (cellOf(r, key) && cellOf(r, key) !== cell(key))
        bad(r, key, `与第 ${first.line} 行不同：一个文件只设一个期次`);

  const programmeCode = cell('programmeCode');
  if (!CODE.test(programmeCode))
    bad(first, 'programmeCode', programmeCode ? '方案编码只能包含字母、数字、- 和 _' : '方案编码为空');
  const programmeName = cell('programmeName');
  if (!programmeName) bad(first, 'programmeName', '方案名称为空');
  const number = wholeNumber(cell('number'));
  if (!number) bad(first, 'number', `期次应为正整数，现为“${cell('number')}”`);
  const current = yesNo(cell('current'), true);
  if (current === undefined) bad(first, 'current', `当前期次应填“是”或“否”，现为“${cell('current')}”`);
  const fedCode = cell('federation');
  const fed = fedCode ? await tx.org.findUnique({ where: { code: fedCode }, select: { id: true, kind: true } }) : null;
  if (!fedCode) bad(first, 'federation', '总工会编码为空');
  else if (!fed) bad(first, 'federation', `找不到单位 ${fedCode}：请先导入组织文件`);
  else if (fed.kind !== 'federation') bad(first, 'federation', `${fedCode} 不是总工会`);

  let policyInput: unknown = null;
  const policyName = cell('policy');
  const shipped = listPolicyFiles().map((f) => f.replace(/\.json$/, ''));
  if (!policyName) bad(first, 'policy', '政策为空');
  else if (shipped.includes(policyName.replace(/\.json$/, ''))) {
    policyInput = loadPolicyFile(policyName);
  } else if (/\.json$/i.test(policyName) && o.dir) {
    const file = path.resolve(o.dir, policyName);
    if (!fs.existsSync(file)) bad(first, 'policy', `找不到政策文件 ${policyName}（应与本文件放在同一目录）`);
    else
      try {
        policyInput = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        bad(first, 'policy', `政策文件 ${policyName} 不是有效的 JSON：${(e as Error).message}`);
      }
  } else
    bad(
      first,
      'policy',
      `没有名为“${policyName}”的政策：可用 ${shipped.join('、')}，或与本文件同目录的 .json 政策文件`,
    );

  const timeline: { key: string; label: string; date: string; announce: boolean }[] = [];
  for (const r of rows) {
    const key = cellOf(r, 'eventKey');
    const label = cellOf(r, 'eventLabel');
    const date = cellOf(r, 'eventDate');
    if (!key && !label && !date) continue;
    if (!/^[a-z][a-z0-9_]*$/.test(key)) bad(r, 'eventKey', key ? '事项编码只能包含小写字母、数字和 _' : '事项编码为空');
    if (!label) bad(r, 'eventLabel', '事项为空');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) bad(r, 'eventDate', `日期应为 YYYY-MM-DD，现为“${date}”`);
    const announce = yesNo(cellOf(r, 'eventAnnounce'), true);
    if (announce === undefined) bad(r, 'eventAnnounce', '是否通知应填“是”或“否”');
    timeline.push({ key, label, date, announce: announce ?? true });
  }

  let policy: Policy | null = null;
  if (policyInput) {
    const withTimeline = timeline.length ? { ...(policyInput as object), timeline } : policyInput;
    const parsed = PolicySchema.safeParse(withTimeline);
    if (!parsed.success) bad(first, 'policy', `政策未通过校验：${zodIssues(parsed.error)}`);
    else {
      policy = parsed.data;
      const named = periodNumberOf(policy.periodName);
      if (number && named !== null && named !== number)
        bad(first, 'number', `期次 ${number} 与政策的期次名称“${policy.periodName}”不符`);
    }
  }
  if (issues.length || !policy || !number || !fed || current === undefined)
    return { ok: false, kind: 'period', issues: issues.length ? issues : [{ line: 0, message: '期次文件不完整' }] };

  const programme = await tx.programme.findUnique({ where: { code: programmeCode } });
  const period = programme
    ? await tx.period.findUnique({ where: { programmeId_number: { programmeId: programme.id, number } } })
    : null;
  const policyJson = JSON.stringify(policy);
  const changes: string[] = [];
  const programmeChanged = programme && (programme.name !== programmeName || programme.federationId !== fed.id);
  if (!programme) changes.push(`新增互助方案 ${programmeCode} ${programmeName}`);
  else if (programmeChanged) changes.push(`方案 ${programmeCode}：名称或总工会已更新`);
  const periodChanged =
    period &&
    (period.policy !== policyJson ||
      period.name !== policy.periodName ||
      (current && !period.current) ||
      (!current && period.current));
  if (!period)
    changes.push(
      `新增${policy.periodName}（${policy.startsOn} 至 ${policy.endsOn}）${current ? '，设为当前期次' : ''}`,
    );
  else if (periodChanged) changes.push(`${policy.periodName}：政策、时间表或当前期次已更新`);
  const p = policy;

  return {
    ok: true,
    plan: {
      summary: {
        kind: 'period',
        created: (programme ? 0 : 1) + (period ? 0 : 1),
        changed: (programmeChanged ? 1 : 0) + (periodChanged ? 1 : 0),
        unchanged: (programme && !programmeChanged ? 1 : 0) + (period && !periodChanged ? 1 : 0),
        changes,
      },
      async apply(tx, actor) {
        const prog =
          programme && !programmeChanged
            ? programme
            : programme
              ? await tx.programme.update({
                  where: { id: programme.id },
                  data: { name: programmeName, federationId: fed.id },
                })
              : await tx.programme.create({ data: { code: programmeCode, name: programmeName, federationId: fed.id } });
        if (programmeChanged && programme)
          await audit(tx, actor, 'programme.update', 'Programme', programmeCode, {
            before: { name: programme.name, federationId: programme.federationId },
            after: { name: programmeName, federationId: fed.id },
          });
        if (current && !period?.current)
          await tx.period.updateMany({ where: { programmeId: prog.id, current: true }, data: { current: false } });
        const data = { name: p.periodName, startsOn: p.startsOn, endsOn: p.endsOn, policy: policyJson, current };
        if (!period) {
          await tx.period.create({ data: { programmeId: prog.id, number, ...data } });
          await audit(tx, actor, 'period.create', 'Programme', programmeCode, { number, name: p.periodName });
        } else if (periodChanged) {
          await tx.period.update({ where: { id: period.id }, data });
          await audit(tx, actor, 'period.update', 'Period', period.id, {
            before: { policy: JSON.parse(period.policy), current: period.current },
            after: { policy: p, current },
          });
        }
      },
    },
  };
}
