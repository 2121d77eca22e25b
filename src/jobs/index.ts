/**
 * The job runner the app uses: BullMQ when REDIS_URL is set, else the in-process runner; both run the job
 * definitions of src/jobs/definitions.ts.
 */
import { createBullRunner } from './runner-bullmq.js';
import { createMemoryRunner } from './runner-memory.js';
import type { JobDeps, JobRunner } from './types.js';

export { deliverJobId, isJobName, JOB_NAMES, JOBS } from './definitions.js';
export { deadLetters, prepareReplay } from './deliveries.js';
export type { JobDeps, JobName, JobRunner } from './types.js';

export interface RunnerOptions {
  redisUrl?: string;
  /** BullMQ key prefix */
  prefix?: string;
  concurrency?: number;
  backoffScale?: number;
  schedules?: boolean;
  worker?: boolean;
}

export function createJobRunner(deps: JobDeps, o: RunnerOptions = {}): JobRunner {
  const common = {
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.backoffScale ? { backoffScale: o.backoffScale } : {}),
    ...(o.schedules === false ? { schedules: false } : {}),
  };
  if (o.redisUrl)
    return createBullRunner(deps, {
      redisUrl: o.redisUrl,
      ...common,
      ...(o.prefix ? { prefix: o.prefix } : {}),
      ...(o.worker === false ? { worker: false } : {}),
    });
  return createMemoryRunner(deps, common);
}
