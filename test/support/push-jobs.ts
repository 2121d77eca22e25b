/**
 * Set-up shared by the push tests of the job queue (test/jobs/push-batch.test.ts, push-bulk.test.ts): a made-up
 * push of n people's ordered texts, the runners to run it on (in-process, and BullMQ when the global setup started
 * Redis), and a job context that only records what it is handed to enqueue.
 */
import { must } from '../../src/core/must.js';
import { createBullRunner } from '../../src/jobs/runner-bullmq.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import type { JobContext, JobDeps, JobRunner } from '../../src/jobs/types.js';
import type { JobRequest } from '../../src/services/job-queue.js';
import { inOrder, type PlannedDelivery } from '../../src/services/planned-delivery.js';

const redisUrl = process.env.TEST_REDIS_URL;
export const runnerKinds = ['in-process', ...(redisUrl ? ['BullMQ'] : [])] as const;
export type RunnerKind = (typeof runnerKinds)[number];

/** n people, each sent `per` texts in order ('<user>:1', '<user>:2', …) */
export function push(tag: string, n: number, per: number): PlannedDelivery[] {
  return Array.from({ length: n }, (_, u) => {
    const user = `${tag}-u${u}`;
    return inOrder(
      Array.from({ length: per }, (_, m) => ({
        key: `${tag}:${user}:${m + 1}`,
        kind: 'ranking_push' as const,
        platform: 'wecom',
        recipient: { userIds: [user] },
        message: { kind: 'text' as const, text: `${user}:${m + 1}` },
      })),
    );
  }).flat();
}

let prefixes = 0;
/** a runner of `kind` with a tiny backoff; each BullMQ one on queues of its own, named after `suite` */
export function makeRunner(kind: RunnerKind, deps: JobDeps, o: { suite: string; worker?: boolean }): JobRunner {
  if (kind === 'in-process') return createMemoryRunner(deps, { schedules: false, backoffScale: 0.001 });
  return createBullRunner(deps, {
    redisUrl: must(redisUrl, 'TEST_REDIS_URL (BullMQ runs only with it)'),
    prefix: `t-${o.suite}-${process.pid}-${Date.now()}-${prefixes++}`,
    backoffScale: 0.001,
    schedules: false,
    ...(o.worker === false ? { worker: false } : {}),
  });
}

/** a job context whose enqueueBulk only records what it was handed */
export function recordingCtx(deps: JobDeps, jobs: JobRequest[]): JobContext {
  return {
    ...deps,
    enqueue: async () => {},
    enqueueBulk: async (list) => {
      jobs.push(...list);
    },
    jobId: 'test',
    attempt: 1,
  };
}
