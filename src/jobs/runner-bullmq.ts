/**
 * The BullMQ runner (REDIS_URL set): one queue, one worker per instance, job schedulers registered by every
 * instance under fixed ids (so N instances still make one job per occurrence), daily ones as cron in
 * Asia/Shanghai. Retries with exponential backoff; a rate-limit delay moves the job back to `delayed` without
 * spending an attempt; after the last attempt the definition records the dead letter (the Delivery table, which
 * `huzhu jobs dead|replay` read in both modes).
 */
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { jobRequest } from '../services/job-queue.js';
import { REDIS_LOADING_RETRY_MS } from '../state/redis.js';
import { JOB_NAMES, JOBS } from './definitions.js';
import { cronOf } from './schedule.js';
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
  type ScheduleInfo,
} from './types.js';

export interface BullRunnerOptions {
  redisUrl: string;
  /** key prefix in Redis (tests isolate runs with their own) */
  prefix?: string;
  queueName?: string;
  concurrency?: number;
  backoffScale?: number;
  /** register the schedules (default true) */
  schedules?: boolean;
  /** only produce (the CLI): no worker */
  worker?: boolean;
}

export const DEFAULT_BULL_PREFIX = 'huzhu-bull';

export function createBullRunner(deps: JobDeps, o: BullRunnerOptions): JobRunner {
  const prefix = o.prefix ?? DEFAULT_BULL_PREFIX;
  const name = o.queueName ?? 'huzhu';
  const scale = o.backoffScale ?? 1;
  const queueConn = new Redis(o.redisUrl, {
    maxRetriesPerRequest: null,
    lazyConnect: false,
    maxLoadingRetryTime: REDIS_LOADING_RETRY_MS,
  });
  const queue = new Queue(name, { connection: queueConn, prefix });
  let worker: Worker | null = null;
  let workerConn: Redis | null = null;

  const optsFor = (job: JobName, o: EnqueueOptions = {}) => {
    const def = JOBS[job];
    const made = o.attemptsMade ?? 0;
    // work another job already tried (a batch's send): the attempts left, after the backoff the tries earned
    const delay = (o.delayMs ?? 0) + (made ? Math.round(retryDelayMs(def.backoffMs, made) * scale) : 0);
    return {
      attempts: Math.max(1, def.attempts - made),
      backoff: { type: 'exponential' as const, delay: Math.max(1, Math.round(def.backoffMs * scale)) },
      removeOnComplete: true,
      removeOnFail: 1000,
      ...(o.jobId ? { jobId: o.jobId } : {}),
      ...(delay ? { delay } : {}),
    };
  };

  const enqueueBulk: EnqueueBulk = async (jobs) => {
    for (let i = 0; i < jobs.length; i += 1000)
      await queue.addBulk(
        jobs.slice(i, i + 1000).map((j) => ({ name: j.name, data: j.data, opts: optsFor(j.name, j.opts) })),
      );
  };

  async function process(job: Job, token?: string): Promise<void> {
    const def = JOBS[job.name as JobName];
    if (!def) throw new UnrecoverableError(`unknown job ${job.name}`);
    const ctx = {
      ...deps,
      enqueue: ((n, data, opts) => enqueueBulk([jobRequest(n, data, opts)])) satisfies Enqueue,
      enqueueBulk,
      jobId: job.id ?? `${job.name}|?`,
      attempt: job.attemptsMade + 1,
    };
    try {
      // job.data is whatever Redis held: the definition parses it with the job's schema (MalformedJobData if not)
      await def.run(ctx, job.data);
    } catch (e) {
      if (e instanceof DelayJob) {
        await job.moveToDelayed(Date.now() + e.ms, token);
        throw new DelayedError();
      }
      const err = e instanceof Error ? e : new Error(String(e));
      const final = e instanceof PermanentJobError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        deps.log.error({ err, job: job.name, jobId: job.id }, 'job failed for good: dead-letter');
        await def.onDead(ctx, job.data, err);
        if (e instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      } else deps.log.warn({ err, job: job.name, jobId: job.id, attempt: ctx.attempt }, 'job failed: retrying');
      throw err;
    }
  }

  return {
    kind: 'bullmq',
    async start() {
      if (o.schedules !== false)
        for (const n of JOB_NAMES) {
          const s = await JOBS[n].schedule?.(deps);
          if (!s) {
            await queue.removeJobScheduler(n);
            continue;
          }
          const repeat = s.kind === 'daily' ? { pattern: cronOf(s.at), tz: 'Asia/Shanghai' } : { every: s.ms };
          await queue.upsertJobScheduler(n, repeat, { name: n, data: {}, opts: optsFor(n) });
        }
      if (o.worker !== false) {
        workerConn = new Redis(o.redisUrl, { maxRetriesPerRequest: null, maxLoadingRetryTime: REDIS_LOADING_RETRY_MS });
        worker = new Worker(name, process, { connection: workerConn, prefix, concurrency: o.concurrency ?? 8 });
        worker.on('error', (err) => deps.log.error({ err }, 'job worker error'));
        await worker.waitUntilReady();
      }
      // the first sweep runs at start (definitions.ts): a scheduler already registered by an earlier process keeps
      // its own next run, up to a minute away, while rows a killed process planned wait (test/faults/)
      if (o.schedules !== false) await enqueueBulk([{ name: 'deliveries.sweep', data: {} }]);
    },
    async stop() {
      await worker?.close();
      await queue.close();
      workerConn?.disconnect();
      queueConn.disconnect();
    },
    enqueue: (n, data, opts) => enqueueBulk([jobRequest(n, data, opts)]),
    enqueueBulk,
    async schedules(): Promise<ScheduleInfo[]> {
      const list = await queue.getJobSchedulers();
      return list.map((s) => ({
        name: s.key as JobName,
        schedule: s.pattern
          ? { kind: 'daily' as const, at: cronToAt(s.pattern) }
          : { kind: 'every' as const, ms: Number(s.every) },
        next: s.next ? new Date(s.next).toISOString() : null,
      }));
    },
    async counts() {
      return queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
    },
    async idle(horizonMs = Number.POSITIVE_INFINITY) {
      // a job moving delayed → waiting between two reads is seen by neither: idle must hold for several reads
      let quiet = 0;
      while (quiet < 3) {
        const c = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed');
        // the schedulers' next occurrences sit in `delayed` too: they are not work in progress
        const schedulers = await queue.getJobSchedulersCount();
        let delayed = Math.max(0, (c.delayed ?? 0) - schedulers);
        if (delayed && Number.isFinite(horizonMs))
          delayed = (await queue.getDelayed()).filter(
            (j) => !j.repeatJobKey && j.timestamp + (j.delay ?? 0) <= Date.now() + horizonMs,
          ).length;
        quiet = !c.waiting && !c.active && !c.prioritized && !delayed ? quiet + 1 : 0;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

function cronToAt(pattern: string): string {
  const [m, h] = pattern.split(' ');
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}
