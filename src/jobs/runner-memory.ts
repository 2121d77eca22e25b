/**
 * The in-process runner (no REDIS_URL: one instance only): the same job definitions, a timer-driven queue with
 * the same retries, backoff, delays and dead letters. Daily schedules follow the injected clock (a restart after
 * the hour catches up the same day: the Delivery keys make that safe); `every` schedules follow the wall clock.
 */
import { shanghaiDate, shanghaiInstant } from '../rules/index.js';
import { jobRequest } from '../services/job-queue.js';
import { JOB_NAMES, JOBS } from './definitions.js';
import { nextRun } from './schedule.js';
import {
  DelayJob,
  type Enqueue,
  type EnqueueBulk,
  type EnqueueOptions,
  type JobDeps,
  type JobName,
  type JobRunner,
  PermanentJobError,
  retryDelayMs,
  type Schedule,
  type ScheduleInfo,
} from './types.js';

interface Pending {
  id: string;
  name: JobName;
  /** parsed by the job's schema when it runs */
  data: unknown;
  attempt: number;
  runAt: number;
}

export interface MemoryRunnerOptions {
  concurrency?: number;
  /** multiplies every retry backoff (tests: 0.001) */
  backoffScale?: number;
  /** how often schedules are checked, ms */
  tickMs?: number;
  /** register the schedules (default true) */
  schedules?: boolean;
}

export function createMemoryRunner(deps: JobDeps, o: MemoryRunnerOptions = {}): JobRunner {
  const concurrency = o.concurrency ?? 8;
  const scale = o.backoffScale ?? 1;
  const queue: Pending[] = [];
  const ids = new Set<string>();
  let active = 0;
  let seq = 0;
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  let ticker: NodeJS.Timeout | null = null;
  const running = new Set<Promise<void>>();
  const scheduled = new Map<JobName, { schedule: Schedule; last: string | number | null }>();

  /** takes requests as typed by callers, and raw schedule payloads alike: the job parses either when it runs */
  const enqueueRaw = async (jobs: { name: JobName; data: unknown; opts?: EnqueueOptions }[]) => {
    for (const j of jobs) {
      const id = j.opts?.jobId ?? `${j.name}|${++seq}`;
      if (ids.has(id)) continue;
      ids.add(id);
      // work another job already tried (a batch's send) goes on from its next attempt, after that attempt's backoff
      const made = j.opts?.attemptsMade ?? 0;
      const backoff = made ? retryDelayMs(JOBS[j.name].backoffMs, made) * scale : 0;
      queue.push({
        id,
        name: j.name,
        data: j.data,
        attempt: 1 + made,
        runAt: Date.now() + (j.opts?.delayMs ?? 0) + backoff,
      });
    }
    pump();
  };
  const enqueueBulk: EnqueueBulk = (jobs) => enqueueRaw(jobs);

  const ctxFor = (p: Pending) => ({
    ...deps,
    enqueue: ((name, data, opts) => enqueueBulk([jobRequest(name, data, opts)])) satisfies Enqueue,
    enqueueBulk,
    jobId: p.id,
    attempt: p.attempt,
  });

  async function execute(p: Pending): Promise<void> {
    const def = JOBS[p.name];
    const ctx = ctxFor(p);
    try {
      await def.run(ctx, p.data);
      ids.delete(p.id);
    } catch (e) {
      if (e instanceof DelayJob) {
        queue.push({ ...p, runAt: Date.now() + e.ms });
        return;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      if (e instanceof PermanentJobError || p.attempt >= def.attempts) {
        ids.delete(p.id);
        deps.log.error({ err, job: p.name, jobId: p.id, attempt: p.attempt }, 'job failed for good: dead-letter');
        await def.onDead(ctx, p.data, err).catch((e2) => deps.log.error({ err: e2 }, 'recording a dead letter failed'));
        return;
      }
      deps.log.warn({ err, job: p.name, jobId: p.id, attempt: p.attempt }, 'job failed: retrying');
      queue.push({ ...p, attempt: p.attempt + 1, runAt: Date.now() + retryDelayMs(def.backoffMs, p.attempt) * scale });
    }
  }

  function pump(): void {
    if (stopped) return;
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const now = Date.now();
    queue.sort((a, b) => a.runAt - b.runAt);
    for (let p = queue[0]; active < concurrency && p && p.runAt <= now; p = queue[0]) {
      queue.shift();
      active++;
      const run = execute(p).finally(() => {
        active--;
        running.delete(run);
        pump();
      });
      running.add(run);
    }
    const first = queue[0];
    if (first && active < concurrency) timer = setTimeout(pump, Math.max(1, first.runAt - Date.now()));
  }

  function checkSchedules(): void {
    for (const [name, s] of scheduled) {
      if (s.schedule.kind === 'daily') {
        const now = deps.now();
        const today = shanghaiDate(now);
        if (s.last !== today && now.getTime() >= shanghaiInstant(today, s.schedule.at).getTime()) {
          s.last = today;
          void enqueueRaw([{ name, data: {}, opts: { jobId: `${name}|${today}` } }]);
        }
      } else {
        const wall = Date.now();
        if (s.last === null || wall - (s.last as number) >= s.schedule.ms) {
          s.last = wall;
          void enqueueRaw([{ name, data: {} }]);
        }
      }
    }
  }

  return {
    kind: 'memory',
    async start() {
      stopped = false;
      if (o.schedules !== false)
        for (const name of JOB_NAMES) {
          const s = await JOBS[name].schedule?.(deps);
          if (s) scheduled.set(name, { schedule: s, last: null });
        }
      checkSchedules();
      ticker = setInterval(checkSchedules, o.tickMs ?? 15_000);
      ticker.unref?.();
      pump();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (ticker) clearInterval(ticker);
      await Promise.allSettled([...running]);
    },
    enqueue: (name, data, opts) => enqueueBulk([jobRequest(name, data, opts)]),
    enqueueBulk,
    async schedules(): Promise<ScheduleInfo[]> {
      const out: ScheduleInfo[] = [];
      for (const name of JOB_NAMES) {
        const s = scheduled.get(name)?.schedule ?? (await JOBS[name].schedule?.(deps));
        if (s)
          out.push({ name, schedule: s, next: nextRun(s, s.kind === 'daily' ? deps.now() : new Date()).toISOString() });
      }
      return out;
    },
    async counts() {
      const now = Date.now();
      return {
        waiting: queue.filter((p) => p.runAt <= now).length,
        delayed: queue.filter((p) => p.runAt > now).length,
        active,
      };
    },
    async idle(horizonMs = Number.POSITIVE_INFINITY) {
      for (;;) {
        const due = queue.some((p) => p.runAt <= Date.now() + horizonMs);
        if (!due && active === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
