/**
 * The job queue paces message/send per member as WeCom's descriptor says (30 a minute to one member, doc 90454,
 * WECOM.md §6; the local WeCom server drops the excess silently, as WeCom does). Through the real WeCom channel at
 * the local server, with the real limit, on a wall clock the test advances (JobDeps.wallNow; never a sleep): the 31st
 * delivery to the officer in a minute is delayed, unclaimed, not dropped; it goes once the window has passed;
 * deliveries to other members go meanwhile; a delivery to several members waits for the busiest one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformLimits } from '../../src/channels/platforms.js';
import { createLog } from '../../src/core/log.js';
import { Outbox } from '../../src/core/outbox.js';
import { deliver } from '../../src/jobs/send.js';
import { DelayJob, type JobContext } from '../../src/jobs/types.js';
import { createLocalWecomChannel, type LocalWecomChannel } from '../../src/local/wecom/channel.js';
import { LocalWecomServer } from '../../src/local/wecom/local-server.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { acquire, memberBuckets } from '../../src/state/rate-log.js';
import { channelDeps, demoDb, jobDeps } from './support.js';

const OFFICER = 'demo-officer-1';
const clock = { wall: Date.UTC(2026, 2, 2, 2, 17) };

const row = (key: string, userIds: string[], text: string) => ({
  key,
  kind: 'notice',
  platform: 'wecom',
  recipient: JSON.stringify({ userIds }),
  content: JSON.stringify({ kind: 'text', text }),
});

/** what the deliver job does with a row: 'sent', or the DelayJob's wait */
async function run(ctx: JobContext, key: string): Promise<string | number> {
  try {
    return await deliver(ctx, key);
  } catch (e) {
    if (e instanceof DelayJob) return e.ms;
    throw e;
  }
}

describe('pacing per member: WeCom message/send 30 a minute to one member (doc 90454)', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  let server: LocalWecomServer;
  let channel: LocalWecomChannel;
  const store = createMemoryStore();
  const log = createLog('silent');

  const contextWith = (outbox: Outbox): JobContext => ({
    ...jobDeps(t, { outbox, store }),
    wallNow: () => clock.wall,
    enqueue: async () => {},
    enqueueBulk: async () => {},
    jobId: 'deliver|test',
    attempt: 1,
  });

  beforeAll(async () => {
    t = await demoDb('sqlite');
    server = await LocalWecomServer.start({ now: () => clock.wall });
    channel = await createLocalWecomChannel(
      channelDeps(store, log),
      // the sender refuses where it would wait (as it does past a minute's window): the queue's side of a refusal
      { localServer: server, wallNow: () => clock.wall, memberMaxWaitMs: 0, retry: { retries: 0, baseDelayMs: 1 } },
    );
  });
  afterAll(async () => {
    await channel.stop();
    await server.close();
    await t.drop();
  });

  it('delays the 31st message to a member in a minute, sends it once the window passes; other members are not held up', async () => {
    expect(platformLimits.wecom?.perMember?.[0]).toEqual({ limit: 30, windowMs: 60_000 });
    const outbox = new Outbox();
    outbox.register('wecom', channel.sender);
    const ctx = contextWith(outbox);
    await t.db.delivery.createMany({
      data: [
        ...[...Array(31).keys()].map((i) => row(`pace:officer:${i}`, [OFFICER], `第${i + 1}条`)),
        row('pace:rep', ['demo-rep-1'], '给代办员'),
        row('pace:both', [OFFICER, 'demo-centre-1'], '给两人'),
      ],
    });
    for (let i = 0; i < 30; i++) expect(await run(ctx, `pace:officer:${i}`)).toBe('sent');
    clock.wall += 10_000;
    // the officer's minute is full: the 31st waits until the first 30 leave it, and is not even claimed
    expect(await run(ctx, 'pace:officer:30')).toBe(50_001);
    const waiting = await t.db.delivery.findUniqueOrThrow({ where: { key: 'pace:officer:30' } });
    expect({ status: waiting.status, attempts: waiting.attempts }).toEqual({ status: 'queued', attempts: 0 });
    // to the officer and the centre together: it waits for the officer; the centre gets nothing before
    expect(await run(ctx, 'pace:both')).toBe(50_001);
    expect(server.messagesTo('demo-centre-1')).toHaveLength(0);
    // another member is not held up
    expect(await run(ctx, 'pace:rep')).toBe('sent');
    expect(server.messagesTo('demo-rep-1')).toHaveLength(1);

    clock.wall += 50_001;
    expect(await run(ctx, 'pace:officer:30')).toBe('sent');
    expect(await run(ctx, 'pace:both')).toBe('sent');
    const texts = server.messagesTo(OFFICER).map((m) => (m.body.text as { content: string }).content);
    expect(texts).toEqual([...[...Array(31).keys()].map((i) => `第${i + 1}条`), '给两人']);
    expect(server.messagesTo('demo-centre-1')).toHaveLength(1);
    expect(server.droppedFor(OFFICER)).toEqual([]);
    const rows = await t.db.delivery.findMany({ where: { key: { startsWith: 'pace:' } } });
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('the channel refusing for a member (its own pacing, e.g. a reply took the slot meanwhile) puts the row back and slows nobody else', async () => {
    clock.wall += 3_600_000;
    const outbox = new Outbox();
    outbox.register('wecom', channel.sender);
    const ctx = contextWith(outbox);
    await t.db.delivery.createMany({
      data: [row('race:officer', [OFFICER], '排队中'), row('race:rep', ['demo-rep-1'], '不受影响')],
    });
    // the bot's direct replies fill the officer's minute without the queue seeing it first
    const sendAll = outbox.send.bind(outbox);
    let fill = true;
    outbox.send = async (platform, to, msg) => {
      if (fill) {
        fill = false;
        for (let i = 0; i < 30; i++) await sendAll('wecom', { userIds: [OFFICER] }, { kind: 'text', text: `回复${i}` });
      }
      return sendAll(platform, to, msg);
    };
    expect(await run(ctx, 'race:officer')).toBe(60_001);
    const back = await t.db.delivery.findUniqueOrThrow({ where: { key: 'race:officer' } });
    expect(back.status).toBe('queued');
    expect(back.error).toContain('rate limited');
    // no cool-down of the platform: the rep's message goes at once
    expect(await store.get('rate:cool:p:wecom')).toBeNull();
    expect(await run(ctx, 'race:rep')).toBe('sent');
    clock.wall += 60_001;
    expect(await run(ctx, 'race:officer')).toBe('sent');
    expect(server.droppedFor(OFFICER)).toEqual([]);
  });

  it('keeps the hour too: the 1001st message to a member within an hour waits for the first to leave it', async () => {
    const limits = platformLimits.wecom?.perMember ?? [];
    expect(limits[1]).toEqual({ limit: 1000, windowMs: 3_600_000 });
    const hourStore = createMemoryStore();
    const buckets = memberBuckets('wecom', ['busy-member'], limits);
    const start = Date.UTC(2026, 2, 2, 1, 0);
    // 25 a minute, under the minute's 30, for 40 minutes: 1000 in the hour
    for (let i = 0; i < 1000; i++)
      expect(await acquire(hourStore, buckets, start + Math.floor(i / 25) * 60_000)).toBe(0);
    const at = start + 40 * 60_000;
    expect(await acquire(hourStore, buckets, at)).toBe(start + 3_600_000 - at + 1);
    expect(await acquire(hourStore, buckets, start + 3_600_001)).toBe(0);
    // another member has all their room
    expect(await acquire(hourStore, memberBuckets('wecom', ['calm-member'], limits), at)).toBe(0);
  });
});
