/**
 * The huzhu command line: `npm run huzhu -- <command>`. Arguments are parsed with node:util and checked by zod.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { platformColumns, platformNames } from '../channels/index.js';
import { ConfigError } from '../config.js';
import { firstIssue } from '../core/must.js';
import { openRuntime, type Runtime, shanghaiToday } from '../runtime.js';
import { loadDemo } from '../services/demo/load.js';
import { exportProgress, exportRoster } from '../services/exports.js';
import { currentPeriod, periodByNumber } from '../services/periods.js';
import { describeErrors } from '../services/roster/errors.js';
import { importRoster } from '../services/roster/import.js';
import { limitsForRows, RosterFormatError } from '../services/roster/read.js';
import { JOBS_USAGE, runJobsCommand } from './jobs.js';
import { PAYMENTS_USAGE, runPayments } from './payments.js';
import { FEES_USAGE, PERIOD_USAGE, PROGRAMME_USAGE, REPORT_USAGE, runProgrammeCommand } from './programme.js';
import { runQuota } from './quota-run.js';

const USAGE = `用法 (usage): npm run huzhu -- <command>
  db migrate                                        apply database migrations
  demo [--scale 100] [--today YYYY-MM-DD]           load the demo data set (once; re-running changes nothing)
  roster import <file.xlsx|csv> --period <n> --unit <code>
  roster export --unit <code> [--period <n>] --out <file.xlsx>
  progress export [--period <n>] [--today YYYY-MM-DD] --out <file.xlsx>
${JOBS_USAGE.split('\n').slice(1).join('\n')}
${PAYMENTS_USAGE}
  quota [flush]                  platforms with a monthly API quota: used, projected, held; flush sends what was held
${PROGRAMME_USAGE}
${PERIOD_USAGE}
${FEES_USAGE}
${REPORT_USAGE}`;

const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应为 YYYY-MM-DD');
const PeriodNo = z
  .string()
  .regex(/^[1-9]\d*$/, '期次应为正整数')
  .transform(Number);
const UnitCode = z.string().min(1, '请给出单位编码 --unit');
const OutFile = z.string().regex(/\.xlsx$/i, '输出文件应以 .xlsx 结尾');

export class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      period: { type: 'string' },
      unit: { type: 'string' },
      out: { type: 'string' },
      scale: { type: 'string' },
      today: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function need<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(firstIssue(r.error));
  return r.data;
}

/** Runs one command; returns the process exit code. Output goes to `out` (stdout) and `err` (stderr). */
export async function runCli(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void; env?: NodeJS.ProcessEnv } = {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  },
): Promise<number> {
  let rt: Runtime | null = null;
  try {
    // sub-commands with options of their own parse their arguments themselves
    if (argv[0] === 'jobs') {
      rt = await openRuntime(io.env ?? process.env);
      return await runJobsCommand(argv, io, rt, { platforms: () => [...platformNames] });
    }
    if (argv[0] === 'payments') {
      rt = await openRuntime(io.env ?? process.env);
      return await runPayments(argv.slice(1), rt, io);
    }
    if (argv[0] === 'quota') {
      rt = await openRuntime(io.env ?? process.env);
      return await runQuota(argv.slice(1), rt, io.out);
    }
    if (['programme', 'template', 'fees', 'period', 'report'].includes(argv[0] ?? ''))
      return await runProgrammeCommand(argv, io, async () => {
        rt = await openRuntime(io.env ?? process.env);
        return rt;
      });
    const { values, positionals } = parse(argv);
    const [cmd, sub, arg] = positionals;
    if (values.help || !cmd) {
      io.out(USAGE);
      return cmd ? 0 : 2;
    }
    const key = `${cmd} ${sub ?? ''}`.trim();
    const known = ['db migrate', 'demo', 'roster import', 'roster export', 'progress export'];
    if (!known.includes(key)) throw new UsageError(`未知命令：${key}`);
    rt = await openRuntime(io.env ?? process.env);
    const { db, config } = rt;
    const period = async () => (values.period ? periodByNumber(db, need(PeriodNo, values.period)) : currentPeriod(db));

    switch (key) {
      case 'db migrate':
        io.out('数据库已是最新结构 (database is up to date)');
        return 0;
      case 'demo': {
        const started = performance.now();
        const r = await loadDemo({
          db,
          hashKey: config.ID_HASH_KEY,
          scale: values.scale ? need(z.coerce.number().int().min(1).max(10_000), values.scale) : 100,
          today: values.today ? need(LocalDate, values.today) : shanghaiToday(),
          platforms: platformNames,
        });
        const ms = Math.round(performance.now() - started);
        io.out(
          r.created
            ? `演示数据已载入：${r.orgs} 个组织，${r.members} 名会员，${r.enrolments} 条参互记录（${ms} ms）`
            : `演示数据已存在，未做任何修改（${r.members} 名会员）`,
        );
        return 0;
      }
      case 'roster import': {
        const file = need(z.string().min(1, '请给出名册文件'), arg);
        const r = await importRoster({
          db,
          file,
          period: await period(),
          unitCode: need(UnitCode, values.unit),
          hashKey: config.ID_HASH_KEY,
          actor: 'cli',
          platforms: platformColumns,
          ...(config.ROSTER_MAX_ROWS || config.ROSTER_MAX_FILE_MB
            ? { limits: limitsForRows(config.ROSTER_MAX_ROWS, config.ROSTER_MAX_FILE_MB) }
            : {}),
        });
        if (!r.ok) {
          for (const line of describeErrors(r.errors, r.total)) io.err(line);
          return 1;
        }
        const s = r.summary;
        io.out(
          `导入完成：${s.rows} 行；新增会员 ${s.membersCreated}，更新 ${s.membersUpdated}；新增参互记录 ${s.enrolmentsCreated}，更新 ${s.enrolmentsUpdated}；参加 ${s.participants}，未参 ${s.notParticipating}；绑定账号 ${s.identitiesBound}`,
        );
        return 0;
      }
      case 'roster export': {
        const n = await exportRoster(db, await period(), need(UnitCode, values.unit), need(OutFile, values.out));
        io.out(`已导出 ${n} 行到 ${values.out}`);
        return 0;
      }
      case 'progress export': {
        await exportProgress(
          db,
          await period(),
          need(OutFile, values.out),
          values.today ? need(LocalDate, values.today) : shanghaiToday(),
        );
        io.out(`已导出进度表到 ${values.out}`);
        return 0;
      }
    }
    return 2;
  } catch (e) {
    if (e instanceof UsageError || e instanceof RosterFormatError || e instanceof ConfigError) {
      io.err(e.message);
      if (e instanceof UsageError) io.err(USAGE);
      return 2;
    }
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(e.message);
      io.err(USAGE);
      return 2;
    }
    throw e;
  } finally {
    await rt?.close();
  }
}

if (process.argv[1]?.endsWith('cli/index.ts') || process.argv[1]?.endsWith('cli/index.js')) {
  process.exitCode = await runCli(process.argv.slice(2));
}
