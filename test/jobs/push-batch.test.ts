/**
 * The batch semantics of a push (`deliver.batch`, src/jobs/batch.ts), on SQLite and PostgreSQL, with the in-process
 * runner and with BullMQ:
 * - one failing delivery in a batch is retried alone, by a job of its own with the rest of its chat: the other
 *   chats of the batch go out at once and are never sent again, its chat's next message waits for it;
 * - a batch hands on a message whose predecessor another planner owns, and goes on with the others;
 * - a row another worker is sending right now is left to it (not marked `unknown`) until its attempt is old;
 * - after its time slice a batch queues its rest (mid-chat too) as a new batch;
 * - pacing: a group robot's or a member's full window holds only that chat's messages; the platform's full window delays the
 *   rest of the batch as one job (not one job per message);
 * - a crash mid-batch (the process gone while one message is in the platform's hands): the batch run again (as
 *   BullMQ re-runs a stalled job) and the sweep at the restart, side by side, send the rest exactly once; the one in
 *   flight ends `unknown` (never sent twice automatically), the ones already out are not sent again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage, Recipient } from '../../src/core/messages.js';
import { must } from '../../src/core/must.js';
import { runBatch } from '../../src/jobs/batch.js';
import { planAndEnqueue } from '../../src/jobs/definitions.js';
import { planDeliveries } from '../../src/jobs/deliveries.js';
import { IN_FLIGHT_MS } from '../../src/jobs/send.js';
import type { JobRequest } from '../../src/services/job-queue.js';
import { inOrder, type PlannedDelivery } from '../../src/services/planned-delivery.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { acquire, memberBuckets } from '../../src/state/rate-log.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { makeRunner, push, recordingCtx, runnerKinds } from '../support/push-jobs.js';
import { jobDeps, outboxWith, RecordingSender, textOf } from './support.js';

/** the chains of a push as planned: each person's keys in order */
const chainsOf = (items: PlannedDelivery[]) => {
  const by = new Map<string, string[]>();
  for (const it of items) {
    const who = JSON.stringify(it.recipient);
    by.set(who, [...(by.get(who) ?? []), it.key]);
  }
  return [...by.values()];
};

/** refuses the given texts on their first `times` tries each, then takes them */
class FlakySender extends RecordingSender {
  readonly tries = new Map<string, number>();
  constructor(
    private readonly flaky: string[],
    private readonly times = 1,
  ) {
    super('wecom');
  }
  override async send(to: Recipient, msg: OutboundMessage) {
    const text = textOf(msg);
    const n = (this.tries.get(text) ?? 0) + 1;
    this.tries.set(text, n);
    if (this.flaky.includes(text) && n <= this.times) throw new Error('WeCom: -1 system busy');
    return super.send(to, msg);
  }
}

/** takes sends until the n-th, which never returns: the process stops there (a kill -9 mid-send) */
class HangingSender extends RecordingSender {
  calls = 0;
  constructor(private readonly at: number) {
    super('wecom');
  }
  override async send(to: Recipient, msg: OutboundMessage) {
    if (++this.calls === this.at) return new Promise<never>(() => {});
    return super.send(to, msg);
  }
}

const sentTo = (s: RecordingSender, user: string) =>
  s.sent.filter((x) => 'userIds' in x.to && x.to.userIds[0] === user).map((x) => textOf(x.msg));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(providers)('a batch of deliveries on %s', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('a failed send is handed on alone with the rest of its chat; the batch goes on with the others', async () => {
    const wecom = new FlakySender(['hand-u1:1']);
    const items = push('hand', 4, 2);
    await planDeliveries(t.db, items);
    const handed: JobRequest[] = [];
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), handed), chainsOf(items));

    // every other chat went out, in order; hand-u1's second message did not go before its first
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual([
      'hand-u0:1',
      'hand-u0:2',
      'hand-u2:1',
      'hand-u2:2',
      'hand-u3:1',
      'hand-u3:2',
    ]);
    // one job of its own: the failed message first, its chat's rest after it, one attempt already spent
    expect(handed).toEqual([
      {
        name: 'deliver',
        data: { key: 'hand:hand-u1:1', next: ['hand:hand-u1:2'] },
        opts: { jobId: 'deliver|hand|hand-u1|1', attemptsMade: 1 },
      },
    ]);
    const failed = await t.db.delivery.findUniqueOrThrow({ where: { key: 'hand:hand-u1:1' } });
    expect([failed.status, failed.attempts]).toEqual(['failed', 1]);
    expect((await t.db.delivery.findUniqueOrThrow({ where: { key: 'hand:hand-u1:2' } })).status).toBe('queued');

    // the same batch run again (a retried job): nothing it sent goes out again, the failed one is tried again
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), []), chainsOf(items));
    expect(wecom.sent.map((s) => textOf(s.msg)).slice(6)).toEqual(['hand-u1:1', 'hand-u1:2']);
  });

  it('after its time slice a batch queues its rest as a new batch, mid-chat, and sends nothing twice', async () => {
    const wecom = new RecordingSender('wecom');
    const items = push('slice', 3, 2);
    await planDeliveries(t.db, items);
    const handed: JobRequest[] = [];
    const ctx = recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), handed);
    // a slice of 0 ms: one send, then the rest goes to the back of the queue
    await runBatch(ctx, chainsOf(items), 0);
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['slice-u0:1']);
    expect(handed).toEqual([
      {
        name: 'deliver.batch',
        data: {
          chains: [
            ['slice:slice-u0:2'],
            ['slice:slice-u1:1', 'slice:slice-u1:2'],
            ['slice:slice-u2:1', 'slice:slice-u2:2'],
          ],
        },
        opts: { jobId: 'deliver-batch|slice|slice-u0|2' },
      },
    ]);
    // the rest, run as its job would: the second message follows the first, and nothing goes out twice
    const rest = must(handed[0]?.name === 'deliver.batch' ? handed[0].data.chains : null, 'a batch was handed on');
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), []), rest);
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual([
      'slice-u0:1',
      'slice-u0:2',
      'slice-u1:1',
      'slice-u1:2',
      'slice-u2:1',
      'slice-u2:2',
    ]);
  });

  it("a row in another worker's hands (sending, just started) is left to it, not taken for an interrupted send", async () => {
    const wecom = new RecordingSender('wecom');
    const items = push('busy', 2, 1);
    await planDeliveries(t.db, items);
    // busy-u0's row was claimed a moment ago by a live worker (the wall clock: outside tests, the business clock)
    await t.db.delivery.update({ where: { key: 'busy:busy-u0:1' }, data: { status: 'sending', sentAt: new Date() } });
    const handed: JobRequest[] = [];
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), handed), chainsOf(items));
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['busy-u1:1']);
    expect((await t.db.delivery.findUniqueOrThrow({ where: { key: 'busy:busy-u0:1' } })).status).toBe('sending');
    // looked at again once the attempt is older than any send takes: its worker is gone
    expect(handed).toMatchObject([{ name: 'deliver', data: { key: 'busy:busy-u0:1' } }]);
    const wait = must(handed[0]?.opts?.delayMs, 'handed on with a delay');
    expect(wait).toBeGreaterThan(IN_FLIGHT_MS / 2);
    expect(wait).toBeLessThanOrEqual(IN_FLIGHT_MS);
    await t.db.delivery.update({
      where: { key: 'busy:busy-u0:1' },
      data: { sentAt: new Date(Date.now() - IN_FLIGHT_MS - 1) },
    });
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), []), [['busy:busy-u0:1']]);
    expect((await t.db.delivery.findUniqueOrThrow({ where: { key: 'busy:busy-u0:1' } })).status).toBe('unknown');
    expect(wecom.sent).toHaveLength(1);
  });

  it("a message whose predecessor is another planner's waits on its own; the batch goes on", async () => {
    const wecom = new RecordingSender('wecom');
    const items = push('wait', 3, 2);
    await planDeliveries(t.db, items);
    const handed: JobRequest[] = [];
    // this planner got only wait-u0's second message and the others' chats: the first is not out yet
    const chains = chainsOf(items).map((c, i) => (i === 0 ? c.slice(1) : c));
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom) }), handed), chains);
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['wait-u1:1', 'wait-u1:2', 'wait-u2:1', 'wait-u2:2']);
    expect(handed).toMatchObject([{ name: 'deliver', data: { key: 'wait:wait-u0:2' }, opts: { delayMs: 200 } }]);
  });
});

/** WeCom allowing `perPlatform` sends a minute, and 2 a minute to one group robot */
const tight = (perPlatform: number) => ({
  wecom: {
    perPlatform: { limit: perPlatform, windowMs: 60_000 },
    perRobot: { limit: 2, windowMs: 60_000 },
    textBytes: 2048,
  },
});

describe.each(providers)('a paced batch on %s', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("when the platform's window is full, the rest of the batch waits as one delayed job", async () => {
    const wecom = new RecordingSender('wecom');
    const items = push('full', 5, 2);
    await planDeliveries(t.db, items);
    const handed: JobRequest[] = [];
    const deps = jobDeps(t, { outbox: outboxWith(wecom), limits: tight(3) });
    await runBatch(recordingCtx(deps, handed), chainsOf(items));
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['full-u0:1', 'full-u0:2', 'full-u1:1']);
    // the first wait could be the chat's own: that chat alone; the second in a row is the platform's: the rest
    expect(handed).toMatchObject([
      { name: 'deliver', data: { key: 'full:full-u1:2' } },
      {
        name: 'deliver.batch',
        data: {
          chains: [
            ['full:full-u2:1', 'full:full-u2:2'],
            ['full:full-u3:1', 'full:full-u3:2'],
            ['full:full-u4:1', 'full:full-u4:2'],
          ],
        },
        opts: { jobId: 'deliver-batch|full|full-u2|1' },
      },
    ]);
    for (const j of handed) expect(j.opts?.delayMs).toBeGreaterThan(0);
    const rows = await t.db.delivery.findMany({ where: { key: { startsWith: 'full:' }, status: 'queued' } });
    expect(rows).toHaveLength(7);
  });

  it("members' full windows hold only their own chats: the batch sends to the others, nothing is delayed as a whole", async () => {
    const wecom = new RecordingSender('wecom');
    const store = createMemoryStore();
    const items = push('member', 4, 1);
    await planDeliveries(t.db, items);
    const limits = { wecom: { ...tight(1000).wecom, perMember: [{ limit: 1, windowMs: 60_000 }] } };
    // two members in a row already had their one message of the minute
    for (const u of ['member-u1', 'member-u2'])
      expect(await acquire(store, memberBuckets('wecom', [u], limits.wecom.perMember), Date.now())).toBe(0);
    const handed: JobRequest[] = [];
    await runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(wecom), store, limits }), handed), chainsOf(items));
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['member-u0:1', 'member-u3:1']);
    expect(handed.map((j) => [j.name, j.name === 'deliver' ? j.data.key : ''])).toEqual([
      ['deliver', 'member:member-u1:1'],
      ['deliver', 'member:member-u2:1'],
    ]);
  });

  it("a group robot's full window holds only that group's messages", async () => {
    const wecom = new RecordingSender('wecom');
    const group = inOrder(
      [1, 2, 3].map((n) => ({
        key: `robot:g:${n}`,
        kind: 'ranking_group' as const,
        platform: 'wecom',
        recipient: { chatId: 'robot-group' },
        message: { kind: 'text' as const, text: `g:${n}` },
      })),
    );
    const people = push('robot', 2, 1);
    await planDeliveries(t.db, [...group, ...people]);
    const handed: JobRequest[] = [];
    const deps = jobDeps(t, { outbox: outboxWith(wecom), limits: tight(1000) });
    await runBatch(recordingCtx(deps, handed), [group.map((g) => g.key), ...chainsOf(people)]);
    expect(wecom.sent.map((s) => textOf(s.msg))).toEqual(['g:1', 'g:2', 'robot-u0:1', 'robot-u1:1']);
    expect(handed).toMatchObject([{ name: 'deliver', data: { key: 'robot:g:3' } }]);
  });
});

describe.each(providers.flatMap((p) => runnerKinds.map((k) => [p, k] as const)))(
  'batches on %s, %s runner',
  (provider, kind) => {
    let t: TestDb;
    beforeAll(async () => {
      t = await freshDb(provider);
    });
    afterAll(async () => {
      await t?.drop();
    });

    it('one failing delivery in a batch is retried alone: every other message is sent once, in order', async () => {
      const wecom = new FlakySender(['retry-u5:1'], 2);
      const r = makeRunner(kind, jobDeps(t, { outbox: outboxWith(wecom) }), { suite: 'push-batch' });
      try {
        await r.start();
        const items = push('retry', 30, 2);
        const ctx = { ...jobDeps(t), enqueue: r.enqueue, enqueueBulk: r.enqueueBulk, jobId: 'test', attempt: 1 };
        const planned = await planAndEnqueue(ctx, items);
        expect(planned.jobs).toBeLessThan(30);
        await r.idle();

        for (let u = 0; u < 30; u++) expect(sentTo(wecom, `retry-u${u}`)).toEqual([`retry-u${u}:1`, `retry-u${u}:2`]);
        expect(wecom.sent).toHaveLength(60);
        // refused twice (the batch's try, then its own job's first), sent on the third; nobody else tried twice
        expect(wecom.tries.get('retry-u5:1')).toBe(3);
        expect([...wecom.tries.values()].filter((n) => n > 1)).toEqual([3]);
        const rows = await t.db.delivery.findMany({ where: { key: { startsWith: 'retry:' } } });
        expect(rows.every((x) => x.status === 'sent')).toBe(true);
        expect(rows.find((x) => x.key === 'retry:retry-u5:1')?.attempts).toBe(3);
        expect(rows.filter((x) => x.attempts !== 1).map((x) => x.key)).toEqual(['retry:retry-u5:1']);
      } finally {
        await r.stop();
      }
    });

    it('a crash mid-batch: the batch run again and the sweep send the rest exactly once', async () => {
      const items = push('crash', 6, 2);
      const chains = chainsOf(items);
      await planDeliveries(t.db, items);
      // the first process: its batch stops for good in the middle of the 5th send (crash-u2:1 in WeCom's hands)
      const dying = new HangingSender(5);
      void runBatch(recordingCtx(jobDeps(t, { outbox: outboxWith(dying) }), []), chains);
      await until('the 5th send started', () => dying.calls === 5);
      expect(dying.sent.map((s) => textOf(s.msg))).toEqual(['crash-u0:1', 'crash-u0:2', 'crash-u1:1', 'crash-u1:2']);

      // the restart: the queue runs the batch again (a stalled job) and the first sweep takes the queued rows
      const wecom = new RecordingSender('wecom');
      const deps = { ...jobDeps(t, { outbox: outboxWith(wecom) }), startedAt: new Date(Date.now() + 60_000) };
      const r = makeRunner(kind, deps, { suite: 'push-batch' });
      try {
        await r.start();
        await r.enqueueBulk([
          { name: 'deliver.batch', data: { chains }, opts: { jobId: 'rerun' } },
          { name: 'deliveries.sweep', data: {} },
        ]);
        await r.idle();
      } finally {
        await r.stop();
      }
      const texts = wecom.sent.map((s) => textOf(s.msg));
      expect(new Set(texts).size).toBe(texts.length);
      expect(texts.sort()).toEqual([
        'crash-u2:2',
        'crash-u3:1',
        'crash-u3:2',
        'crash-u4:1',
        'crash-u4:2',
        'crash-u5:1',
        'crash-u5:2',
      ]);
      for (const u of [3, 4, 5]) expect(sentTo(wecom, `crash-u${u}`)).toEqual([`crash-u${u}:1`, `crash-u${u}:2`]);
      const rows = await t.db.delivery.findMany({ where: { key: { startsWith: 'crash:' } }, orderBy: { id: 'asc' } });
      expect(rows.filter((x) => x.status !== 'sent').map((x) => [x.key, x.status])).toEqual([
        ['crash:crash-u2:1', 'unknown'],
      ]);
      expect(rows.every((x) => x.attempts === 1)).toBe(true);
    });
  },
);
