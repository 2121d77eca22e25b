/**
 * `huzhu template <kind> --out f.xlsx`, `huzhu programme check|apply <file> [--kind k]`, `huzhu programme show`:
 * the command-line shell over src/services/programme. Output is Chinese, for the office that runs it. The
 * runtime is opened by the caller (src/cli/index.ts), which also closes it.
 */

import { parseArgs } from 'node:util';
import { z } from 'zod';
import { platformColumns as columnsOfPlatforms } from '../channels/index.js';
import { firstIssue } from '../core/must.js';
import type { Runtime } from '../runtime.js';
import { shanghaiToday } from '../runtime.js';
import { readApplicationForm } from '../services/application-form.js';
import { currentPeriod, periodByNumber } from '../services/periods.js';
import { listPolicyFiles, loadPolicyFile } from '../services/policies.js';
import { importFeePayments, reconcileOffices } from '../services/programme/fees.js';
import {
  applyProgrammeFile,
  type CheckResult,
  checkProgrammeFile,
  issueText,
  KIND_LABEL,
  type PlatformColumn,
  type ProgrammeKind,
  summaryText,
} from '../services/programme/index.js';
import { closePeriod, openNextPeriod } from '../services/programme/periods.js';
import { showProgrammes } from '../services/programme/show.js';
import { writeTemplate } from '../services/programme/template.js';
import { exportYearReport } from '../services/programme/year-report.js';
import { reconciliationReport } from '../services/reconciliation.js';

export const PROGRAMME_USAGE = `  template <organisations|people|period> --out <f.xlsx>   a blank set-up file with its column notes
  programme check <file.xlsx|csv> [--kind <kind>]          check a set-up file: what would change, nothing written
  programme apply <file.xlsx|csv> [--kind <kind>]          check and apply it, all or nothing
  programme show                                           programmes, periods, units and people`;

const Kind = z.enum(['organisations', 'people', 'period'], {
  error: '文件种类应为 organisations（组织）、people（人员）或 period（期次）',
});
const OutFile = z.string({ error: '请用 --out 给出输出文件' }).regex(/\.xlsx$/i, '输出文件应以 .xlsx 结尾');

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** the platforms' account columns, from the channels' list */
export function platformColumns(): PlatformColumn[] {
  return [...columnsOfPlatforms];
}

function need<T>(schema: z.ZodType<T>, value: unknown, io: Io): T | null {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  io.err(firstIssue(r.error));
  return null;
}

function report(r: CheckResult, io: Io, applied: boolean): number {
  if (!r.ok) {
    const what = r.kind ? `${KIND_LABEL[r.kind]}文件` : '文件';
    io.err(`${what}有 ${r.issues.length} 处问题，未写入任何数据：`);
    for (const i of r.issues.slice(0, 200)) io.err(`  ${issueText(i)}`);
    if (r.issues.length > 200) io.err(`  …… 另有 ${r.issues.length - 200} 处`);
    return 1;
  }
  const s = r.summary;
  io.out(`${summaryText(s)}${applied ? (s.created || s.changed ? '，已写入' : '，无需写入') : '（仅检查，未写入）'}`);
  for (const c of s.changes.slice(0, 100)) io.out(`  ${c}`);
  if (s.changes.length > 100) io.out(`  …… 另有 ${s.changes.length - 100} 项`);
  return 0;
}

export async function runProgrammeCommand(argv: string[], io: Io, open: () => Promise<Runtime>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      kind: { type: 'string' },
      period: { type: 'string' },
      from: { type: 'string' },
      policy: { type: 'string' },
      programme: { type: 'string' },
      today: { type: 'string' },
      year: { type: 'string' },
      application: { type: 'string' },
    },
  });
  const [cmd, sub, arg] = positionals;
  if (cmd === 'template') {
    const kind = need(Kind, sub, io);
    const out = kind && need(OutFile, values.out, io);
    if (!kind || !out) return 2;
    await writeTemplate(kind, platformColumns(), out);
    io.out(`已生成${KIND_LABEL[kind]}模板 ${out}`);
    return 0;
  }
  if (cmd === 'period' && (sub === 'open' || sub === 'close')) {
    const PeriodNo = z.coerce.number().int().positive('期次应为正整数');
    const programme = values.programme;
    if (sub === 'open') {
      const from = need(PeriodNo, values.from, io);
      const shipped = listPolicyFiles().map((f) => f.replace(/\.json$/, ''));
      const name = need(
        z.enum(shipped as [string, ...string[]], { error: `请用 --policy 给出政策：${shipped.join('、')}` }),
        values.policy,
        io,
      );
      if (!from || !name) return 2;
      const rt = await open();
      const r = await openNextPeriod(rt.db, {
        ...(programme ? { programme } : {}),
        from,
        policy: loadPolicyFile(name),
        actor: 'cli',
      });
      if (!r.ok) {
        io.err(r.message);
        return 1;
      }
      io.out(
        `已开启${r.period.name}（第 ${r.period.number} 期），设为当前期次；${r.from?.name ?? '上一期'}的 ${r.renewalCandidates ?? 0} 名参加人员可按续互办理`,
      );
      return 0;
    }
    const number = need(PeriodNo, arg ?? values.period, io);
    const today =
      values.today === undefined
        ? shanghaiToday()
        : need(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应为 YYYY-MM-DD'), values.today, io);
    if (!number || !today) return 2;
    const rt = await open();
    const r = await closePeriod(rt.db, { ...(programme ? { programme } : {}), number, today, actor: 'cli' });
    if (!r.ok) {
      io.err(r.message);
      return 1;
    }
    io.out(`${r.period.name}（第 ${r.period.number} 期）已于 ${today} 结束`);
    return 0;
  }
  if (cmd === 'report' && sub === 'year') {
    const year = need(z.coerce.number().int().min(2000, '年份应为四位数').max(2100, '年份应为四位数'), values.year, io);
    const out = year && need(OutFile, values.out, io);
    const number =
      values.period === undefined ? null : need(z.coerce.number().int().positive('期次应为正整数'), values.period, io);
    if (!year || !out || (values.period !== undefined && number === null)) return 2;
    const rt = await open();
    const period = number ? await periodByNumber(rt.db, number) : await currentPeriod(rt.db);
    const fed = await rt.db.programme.findUniqueOrThrow({
      where: { id: period.programmeId },
      include: { federation: true },
    });
    const r = await exportYearReport(rt.db, period, year, fed.federation.name, out);
    io.out(
      `已导出${year}年度运行情况统计表（${period.name}）到 ${out}：参与 ${r.participants} 人，筹集 ${(r.fundsRaisedFen / 100).toFixed(2)} 元，救助 ${r.aidedPersons} 人 ${(r.aidPaidFen / 100).toFixed(2)} 元`,
    );
    return 0;
  }
  if (cmd === 'fees' && sub === 'reconcile') {
    const number =
      values.period === undefined ? null : need(z.coerce.number().int().positive('期次应为正整数'), values.period, io);
    if (values.period !== undefined && number === null) return 2;
    const rt = await open();
    const period = number ? await periodByNumber(rt.db, number) : await currentPeriod(rt.db);
    const rows = await reconcileOffices(rt.db, period);
    const yuan = (fen: number) => (fen / 100).toFixed(2);
    io.out(`${period.name}上交核对：${rows.length} 个办事处`);
    for (const r of rows)
      io.out(
        `  ${r.office.name}（${r.office.code}）：名册已交费 ${r.roster.persons} 人 ${yuan(r.roster.amountFen)} 元，已上交 ${r.remitted.persons} 人 ${yuan(r.remitted.amountFen)} 元${
          r.differences.length ? `；${r.differences.join('')}` : '，一致'
        }`,
      );
    let differs = rows.some((r) => r.differences.length);
    // the group application (团体申请表, seeds 002 and 004), unit by unit against the roster
    if (values.application) {
      const form = await readApplicationForm(rt.db, { file: values.application });
      if (!form.ok) {
        for (const i of form.issues) io.err(issueText(i));
        return 2;
      }
      const report = await reconciliationReport(rt.db, period, undefined, form.lines);
      const units = report.units.filter((u) => u.application);
      io.out(`团体申请表核对：${units.length} 个单位`);
      for (const u of units) {
        const a = u.application;
        if (!a) continue;
        io.out(
          `  ${u.name}（${u.code}）：名册参互 ${u.enrolled.persons} 人 ${yuan(u.enrolled.amountFen)} 元，申请表 ${a.persons} 人${
            a.amountFen === null ? '' : ` ${yuan(a.amountFen)} 元`
          }${u.differences.length ? `；${u.differences.join('')}` : '，一致'}`,
        );
      }
      differs ||= units.some((u) => u.differences.length);
    }
    return differs ? 1 : 0;
  }
  if (cmd === 'fees' && sub === 'import') {
    if (!arg) {
      io.err('请给出缴费清单：huzhu fees import <file.xlsx|csv>');
      return 2;
    }
    const number =
      values.period === undefined ? null : need(z.coerce.number().int().positive('期次应为正整数'), values.period, io);
    if (values.period !== undefined && number === null) return 2;
    const rt = await open();
    const period = number ? await periodByNumber(rt.db, number) : await currentPeriod(rt.db);
    const r = await importFeePayments({ db: rt.db, source: { file: arg }, period, actor: 'cli' });
    if (!r.ok) {
      io.err(`缴费清单有 ${r.issues.length} 处问题，未写入任何数据：`);
      for (const i of r.issues) io.err(`  ${issueText(i)}`);
      return 1;
    }
    const s = r.summary;
    io.out(
      `${period.name}缴费登记（上交记录 ${r.summary.remittances} 笔）：${s.rows} 行，新登记已交费 ${s.paid} 人，共 ${(s.amountFen / 100).toFixed(2)} 元；此前已登记 ${s.alreadyPaid} 人`,
    );
    return 0;
  }
  if (sub === 'check' || sub === 'apply') {
    if (!arg) {
      io.err('请给出文件：huzhu programme apply <file.xlsx|csv>');
      return 2;
    }
    const kind = values.kind === undefined ? undefined : need(Kind, values.kind, io);
    if (kind === null) return 2;
    const rt = await open();
    {
      const input = {
        db: rt.db,
        source: { file: arg },
        platforms: platformColumns(),
        hashKey: rt.config.ID_HASH_KEY,
        ...(kind ? { kind: kind as ProgrammeKind } : {}),
      };
      const r =
        sub === 'apply' ? await applyProgrammeFile({ ...input, actor: 'cli' }) : await checkProgrammeFile(input);
      return report(r, io, sub === 'apply');
    }
  }
  if (sub === 'show') {
    const rt = await open();
    {
      const all = await showProgrammes(rt.db);
      if (!all.length) {
        io.out('还没有互助方案：先用 huzhu programme apply 导入组织、期次和人员文件');
        return 0;
      }
      for (const p of all) {
        io.out(`${p.name}（${p.code}），总工会 ${p.federation.name}（${p.federation.code}）`);
        for (const x of p.periods)
          io.out(
            `  ${x.name}（第 ${x.number} 期）${x.startsOn} 至 ${x.endsOn}${x.current ? '，当前期次' : ''}${x.closedOn ? `，已于 ${x.closedOn} 结束` : ''}：参加 ${x.enrolments} 人，已交费 ${x.paid} 人`,
          );
        io.out(`  单位：${p.units.map((u) => `${u.kind} ${u.count}`).join('，')}`);
        for (const c of p.categories) io.out(`  排名类别 ${c.category}：${c.units} 个单位，会员总数 ${c.memberTotal}`);
        io.out(
          `  人员：${p.roles.map((r) => `${r.role} ${r.count}${r.withoutChat ? `（${r.withoutChat} 人无聊天账号）` : ''}`).join('，') || '无'}`,
        );
      }
      return 0;
    }
  }
  io.err(`未知命令：${positionals.join(' ')}`);
  io.err(PROGRAMME_USAGE);
  return 2;
}

export const PERIOD_USAGE = `  period open --from <n> --policy <name> [--programme <code>]  open period n+1 (period n's members renew)
  period close <n> [--programme <code>] [--today YYYY-MM-DD]     close a period`;

export const REPORT_USAGE = `  report year --year <yyyy> [--period <n>] --out <f.xlsx>  the yearly statistics report (seed 004, 附件1)`;

export const FEES_USAGE = `  fees import <file.xlsx|csv> [--period <n>]               a remittance list (单位编码, 姓名/身份证后4位, 金额, 交费日期): fees paid
  fees reconcile [--period <n>] [--application <f.xlsx>]   each office's paid participants against what it remitted;
                                                           with a 团体申请表 (单位编码, 申请人数, 金额), each unit against its roster`;
