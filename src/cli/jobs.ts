/**
 * `huzhu jobs list|dead|replay <id>|run <name> [--date YYYY-MM-DD]`: the admins' view of the job queue.
 * With REDIS_URL the command talks to the app's BullMQ queue (a producer only: the app's workers run the jobs).
 * Without it the app's queue lives in the app's process: `run` plans the messages into the Delivery table here
 * and `replay` puts the row back, and the app's sweep (every minute) sends them.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { platformNames } from '../channels/index.js';
import { platformLimitsFor } from '../channels/platforms.js';
import { bullPrefix } from '../config.js';
import { firstIssue } from '../core/must.js';
import { Templates } from '../core/templates.js';
import { createJobRunner, deadLetters, deliverJobId, isJobName, JOB_NAMES, prepareReplay } from '../jobs/index.js';
import type { JobDeps, JobRunner } from '../jobs/types.js';
import { DeliveryStatus } from '../rules/index.js';
import type { Runtime } from '../runtime.js';
import { parseJobPayload } from '../services/job-queue.js';
import { createMemoryStore } from '../state/memory.js';

/** what an admin reads next to each machine name */
const JOB_LABEL: Record<string, string> = {
  'ranking.daily': '每日排名推送',
  'deadlines.daily': '截止日期公告',
  'announce.adhoc': '群发通知',
  deliver: '发送一条消息',
  'deliveries.sweep': '补发排队中的消息',
};
const KIND_LABEL: Record<string, string> = {
  ranking_push: '代办员日报',
  ranking_group: '群进度表',
  deadline: '截止日期公告',
  adhoc: '群发通知',
  notice: '通知',
  job: '任务',
};
const STATUS_LABEL: Record<string, string> = {
  queued: '排队中',
  sending: '发送中',
  sent: '已发送',
  dead: '已失败',
  replayed: '已重发',
  unknown: '结果未知',
};
const QUEUE_LABEL: Record<string, string> = {
  waiting: '等待',
  active: '运行中',
  completed: '已完成',
  failed: '失败',
  delayed: '延迟',
  paused: '暂停',
  prioritized: '优先',
  'waiting-children': '等待子任务',
};
const cn = (labels: Record<string, string>, key: string) => (labels[key] ? `${labels[key]} ${key}` : key);

export const JOBS_USAGE = `用法: npm run huzhu -- jobs <子命令>
  jobs list                      定时任务（北京时间）、队列数量、各类消息的发送状态
  jobs dead                      死信列表：最终发送失败或被中断的消息和任务
  jobs replay <id>               把一条死信重新排队（id 见 jobs dead）
  jobs run <name> [--date D]     立即运行一个任务：${JOB_NAMES.map((n) => `${n}（${JOB_LABEL[n] ?? n}）`).join('、')}`;

export interface JobsIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface JobsCommandOptions {
  /** the clock (tests freeze it) */
  now?: () => Date;
  /** BullMQ key prefix; default the app's (REDIS_PREFIX) */
  prefix?: string;
  /** platforms to plan for; default every channel under src/channels */
  platforms?: () => string[];
}

const Id = z.coerce.number().int().positive('请给出死信编号（jobs dead 列出的 id）');
const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应为 YYYY-MM-DD');

function shanghai(iso: string | null): string {
  if (!iso) return '—';
  return `${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} (北京时间)`;
}

export async function runJobsCommand(
  argv: string[],
  io: JobsIo,
  rt: Runtime,
  o: JobsCommandOptions = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { date: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [sub, arg] = positionals[0] === 'jobs' ? positionals.slice(1) : positionals;
  if (values.help || !sub) {
    io.out(JOBS_USAGE);
    return sub || values.help ? 0 : 2;
  }
  const redisUrl = rt.config.REDIS_URL;
  const deps: JobDeps = {
    db: rt.db,
    store: createMemoryStore(),
    log: rt.log,
    templates: new Templates(),
    now: o.now ?? (() => new Date()),
    platforms: o.platforms ?? (() => [...platformNames]),
    limits: platformLimitsFor(rt.config),
  };
  let runner: JobRunner | null = null;
  const producer = async (): Promise<JobRunner> => {
    if (!runner) {
      runner = createJobRunner(deps, {
        ...(redisUrl ? { redisUrl } : {}),
        prefix: o.prefix ?? bullPrefix(rt.config),
        schedules: false,
        worker: false,
      });
      await runner.start();
    }
    return runner;
  };
  try {
    switch (sub) {
      case 'list': {
        const r = await producer();
        for (const s of await r.schedules())
          io.out(
            `${(JOB_LABEL[s.name] ?? '').padEnd(9, '　')} ${s.name.padEnd(18)} ${s.schedule.kind === 'daily' ? `每天 ${s.schedule.at}` : `每 ${Math.round(s.schedule.ms / 1000)} 秒`}  下次 ${shanghai(s.next)}`,
          );
        if (redisUrl)
          io.out(
            `队列：${Object.entries(await r.counts())
              .map(([k, v]) => `${QUEUE_LABEL[k] ?? k} ${v}`)
              .join('，')}`,
          );
        const counts = await rt.db.delivery.groupBy({
          by: ['kind', 'status'],
          _count: { _all: true },
          orderBy: [{ kind: 'asc' }, { status: 'asc' }],
        });
        io.out(counts.length ? '消息（按类别和状态）：' : '消息：无');
        for (const c of counts)
          io.out(
            `  ${(KIND_LABEL[c.kind] ?? c.kind).padEnd(6, '　')} ${(STATUS_LABEL[c.status] ?? c.status).padEnd(4, '　')} ${String(c._count._all).padStart(6)} 条`,
          );
        return 0;
      }
      case 'dead': {
        const rows = await deadLetters(rt.db, 200);
        if (!rows.length) {
          io.out('死信列表为空：没有发送失败的消息或任务');
          return 0;
        }
        for (const d of rows)
          io.out(
            `#${d.id}  ${cn(STATUS_LABEL, d.status)}  ${cn(KIND_LABEL, d.kind)}  ${d.platform}  ${d.key}  尝试 ${d.attempts} 次  ${(d.error ?? '').slice(0, 120)}`,
          );
        io.out('重新发送：npm run huzhu -- jobs replay <id>');
        return 0;
      }
      case 'replay': {
        const r = Id.safeParse(arg);
        if (!r.success) {
          io.err(firstIssue(r.error));
          return 2;
        }
        const plan = await prepareReplay(rt.db, r.data);
        if (!plan) {
          io.err(`#${r.data} 不在死信列表中`);
          return 1;
        }
        if (plan.name === 'deliver') {
          // a fresh job id: the failed job of the same key may still be kept by the queue
          if (redisUrl)
            await (await producer()).enqueue('deliver', plan.data, {
              jobId: `${deliverJobId(plan.data.key)}|replay-${Date.now()}`,
            });
          io.out(`#${r.data} 已重新排队${redisUrl ? '' : '（应用每分钟发送一次排队中的消息）'}`);
          return 0;
        }
        const name = plan.job;
        if (!isJobName(name)) {
          io.err(`#${r.data}: 未知任务 ${name}`);
          return 1;
        }
        // the stored payload is checked before it is queued again: a malformed one is refused here, with why
        const job = parseJobPayload(name, plan.data);
        if (!job.ok) {
          io.err(`#${r.data}: 任务数据无效（${job.reason}）`);
          return 1;
        }
        const r2 = await producer();
        await r2.enqueueBulk([job.request]);
        if (!redisUrl) await r2.idle();
        io.out(`#${r.data} 任务 ${name} 已重新运行`);
        return 0;
      }
      case 'run': {
        if (!arg || !isJobName(arg)) {
          io.err(`未知任务：${arg ?? ''}（可用：${JOB_NAMES.join(', ')}）`);
          return 2;
        }
        let date: string | undefined;
        if (values.date) {
          const d = LocalDate.safeParse(values.date);
          if (!d.success) {
            io.err(firstIssue(d.error));
            return 2;
          }
          date = d.data;
        }
        const job = parseJobPayload(arg, date ? { date } : {});
        if (!job.ok) {
          io.err(`任务 ${arg} 不能从命令行运行（${job.reason}）`);
          return 2;
        }
        const r = await producer();
        await r.enqueueBulk([job.request]);
        if (!redisUrl) {
          await r.idle();
          const queued = await rt.db.delivery.count({ where: { status: DeliveryStatus.enum.queued } });
          io.out(`任务 ${arg} 已运行；${queued} 条消息排队中，由运行中的应用发送`);
        } else io.out(`任务 ${arg} 已加入队列`);
        return 0;
      }
      default:
        io.err(`未知命令：jobs ${sub}`);
        io.err(JOBS_USAGE);
        return 2;
    }
  } finally {
    await (runner as JobRunner | null)?.stop();
  }
}
