import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import { IN_FLIGHT_MS } from '../../src/jobs/send.js';
import type { JobRunner } from '../../src/jobs/types.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { only } from '../support/only.js';
import { demoDb, jobDeps, outboxWith, RecordingSender } from './support.js';

/** A WeCom-like refusal: the channel's typed rate-limit error carries retryAfterMs (45009). */
class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('WeCom /cgi-bin/appchat/send answered errcode 45009: api freq out of limit');
  }
}

const notice = (i: number, chatId: string) => ({
  key: `notice:pace:${chatId}:${i}`,
  kind: 'notice',
  platform: 'wecom',
  recipient: JSON.stringify({ chatId }),
  content: JSON.stringify({ kind: 'text', text: `第${i}条` }),
});

describe('pacing per group robot and a 45009 refusal (WECOM.md §6: 20 messages a minute per robot)', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  beforeAll(async () => {
    t = await demoDb('sqlite');
  });
  afterAll(async () => t.drop());

  it('never lets more than the robot limit into one group per window, and sends every message once', async () => {
    const sender = new RecordingSender('wecom');
    // the robot's 20 a minute, scaled down: 3 per second
    const limits = {
      wecom: {
        perPlatform: { limit: 1000, windowMs: 60_000 },
        perRobot: { limit: 3, windowMs: 1000 },
        textBytes: 2048,
      },
    };
    // the times at which the pacer let a send into group A's robot window (its sliding log in the store): the
    // limit holds on these, whatever the machine's load adds between taking a slot and the send itself
    const store = createMemoryStore();
    const slots: number[] = [];
    const update = store.update.bind(store);
    store.update = (key, fn, ttlMs) =>
      update(
        key,
        (current) => {
          const next = fn(current);
          if (key !== 'rate:log:r:wecom:groupa' || next === null) return next;
          // the pacer trims the log to the window, then appends the slot it grants: not a suffix of the old log
          const before = (current ? JSON.parse(current) : []) as number[];
          const after = JSON.parse(next) as number[];
          const trimmedOnly =
            after.length <= before.length && after.every((at, i) => at === before[before.length - after.length + i]);
          if (!trimmedOnly) slots.push(must(after.at(-1), 'the slot just granted'));
          return next;
        },
        ttlMs,
      );
    const runner: JobRunner = createMemoryRunner(jobDeps(t, { outbox: outboxWith(sender), limits, store }), {
      schedules: false,
    });
    await runner.start();
    await t.db.delivery.createMany({ data: [...Array(7).keys()].map((i) => notice(i, 'groupa')) });
    await t.db.delivery.createMany({ data: [...Array(2).keys()].map((i) => notice(i, 'groupb')) });
    await runner.enqueueBulk(
      [...Array(7).keys()].map((i) => ({ name: 'deliver', data: { key: `notice:pace:groupa:${i}` } })),
    );
    await runner.enqueueBulk(
      [...Array(2).keys()].map((i) => ({ name: 'deliver', data: { key: `notice:pace:groupb:${i}` } })),
    );
    await runner.idle();
    await runner.stop();
    const toA = sender.sent.filter((s) => 'chatId' in s.to && s.to.chatId === 'groupa');
    expect(toA.map((s) => (s.msg as { text: string }).text).sort()).toEqual(
      [...Array(7).keys()].map((i) => `第${i}条`).sort(),
    );
    // any second holds at most 3 slots
    const times = [...slots].sort((a, b) => a - b);
    expect(times).toHaveLength(7);
    for (const t0 of times) expect(times.filter((x) => x >= t0 && x < t0 + 1000).length).toBeLessThanOrEqual(3);
    // 7 messages at 3 a second: the 7th waits two seconds after the first
    expect(must(times[6], 'the 7th slot') - must(times[0], 'the first slot')).toBeGreaterThanOrEqual(2000);
    // another group's robot is not held up by the first
    expect(sender.sent.filter((s) => 'chatId' in s.to && s.to.chatId === 'groupb')).toHaveLength(2);
    const rows = await t.db.delivery.findMany({ where: { key: { startsWith: 'notice:pace:' } } });
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('slows down on a rate-limit refusal instead of failing: delayed by retryAfterMs, no attempt spent, sent once', async () => {
    const sender = new RecordingSender('wecom');
    sender.failures = { n: 2, error: () => new RateLimited(300) };
    const runner = createMemoryRunner(jobDeps(t, { outbox: outboxWith(sender) }), { schedules: false });
    await runner.start();
    await t.db.delivery.create({ data: notice(0, 'groupc') });
    const started = Date.now();
    await runner.enqueue('deliver', { key: 'notice:pace:groupc:0' });
    await runner.idle();
    await runner.stop();
    expect(sender.sent).toHaveLength(1);
    expect(only(sender.sent, 'send').at - started).toBeGreaterThanOrEqual(600);
    const row = await t.db.delivery.findUniqueOrThrow({ where: { key: 'notice:pace:groupc:0' } });
    expect(row.status).toBe('sent');
    // claimed three times, refused twice before the platform took it: never dead, never sent twice
    expect(row.attempts).toBe(3);
  });

  it('a send interrupted between claim and mark is not resent automatically: it becomes a dead letter to replay', async () => {
    const sender = new RecordingSender('wecom');
    const runner = createMemoryRunner(jobDeps(t, { outbox: outboxWith(sender) }), { schedules: false });
    await runner.start();
    // what a crash leaves behind: the row claimed (sending) and the job run again, once the dead worker's lock
    // lapsed (a younger attempt is taken to be alive elsewhere: src/jobs/send.ts IN_FLIGHT_MS)
    await t.db.delivery.create({
      data: {
        ...notice(0, 'groupd'),
        status: 'sending',
        attempts: 1,
        sentAt: new Date(Date.now() - IN_FLIGHT_MS - 1_000),
      },
    });
    await runner.enqueue('deliver', { key: 'notice:pace:groupd:0' });
    await runner.idle();
    await runner.stop();
    expect(sender.sent).toHaveLength(0);
    const row = await t.db.delivery.findUniqueOrThrow({ where: { key: 'notice:pace:groupd:0' } });
    expect(row.status).toBe('unknown');
    expect(row.error).toContain('not resent automatically');
  });
});
