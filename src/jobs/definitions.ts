/**
 * Every job the app runs, once, for both runners (BullMQ over Redis, in-process without REDIS_URL):
 * - ranking.daily     at the policy's broadcasts.rankingPushAt (Asia/Shanghai): snapshot, plan the pushes
 * - deadlines.daily   same time: plan the T-n deadline announcements due today
 * - announce.adhoc    an officer's confirmed announcement: plan it to the federation's groups
 * - deliver           one planned message out, exactly once (src/jobs/deliveries.ts)
 * - deliver.batch     a push's planned messages, a few hundred a job, each out exactly once (src/jobs/batch.ts)
 * - deliveries.sweep  every minute: enqueue planned rows whose enqueue was lost; expire stale `sending` rows
 * Fan-out jobs plan rows first and enqueue only the rows they inserted, so two instances running the same
 * schedule send nothing twice.
 */
import { shanghaiDate } from '../rules/index.js';
import { planAdhocAnnouncement, planDeadlineAnnouncements } from '../services/broadcasts/announcements.js';
import { currentPeriods } from '../services/broadcasts/period.js';
import { planRankingPush } from '../services/broadcasts/ranking-push.js';
import { DeliverData, JOB_PAYLOADS, type JobData, type JobName } from '../services/job-queue.js';
import type { PlannedDelivery } from '../services/planned-delivery.js';
import { runBatch } from './batch.js';
import { batchRequests, chainsOf, deliverRequest, predecessors } from './chains.js';
import { expireStaleSending, markFailed, planDeliveries, recordDeadJob, unqueuedKeys } from './deliveries.js';
import { limitsFor } from './limits.js';
import { deliver } from './send.js';
import { type Job, type JobContext, type JobDefinition, type JobDeps, MalformedJobData } from './types.js';

export { deliverJobId } from './chains.js';

/** The payload schema of src/services/job-queue.ts parses what was read back before the job's code sees it. */
function defineJob<N extends JobName>(def: JobDefinition<N>): Job {
  return {
    ...def,
    async run(ctx, raw) {
      const r = JOB_PAYLOADS[def.name].safeParse(raw);
      if (!r.success)
        throw new MalformedJobData(
          `malformed payload for ${def.name}: ${JSON.stringify(r.error.issues)}`.slice(0, 900),
        );
      // N's schema parsed it, so it is JobData<N>; TypeScript cannot follow a generic index into the map
      await def.run(ctx, r.data as JobData<N>);
    },
  };
}
/** a send attempt older than this is taken for dead (its worker is gone) */
export const SENDING_LEASE_MS = 10 * 60_000;
/** a planned row not sent after this is enqueued again by the sweep */
const UNQUEUED_AFTER_MS = 60_000;
/**
 * Rows planned before this app started were planned by a process that may have died before enqueueing them
 * (kill -9 right after a decision committed): the first sweep, which runs at start, sends them without waiting
 * out the grace period. An instance still alive that enqueues the same row meanwhile is harmless: the job id is
 * the same, and a row already sent is not sent again.
 */
const PROCESS_STARTED_AT = Date.now();

export function platformsOf(deps: JobDeps): string[] {
  return deps.platforms?.() ?? deps.outbox?.platforms() ?? [];
}

/**
 * Plans the rows, then enqueues only those this call inserted: each chat's ordered run of messages is a chain
 * (src/jobs/chains.ts), and the chains go to the queue in batches of a few hundred rows (`deliver.batch`), each
 * chunk's batches in one bulk enqueue while the next chunk is inserted.
 */
export async function planAndEnqueue(
  ctx: JobContext,
  items: PlannedDelivery[],
): Promise<{ planned: number; enqueued: number; jobs: number }> {
  // each chunk is enqueued while the next one is inserted: the database and the queue work side by side
  const enqueues: Promise<void>[] = [];
  let jobs = 0;
  const after = predecessors(items);
  const mine = await planDeliveries(ctx.db, items, (keys) => {
    const requests = batchRequests(chainsOf(keys, after));
    jobs += requests.length;
    const p = ctx.enqueueBulk(requests);
    // handled below by Promise.all; this keeps a failure meanwhile from counting as unhandled
    p.catch(() => {});
    enqueues.push(p);
  });
  await Promise.all(enqueues);
  return { planned: items.length, enqueued: mine.length, jobs };
}

/** After a chain's message is done (sent, or dead: it does not hold the rest back), the next one is queued. */
async function enqueueRest(ctx: JobContext, next: string[] | undefined): Promise<void> {
  if (next?.length) await ctx.enqueueBulk([deliverRequest(next)]);
}

async function policyTime(deps: JobDeps): Promise<string | null> {
  const periods = await currentPeriods(deps.db).catch(() => []);
  return periods[0]?.policy.broadcasts.rankingPushAt ?? null;
}

const recordDead: Job['onDead'] = async (ctx, data, error) => {
  await recordDeadJob(ctx.db, ctx.jobId.split('|')[0] ?? 'job', ctx.jobId, data, error.message);
};

/** the daily jobs run at the current policy's push time (Asia/Shanghai) */
const dailyAtPushTime: NonNullable<JobDefinition['schedule']> = async (deps) => {
  const at = await policyTime(deps);
  return at ? { kind: 'daily', at } : null;
};

const deadAs =
  (name: string): Job['onDead'] =>
  (ctx, data, e) =>
    recordDeadJob(ctx.db, name, ctx.jobId, data, e.message);

const rankingDaily = defineJob({
  name: 'ranking.daily',
  attempts: 3,
  backoffMs: 60_000,
  schedule: dailyAtPushTime,
  async run(ctx, data) {
    const date = data.date ?? shanghaiDate(ctx.now());
    for (const period of await currentPeriods(ctx.db)) {
      const plan = await planRankingPush({
        db: ctx.db,
        store: ctx.store,
        templates: ctx.templates,
        period,
        date,
        platforms: platformsOf(ctx),
        textBytes: (p) => limitsFor(ctx.limits, p).textBytes,
        ...(ctx.chartFont ? { chartFont: ctx.chartFont } : {}),
      });
      const r = await planAndEnqueue(ctx, plan.deliveries);
      ctx.log.info({ job: 'ranking.daily', period: period.id, date, ...r }, 'ranking push planned');
    }
  },
  onDead: deadAs('ranking.daily'),
});

const deadlinesDaily = defineJob({
  name: 'deadlines.daily',
  attempts: 3,
  backoffMs: 60_000,
  schedule: dailyAtPushTime,
  async run(ctx, data) {
    const date = data.date ?? shanghaiDate(ctx.now());
    for (const period of await currentPeriods(ctx.db)) {
      const items = await planDeadlineAnnouncements({
        db: ctx.db,
        templates: ctx.templates,
        period,
        date,
        platforms: platformsOf(ctx),
        textBytes: (p) => limitsFor(ctx.limits, p).textBytes,
      });
      const r = await planAndEnqueue(ctx, items);
      if (items.length)
        ctx.log.info({ job: 'deadlines.daily', period: period.id, date, ...r }, 'deadline announcements planned');
    }
  },
  onDead: deadAs('deadlines.daily'),
});

const announceAdhoc = defineJob({
  name: 'announce.adhoc',
  attempts: 5,
  backoffMs: 5_000,
  async run(ctx, data) {
    const items = await planAdhocAnnouncement({
      db: ctx.db,
      templates: ctx.templates,
      a: data,
      platforms: platformsOf(ctx),
      textBytes: (p) => limitsFor(ctx.limits, p).textBytes,
    });
    await planAndEnqueue(ctx, items);
  },
  onDead: deadAs('announce.adhoc'),
});

const deliverJob = defineJob({
  name: 'deliver',
  attempts: 5,
  backoffMs: 2_000,
  async run(ctx, data) {
    // whatever became of this one (sent, already sent by another attempt, set aside as unknown or dead), the next
    // goes on; a throw (a failed send, a pacing delay) retries this job with the same chain
    await deliver(ctx, data.key);
    await enqueueRest(ctx, data.next);
  },
  async onDead(ctx, data, e) {
    const d = DeliverData.safeParse(data);
    // a deliver job without a key names no row: it is kept as a dead job instead
    if (!d.success) return recordDeadJob(ctx.db, 'deliver', ctx.jobId, data, e.message);
    await markFailed(ctx.db, d.data.key, e.message, true);
    await enqueueRest(ctx, d.data.next);
  },
});

const deliverBatch = defineJob({
  name: 'deliver.batch',
  attempts: 5,
  backoffMs: 2_000,
  async run(ctx, data) {
    // a throw here is not a send's (those are handed on): the queue or the database is away, so the whole batch
    // runs again later, and what it already sent is not sent again (the rows say so)
    await runBatch(ctx, data.chains);
  },
  // the rows it did not get to are still queued: the sweep sends them; kept as a dead job too, for the admin to see
  onDead: deadAs('deliver.batch'),
});

const sweep = defineJob({
  name: 'deliveries.sweep',
  attempts: 1,
  backoffMs: 1_000,
  async schedule() {
    return { kind: 'every', ms: 60_000 };
  },
  async run(ctx) {
    const wall = Date.now();
    const expired = await expireStaleSending(ctx.db, new Date(wall - SENDING_LEASE_MS));
    if (expired) ctx.log.warn({ expired }, 'sends interrupted mid-way moved to the dead-letter list (not resent)');
    if (!ctx.outbox) return;
    const keys = await unqueuedKeys(
      ctx.db,
      new Date(Math.max(wall - UNQUEUED_AFTER_MS, ctx.startedAt?.getTime() ?? PROCESS_STARTED_AT)),
    );
    // in batches (a row each: the rows' `after` keeps a chat's order): a long paced push leaves rows queued past the
    // grace period in its own batches, and a job per row for them every minute was churn. The same oldest row next
    // minute gives the same id, so a sweep's batch still waiting is not queued twice.
    await ctx.enqueueBulk(
      batchRequests(
        keys.map((key) => [key]),
        'sweep',
      ),
    );
  },
  onDead: recordDead,
});

export const JOBS: Record<JobName, Job> = {
  'ranking.daily': rankingDaily,
  'deadlines.daily': deadlinesDaily,
  'announce.adhoc': announceAdhoc,
  deliver: deliverJob,
  'deliver.batch': deliverBatch,
  'deliveries.sweep': sweep,
};

export const JOB_NAMES = Object.keys(JOBS) as JobName[];

export function isJobName(s: string): s is JobName {
  return (JOB_NAMES as string[]).includes(s);
}
