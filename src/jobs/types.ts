/**
 * The job contract shared by both runners (BullMQ over Redis, and the in-process runner): one module of job
 * definitions (src/jobs/definitions.ts), two ways to run them.
 */

import type { Log } from '../core/log.js';
import type { Outbox } from '../core/outbox.js';
import type { Templates } from '../core/templates.js';
import type { Db } from '../db/client.js';
import type { Enqueue, EnqueueBulk, EnqueueOptions, JobData, JobName } from '../services/job-queue.js';
import type { KeyValueStore } from '../state/store.js';
import type { LimitsTable } from './limits.js';

export interface JobDeps {
  db: Db;
  store: KeyValueStore;
  log: Log;
  templates: Templates;
  /** the senders; absent in a process that only plans (the CLI): deliveries then wait for the app's sweep */
  outbox?: Outbox;
  /** the business clock: dates in messages and keys (tests freeze it); pacing uses the wall clock */
  now: () => Date;
  /** the wall clock of the pacing windows, ms (default Date.now): a test advances its own instead of sleeping */
  wallNow?: () => number;
  /** platforms to address; default outbox.platforms() */
  platforms?: () => string[];
  /** each platform's send limits (the platform folders' descriptors); a platform not in it is paced carefully */
  limits: LimitsTable;
  /** chart font family (fontconfig name) */
  chartFont?: string;
  /** signs the link of a claim's document for an officer's card; absent or null = no link */
  documentLink?: (claimId: number, n: number | 'all') => string | null;
  /** when this app started: rows planned before it may have lost their enqueue with the process that planned them */
  startedAt?: Date;
}

export interface JobContext extends JobDeps {
  enqueue: Enqueue;
  enqueueBulk: EnqueueBulk;
  jobId: string;
  /** 1 for the first try */
  attempt: number;
}

export type Schedule = { kind: 'daily'; at: string } | { kind: 'every'; ms: number };

/** A job as written: its run takes the payload its name's schema parsed (src/services/job-queue.ts). */
export interface JobDefinition<N extends JobName = JobName> {
  name: N;
  attempts: number;
  /** first retry delay; doubles each retry */
  backoffMs: number;
  /** a repeatable job's schedule, from the current policy; null = not scheduled */
  schedule?(deps: JobDeps): Promise<Schedule | null>;
  run(ctx: JobContext, data: JobData<N>): Promise<void>;
  /** after the last attempt failed: record the dead letter (the payload as read: it may be the reason) */
  onDead(ctx: JobContext, data: unknown, error: Error): Promise<void>;
}

/** A job as the runners see it: whatever was read back goes in, and is parsed before the job's own code runs. */
export interface Job extends Omit<JobDefinition, 'run'> {
  /** throws MalformedJobData (permanent: no retry, straight to the dead letters) when the payload fails its schema */
  run(ctx: JobContext, raw: unknown): Promise<void>;
}

/** Thrown by a job to run again later without spending an attempt (rate limits). */
export class DelayJob extends Error {
  constructor(
    readonly ms: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'DelayJob';
  }
}

/** Thrown by a job that must not be retried (bad data, a refusal that will not change). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The payload read back does not match its job's schema: retrying cannot help, the dead letter says why. */
export class MalformedJobData extends PermanentJobError {
  override name = 'MalformedJobData';
}

export interface ScheduleInfo {
  name: JobName;
  schedule: Schedule;
  /** next run, ISO */
  next: string | null;
}

export interface JobRunner {
  readonly kind: 'bullmq' | 'memory';
  /** registers the schedules and starts processing */
  start(): Promise<void>;
  /** stops taking jobs, waits for the running ones */
  stop(): Promise<void>;
  enqueue: Enqueue;
  enqueueBulk: EnqueueBulk;
  schedules(): Promise<ScheduleInfo[]>;
  counts(): Promise<Record<string, number>>;
  /** resolves when no job is waiting or running (delayed jobs due within `horizonMs` count as waiting) */
  idle(horizonMs?: number): Promise<void>;
}

export type { Enqueue, EnqueueBulk, EnqueueOptions, JobName };
