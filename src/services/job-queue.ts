/**
 * The queue, as the use cases and the bot need it: a named job enqueued, and planned delivery rows handed over.
 * Owned here and implemented by src/jobs (BullMQ over Redis, or in process), so the layers above never import the
 * job runners.
 *
 * Each job's payload is a zod schema in JOB_PAYLOADS: `enqueue('announce.adhoc', …)` is checked against it at
 * compile time, and the worker parses what it reads back (from Redis, a schedule or a replayed dead letter) with
 * the same schema, so a malformed payload becomes a dead letter with the reason, never a crash mid-job.
 */
import { z } from 'zod';

const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** the daily jobs: the day to plan for (default today in Asia/Shanghai) */
export const DailyJobData = z.object({ date: LocalDate.optional() });

/** an officer's confirmed announcement, as it goes to the federation's groups */
export const AdhocData = z.object({
  id: z.string().min(1),
  text: z.string().min(1).max(1500),
  federationId: z.number().int(),
  by: z.string(),
  office: z.string(),
  date: LocalDate,
});

/**
 * One planned Delivery row, by its unique key. `next`: the rows planned to follow it in the same chat, in order
 * (a rep's report, then its chart; a table's parts, then its charts). The job that sends `key` enqueues the next
 * one when it is done (sent, or dead: a dead message does not hold the rest back), so no message sits in the queue
 * polling for the one before it (a push goes out in batches: DeliverBatchData). A follower whose job is lost (a crash
 * in between) is still a queued row: the delivery sweep enqueues it on its own, and its row's `after` keeps it
 * behind its predecessor.
 */
export const DeliverData = z.object({
  key: z.string().min(1),
  next: z.array(z.string().min(1)).min(1).optional(),
});

/**
 * Many planned rows sent by one job (a push: 20 000 rows are about 100 jobs, not 10 000), each `chains` entry one
 * chat's messages in order. The worker sends them one by one through the same exactly-once path as `deliver` (the
 * Delivery row's status decides, so a re-run sends only what is not out yet); a message that fails, or must wait
 * for its turn, is handed on to a `deliver` job of its own with the rest of its chat's messages, so it is retried
 * alone and never holds back or re-sends the others (src/jobs/batch.ts).
 */
export const DeliverBatchData = z.object({
  chains: z.array(z.array(z.string().min(1)).min(1)).min(1),
});

export const JOB_PAYLOADS = {
  'ranking.daily': DailyJobData,
  'deadlines.daily': DailyJobData,
  'announce.adhoc': AdhocData,
  deliver: DeliverData,
  'deliver.batch': DeliverBatchData,
  'deliveries.sweep': z.object({}),
} as const;

export type JobName = keyof typeof JOB_PAYLOADS;
/** what a caller passes for job N */
export type JobPayload<N extends JobName> = z.input<(typeof JOB_PAYLOADS)[N]>;
/** what job N's run receives, parsed */
export type JobData<N extends JobName> = z.output<(typeof JOB_PAYLOADS)[N]>;

export interface EnqueueOptions {
  /** the same id twice is one job (while the first is waiting, delayed or active) */
  jobId?: string;
  delayMs?: number;
  /**
   * attempts already spent on this work by another job (a batch's try of one message): the job gets only the rest
   * of its definition's attempts, and starts after the backoff those attempts earned
   */
  attemptsMade?: number;
}

/** One job to enqueue: its name decides its payload's type. */
export type JobRequest = {
  [N in JobName]: { name: N; data: JobPayload<N>; opts?: EnqueueOptions };
}[JobName];

export type Enqueue = <N extends JobName>(name: N, data: JobPayload<N>, opts?: EnqueueOptions) => Promise<void>;
/**
 * Many jobs in one call (a push's deliveries): BullMQ's addBulk by chunks of 1 000, or the in-process queue. The
 * same id rule as Enqueue: a job id already waiting, delayed or active is not added again.
 */
export type EnqueueBulk = (jobs: JobRequest[]) => Promise<void>;

/**
 * A request from a name and its payload. TypeScript cannot see that `{ name: N; data: JobPayload<N> }` is one
 * member of the JobRequest union while N is generic; the parameters already tie the two, hence the one cast.
 */
export function jobRequest<N extends JobName>(name: N, data: JobPayload<N>, opts?: EnqueueOptions): JobRequest {
  return { name, data, ...(opts ? { opts } : {}) } as JobRequest;
}

/** A payload read back from outside the type system (a dead letter, the CLI), checked against the job's schema. */
export function parseJobPayload(
  name: JobName,
  data: unknown,
): { ok: true; request: JobRequest } | { ok: false; reason: string } {
  const r = JOB_PAYLOADS[name].safeParse(data);
  if (!r.success) return { ok: false, reason: `${name}: ${z.prettifyError(r.error).replaceAll('\n', '; ')}` };
  return { ok: true, request: jobRequest(name, r.data) };
}

/**
 * Hands the Delivery rows a state change planned (in its own transaction) to the queue. Those `now` selects are
 * tried at once, in the caller's request, through the same exactly-once path (the clicked card's redraw); the rest,
 * and any that fail, are queued. If even queueing fails the rows stay planned and the delivery sweep sends them.
 */
export type DispatchDeliveries = (keys: string[], now?: (key: string) => boolean) => Promise<void>;
