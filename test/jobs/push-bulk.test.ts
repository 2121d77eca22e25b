/**
 * A push planned and enqueued in bulk (issue #17: 10 000 pushes): the Delivery rows go in by chunks (one JSON
 * parameter each, ON CONFLICT (key) DO NOTHING), and each chat's ordered run of messages is one deliver job whose
 * send enqueues the next (src/jobs/chains.ts). Checked here on SQLite and PostgreSQL, with the in-process runner and
 * with BullMQ:
 * - enqueueBulk takes thousands of jobs in one call, and a job id given twice is one job;
 * - planning the same push twice, one after the other or by two planners at once, inserts and enqueues each row once;
 * - a chat's messages arrive in order, every one sent once, and a message that ends dead does not hold back the rest;
 * - a follower whose job was lost (the process died between a send and the next enqueue) is sent by the sweep.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundMessage, Recipient } from '../../src/core/messages.js';
import { must } from '../../src/core/must.js';
import { BATCH_ROWS, BATCH_SPREAD, batchJobId } from '../../src/jobs/chains.js';
import { deliverJobId, planAndEnqueue } from '../../src/jobs/definitions.js';
import { planDeliveries } from '../../src/jobs/deliveries.js';
import type { JobRunner } from '../../src/jobs/types.js';
import type { JobRequest } from '../../src/services/job-queue.js';
import type { PlannedDelivery } from '../../src/services/planned-delivery.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { makeRunner, push, recordingCtx, runnerKinds } from '../support/push-jobs.js';
import { jobDeps, outboxWith, RecordingSender, textOf } from './support.js';

/** a platform that refuses one text for good (every attempt), and records the rest */
class RefusingSender extends RecordingSender {
  constructor(private readonly refused: string) {
    super('wecom');
  }
  override async send(to: Recipient, msg: OutboundMessage) {
    if (textOf(msg) === this.refused) throw new Error('WeCom: 81013 user not found');
    return super.send(to, msg);
  }
}

const keysOf = (jobs: JobRequest[]) =>
  jobs.flatMap((j) =>
    j.name === 'deliver'
      ? [j.data.key, ...(j.data.next ?? [])]
      : j.name === 'deliver.batch'
        ? j.data.chains.flat()
        : [],
  );
const chainsIn = (jobs: JobRequest[]) => jobs.flatMap((j) => (j.name === 'deliver.batch' ? j.data.chains : []));

describe.each(providers)('a push planned in bulk on %s', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('planned twice (a double click, a retried job) it inserts and enqueues each row once', async () => {
    const items = push('twice', 1500, 2);
    const first: JobRequest[] = [];
    const r1 = await planAndEnqueue(recordingCtx(jobDeps(t), first), items);
    // more rows than one chunk, sent by batch jobs of whole chats (a person's two messages, in order), none too big
    expect(r1).toMatchObject({ planned: 3000, enqueued: 3000 });
    expect(r1.jobs).toBe(first.length);
    expect(first.every((j) => j.name === 'deliver.batch')).toBe(true);
    expect(first.length).toBeGreaterThanOrEqual(3000 / BATCH_ROWS);
    expect(first.length).toBeLessThan(100);
    for (const j of first)
      expect(j.name === 'deliver.batch' && j.data.chains.flat().length).toBeLessThanOrEqual(BATCH_ROWS);
    // chunks in flight together may be enqueued in either order: the batch that starts with u0's report
    const u0 = first.find((j) => j.name === 'deliver.batch' && j.data.chains[0]?.[0] === 'twice:twice-u0:1');
    expect(u0?.name === 'deliver.batch' && u0.data.chains[0]).toEqual(['twice:twice-u0:1', 'twice:twice-u0:2']);
    expect(u0?.opts).toEqual({ jobId: batchJobId('twice:twice-u0:1') });
    expect(chainsIn(first)).toHaveLength(1500);
    expect(chainsIn(first).every((c) => c.length === 2 && c[1] === c[0]?.replace(/:1$/, ':2'))).toBe(true);
    expect(keysOf(first).sort()).toEqual(items.map((i) => i.key).sort());

    const second: JobRequest[] = [];
    expect(await planAndEnqueue(recordingCtx(jobDeps(t), second), items)).toEqual({
      planned: 3000,
      enqueued: 0,
      jobs: 0,
    });
    expect(second).toEqual([]);
    expect(await t.db.delivery.count({ where: { key: { startsWith: 'twice:' } } })).toBe(3000);
  });

  it('two planners at once: every row is inserted by exactly one of them and enqueued by that one only', async () => {
    const items = push('race', 1200, 3);
    const a: JobRequest[] = [];
    const b: JobRequest[] = [];
    const [ra, rb] = await Promise.all([
      planAndEnqueue(recordingCtx(jobDeps(t), a), items),
      planAndEnqueue(recordingCtx(jobDeps(t), b), items),
    ]);
    expect(ra.enqueued + rb.enqueued).toBe(items.length);
    const all = [...keysOf(a), ...keysOf(b)];
    expect(all).toHaveLength(items.length);
    expect(new Set(all).size).toBe(items.length);
    // a job id is never handed out twice, whichever planner won each row
    const ids = [...a, ...b].map((j) => j.opts?.jobId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await t.db.delivery.count({ where: { key: { startsWith: 'race:' } } })).toBe(items.length);
  });

  it('the rows keep what was planned: recipient, message, the order mark, kind and platform', async () => {
    const items = push('shape', 1, 2);
    await planDeliveries(t.db, items);
    // the stored text is JSON.stringify's, byte for byte, whatever the message holds
    const odd: PlannedDelivery = {
      key: 'shape:odd',
      kind: 'ranking_push',
      platform: 'wecom',
      recipient: { userIds: ['shape-u0'] },
      message: { kind: 'text', text: '**进度**\n"引号" \\ \t 😀 \u2028 </b>' },
    };
    await planDeliveries(t.db, [odd]);
    const stored = await t.db.delivery.findUniqueOrThrow({ where: { key: 'shape:odd' } });
    expect(stored.content).toBe(JSON.stringify(odd.message));
    expect(stored.recipient).toBe('{"userIds":["shape-u0"]}');
    const rows = await t.db.delivery.findMany({
      where: { key: { startsWith: 'shape:shape-' } },
      orderBy: { id: 'asc' },
    });
    expect(
      rows.map((r) => ({
        key: r.key,
        kind: r.kind,
        platform: r.platform,
        status: r.status,
        recipient: JSON.parse(r.recipient),
        message: JSON.parse(r.content),
      })),
    ).toEqual([
      {
        key: 'shape:shape-u0:1',
        kind: 'ranking_push',
        platform: 'wecom',
        status: 'queued',
        recipient: { userIds: ['shape-u0'] },
        message: { kind: 'text', text: 'shape-u0:1' },
      },
      {
        key: 'shape:shape-u0:2',
        kind: 'ranking_push',
        platform: 'wecom',
        status: 'queued',
        recipient: { userIds: ['shape-u0'] },
        message: { kind: 'text', text: 'shape-u0:2', after: 'shape:shape-u0:1' },
      },
    ]);
  });
});

describe.each(providers.flatMap((p) => runnerKinds.map((k) => [p, k] as const)))(
  'enqueued in bulk on %s, %s runner',
  (provider, kind) => {
    let t: TestDb;
    let runner: JobRunner | null = null;
    beforeAll(async () => {
      t = await freshDb(provider);
    });
    beforeEach(async () => {
      await runner?.stop();
      runner = null;
    });
    afterAll(async () => {
      await runner?.stop();
      await t?.drop();
    });

    it('enqueueBulk takes thousands of jobs in one call, and a job id given twice is one job', async () => {
      const r = makeRunner(kind, jobDeps(t), { suite: 'push-bulk', worker: false });
      runner = r;
      const jobs = (from: number, n: number): JobRequest[] =>
        Array.from({ length: n }, (_, i) => ({
          name: 'deliver',
          data: { key: `bulk:${from + i}` },
          opts: { jobId: deliverJobId(`bulk:${from + i}`) },
        }));
      await r.enqueueBulk(jobs(0, 2500));
      // the same 2 500 again (a re-plan, the sweep) and 10 new ones
      await r.enqueueBulk([...jobs(0, 2500), ...jobs(2500, 10)]);
      expect((await r.counts()).waiting).toBe(2510);
    });

    it("sends each chat's messages in order, each once, and a dead message does not hold back the rest", async () => {
      const wecom = new RefusingSender('stuck-u0:2');
      const r = makeRunner(kind, jobDeps(t, { outbox: outboxWith(wecom) }), { suite: 'push-bulk' });
      runner = r;
      await r.start();
      const items = [...push('order', 40, 3), ...push('stuck', 1, 3)];
      const ctx = { ...jobDeps(t), enqueue: r.enqueue, enqueueBulk: r.enqueueBulk, jobId: 'test', attempt: 1 };
      const planned = await planAndEnqueue(ctx, items);
      // a small push still goes out side by side: a few batches of whole chats, far fewer jobs than chats
      expect(planned).toMatchObject({ planned: 123, enqueued: 123 });
      expect(planned.jobs).toBeGreaterThanOrEqual(BATCH_SPREAD);
      expect(planned.jobs).toBeLessThan(41);
      await r.idle();

      for (let u = 0; u < 40; u++) {
        const user = `order-u${u}`;
        const got = wecom.sent.filter((s) => 'userIds' in s.to && s.to.userIds[0] === user).map((s) => textOf(s.msg));
        expect(got).toEqual([`${user}:1`, `${user}:2`, `${user}:3`]);
      }
      // the refused one is a dead letter after its attempts; the one after it still went out
      expect(
        wecom.sent.filter((s) => 'userIds' in s.to && s.to.userIds[0] === 'stuck-u0').map((s) => textOf(s.msg)),
      ).toEqual(['stuck-u0:1', 'stuck-u0:3']);
      const rows = await t.db.delivery.findMany({ where: { key: { in: items.map((i) => i.key) } } });
      expect(rows.filter((x) => x.status !== 'sent').map((x) => [x.key, x.status])).toEqual([
        ['stuck:stuck-u0:2', 'dead'],
      ]);
      expect(rows.filter((x) => x.status === 'sent').every((x) => x.attempts === 1)).toBe(true);
      // the batch's try and the retries of its own job: the deliver job's 5 attempts in all, no more
      expect(rows.find((x) => x.key === 'stuck:stuck-u0:2')?.attempts).toBe(5);
      expect(wecom.sent).toHaveLength(122);
    });

    it('a follower whose job was lost (killed between a send and the next enqueue) is sent by the sweep', async () => {
      const wecom = new RecordingSender('wecom');
      // this app started after the rows were planned: the sweep takes them at once (src/jobs/definitions.ts)
      const deps = { ...jobDeps(t, { outbox: outboxWith(wecom) }), startedAt: new Date(Date.now() + 60_000) };
      const r = makeRunner(kind, deps, { suite: 'push-bulk' });
      runner = r;
      await r.start();
      const items = push('lost', 1, 2);
      await planDeliveries(t.db, items);
      // the first message's job, as a process that died before enqueueing the chain would have left it: alone
      const head = must(items[0], 'two items');
      await r.enqueue('deliver', { key: head.key }, { jobId: deliverJobId(head.key) });
      await r.idle();
      expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['lost-u0:1']);
      const follower = await t.db.delivery.findUniqueOrThrow({ where: { key: 'lost:lost-u0:2' } });
      expect(follower.status).toBe('queued');

      await r.enqueue('deliveries.sweep', {});
      await r.idle();
      expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['lost-u0:1', 'lost-u0:2']);
      expect((await t.db.delivery.findUniqueOrThrow({ where: { key: 'lost:lost-u0:2' } })).status).toBe('sent');
    });
  },
);
