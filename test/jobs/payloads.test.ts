/**
 * Job payloads are typed by job name (src/services/job-queue.ts): a wrong payload is a compile error at the
 * enqueue, and a payload read back malformed (from Redis, a schedule, a replayed dead letter) is parsed by the
 * job's schema before its code runs, so it becomes a dead letter with the reason — once, no retries, no crash.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs/definitions.js';
import { deadLetters } from '../../src/jobs/deliveries.js';
import { createBullRunner } from '../../src/jobs/runner-bullmq.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import { type JobContext, type JobRunner, MalformedJobData } from '../../src/jobs/types.js';
import { type Enqueue, type JobRequest, parseJobPayload } from '../../src/services/job-queue.js';
import { freshDb, type TestDb } from '../support/db.js';
import { jobDeps } from './support.js';

/** `npm run typecheck` fails if any of the marked payloads stops being a type error. */
function compileTimeChecks(enqueue: Enqueue) {
  void enqueue('ranking.daily', {});
  void enqueue('ranking.daily', { date: '2017-03-20' });
  void enqueue('deliver', { key: 'notice:x' });
  // @ts-expect-error a misspelt field
  void enqueue('ranking.daily', { dat: '2017-03-20' });
  // @ts-expect-error deliver needs the row's key
  void enqueue('deliver', {});
  // @ts-expect-error the key is a string
  void enqueue('deliver', { key: 7 });
  // @ts-expect-error an announcement needs its text, federation and author
  void enqueue('announce.adhoc', { id: 'a1' });
  // @ts-expect-error no such job
  void enqueue('ranking.weekly', {});
}

/** what Redis or a hand-edited dead letter could hold: outside the type system, hence the cast */
const raw = (name: string, data: unknown) => ({ name, data }) as unknown as JobRequest;

describe('job payloads, parsed by the job name’s schema', () => {
  it('what the compiler lets through an enqueue, the schema judges the same way', () => {
    const seen: [string, boolean][] = [];
    compileTimeChecks(async (name, data) => {
      seen.push([name, (name in JOBS && parseJobPayload(name, data).ok) === true]);
    });
    expect(seen).toEqual([
      ['ranking.daily', true],
      ['ranking.daily', true],
      ['deliver', true],
      ['ranking.daily', true], // an unknown field is dropped by the schema: the compiler is the one to catch it
      ['deliver', false],
      ['deliver', false],
      ['announce.adhoc', false],
      ['ranking.weekly', false],
    ]);
  });

  it('parseJobPayload accepts each job’s payload and names the field that is wrong', () => {
    expect(parseJobPayload('ranking.daily', { date: '2017-03-20' })).toEqual({
      ok: true,
      request: { name: 'ranking.daily', data: { date: '2017-03-20' } },
    });
    const bad = parseJobPayload('ranking.daily', { date: '3月20日' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/^ranking\.daily: .*YYYY-MM-DD.*date/);
    const adhoc = parseJobPayload('announce.adhoc', { id: 'a1', text: '' });
    expect(adhoc.ok).toBe(false);
    if (!adhoc.ok) expect(adhoc.reason).toMatch(/text[\s\S]*federationId|federationId[\s\S]*text/);
  });

  it('a definition refuses a malformed payload with MalformedJobData before its code runs', async () => {
    const ctx = {} as JobContext; // never reached: the parse fails first
    await expect(JOBS['ranking.daily'].run(ctx, { date: 20170320 })).rejects.toBeInstanceOf(MalformedJobData);
    await expect(JOBS.deliver.run(ctx, {})).rejects.toThrow(/malformed payload for deliver: .*key/);
  });
});

describe('the in-process runner: a malformed payload is a dead letter with the reason, once', () => {
  let t: TestDb;
  let runner: JobRunner;
  beforeAll(async () => {
    t = await freshDb('sqlite');
    runner = createMemoryRunner(jobDeps(t), { backoffScale: 0.001, schedules: false });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await t.drop();
  });

  it('records the malformed job and keeps running the good ones', async () => {
    await runner.enqueueBulk([
      raw('ranking.daily', { date: 'tomorrow' }),
      { ...raw('deliver', { key: 42 }), opts: { jobId: 'deliver|bad' } },
    ]);
    await runner.idle();
    const dead = await deadLetters(t.db);
    expect(dead.map((d) => [d.kind, d.status])).toEqual([
      ['job', 'dead'],
      ['job', 'dead'],
    ]);
    const ranking = dead.find((d) => d.key.startsWith('job:ranking.daily:'));
    expect(ranking?.error).toMatch(/malformed payload for ranking\.daily: .*date/);
    // recorded by the first attempt, not after three
    expect(ranking?.attempts).toBe(0);
    const deliver = dead.find((d) => d.key === 'job:deliver:deliver|bad');
    expect(deliver?.error).toMatch(/malformed payload for deliver: .*key/);
    // the runner still runs well-formed jobs
    await runner.enqueue('deliveries.sweep', {});
    await runner.idle();
    expect(await runner.counts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)(
  'the BullMQ runner: a malformed payload read from Redis fails the job with the reason',
  () => {
    let t: TestDb;
    let runner: JobRunner;
    let queue: Queue;
    let conn: Redis;
    const prefix = `t-payloads-${process.pid}-${Date.now()}`;
    beforeAll(async () => {
      t = await freshDb('sqlite');
      const url = redisUrl ?? '';
      runner = createBullRunner(jobDeps(t), { redisUrl: url, prefix, backoffScale: 0.001, schedules: false });
      await runner.start();
      conn = new Redis(url, { maxRetriesPerRequest: null });
      queue = new Queue('huzhu', { connection: conn, prefix });
    });
    afterAll(async () => {
      await runner.stop();
      await queue.close();
      conn.disconnect();
      await t.drop();
    });

    it('goes to failed (not retried) and to the dead letters, and the worker goes on', async () => {
      // written straight to Redis, as an older release or a hand-edit could have left it
      const job = await queue.add('announce.adhoc', { id: 'x', text: 42 }, { attempts: 5 });
      await runner.idle();
      const state = await queue.getJob(job.id ?? '');
      expect(await state?.getState()).toBe('failed');
      expect(state?.failedReason).toMatch(/malformed payload for announce\.adhoc: .*text/);
      expect(state?.attemptsMade).toBe(1);
      const dead = await deadLetters(t.db);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.error).toMatch(/malformed payload for announce\.adhoc/);
      await runner.enqueue('deliveries.sweep', {});
      await runner.idle();
      expect((await runner.counts()).active).toBe(0);
    });
  },
);
