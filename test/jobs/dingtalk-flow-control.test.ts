/**
 * No silent loss on DingTalk: batchSend answers 200 and names in its body the staff ids it held back
 * (flowControlledStaffIdList) or does not know (invalidStaffIdList). Through the job queue and the real DingTalk
 * channel, against the local DingTalk server with those staff ids flow-controlled or invalid:
 * - the daily ranking push to a throttled rep: not taken for sent, retried with backoff, and once the throttle lifts
 *   the rep gets each message exactly once, in order; the rows say sent, after the attempts it took;
 * - a rep throttled for good: the row ends on the dead-letter list after the job's attempts, with the reason (ids
 *   masked); replayed once the throttle lifts, it arrives once;
 * - one row to several people, one of them throttled and one invalid: the others get it once and are never sent it
 *   again, the throttled one gets it after the retry, the invalid one is a dead letter at once with the reason, each
 *   recorded in a row of its own (on SQLite and PostgreSQL, with the in-process runner and with BullMQ).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../src/core/log.js';
import { Outbox } from '../../src/core/outbox.js';
import { deadLetters, planDeliveries, prepareReplay, recipientKey } from '../../src/jobs/deliveries.js';
import type { JobRunner } from '../../src/jobs/types.js';
import { createLocalDingtalkChannel, type LocalDingtalkChannel } from '../../src/local/dingtalk/channel.js';
import type { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { localServerOf } from '../support/local.js';
import { makeRunner, type RunnerKind, runnerKinds } from '../support/push-jobs.js';
import { channelDeps, demoDb, jobDeps } from './support.js';

const REP = 'demo-rep-1';
const BATCH_SEND = '/v1.0/robot/oToMessages/batchSend';

describe('DingTalk flow-controlled and invalid staff ids, through the job queue (seed 000 demo)', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  let channel: LocalDingtalkChannel;
  let server: LocalDingtalkServer;
  const store = createMemoryStore();
  const log = createLog('silent');
  const outbox = new Outbox();

  beforeAll(async () => {
    t = await demoDb('sqlite', 1000, ['dingtalk']);
    channel = await createLocalDingtalkChannel(channelDeps(store, log), {
      retries: 0,
      baseDelayMs: 1,
      flushEveryMs: 0,
    });
    outbox.register('dingtalk', channel.sender);
    server = localServerOf(channel);
  });
  afterAll(async () => {
    await channel.stop();
    await t.drop();
  });

  const runUntilIdle = async (
    start: (r: JobRunner) => Promise<void>,
    on: TestDb = t,
    kind: RunnerKind = 'in-process',
  ) => {
    const runner = makeRunner(kind, jobDeps(on, { outbox, store }), { suite: 'dingtalk-flow' });
    try {
      await runner.start();
      await start(runner);
      await runner.idle();
    } finally {
      await runner.stop();
    }
  };
  const repRows = () =>
    t.db.delivery.findMany({ where: { key: { startsWith: 'ranking:' }, recipient: { contains: `"${REP}"` } } });
  /** the batchSends that named a staff id, and how the local DingTalk answered for it */
  const callsFor = (userId: string, since = 0) =>
    server
      .requests(BATCH_SEND)
      .filter((r) => r.seq > since && ((r.body as { userIds: string[] }).userIds ?? []).includes(userId));

  it('a throttled rep is retried alone with backoff and gets the push exactly once when the throttle lifts', async () => {
    // the rep's first two batchSends are flow-controlled: the markdown's first two tries
    server.flowControl([REP], 2);
    await runUntilIdle((r) => r.enqueue('ranking.daily', {}).then(() => {}));

    const rows = await repRows();
    expect(rows.length).toBe(2); // the rep's line (markdown) and the chart (image)
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const markdownRow = rows.find((r) => r.content.includes('"markdown"'));
    const chartRow = rows.find((r) => r.content.includes('"chart"'));
    expect(markdownRow?.attempts).toBe(3);
    expect(chartRow?.attempts).toBe(1);
    // what DingTalk delivered: each message once, the line before the chart
    expect(server.messagesTo(REP).map((m) => m.msgKey)).toEqual(['sampleMarkdown', 'sampleImageMsg']);
    // asked four times: twice held back, then the line and the chart
    const asked = callsFor(REP);
    expect(asked).toHaveLength(4);
    expect(asked.map((c) => (c.answer as { flowControlledStaffIdList: string[] }).flowControlledStaffIdList)).toEqual([
      [REP],
      [REP],
      [],
      [],
    ]);
    // the group's tables went out once each, untouched by the rep's throttle (group send, not batchSend)
    const groupRows = await t.db.delivery.findMany({
      where: { key: { startsWith: 'ranking-group:' } },
    });
    expect(groupRows.length).toBeGreaterThan(0);
    expect(groupRows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect(server.messagesToChat(DEMO_GROUP_CHAT)).toHaveLength(groupRows.length);
  });

  it('a rep throttled for good ends on the dead-letter list with the reason, and a replay sends it once', async () => {
    const key = `dt-flow:forever:${REP}`;
    await planDeliveries(t.db, [
      {
        key,
        kind: 'notice',
        platform: 'dingtalk',
        recipient: { userIds: [REP] },
        message: { kind: 'text', text: '请于本周五前补交材料' },
      },
    ]);
    server.flowControl([REP]);
    const since = server.lastSeq();
    await runUntilIdle((r) => r.enqueue('deliver', { key }).then(() => {}));

    const row = await t.db.delivery.findUniqueOrThrow({ where: { key } });
    expect(row.status).toBe('dead');
    expect(row.attempts).toBe(5); // the deliver job's attempts, each one a batchSend
    expect(callsFor(REP, since)).toHaveLength(5);
    expect(row.error).toContain('flow-controlled');
    // the staff id is masked in the reason
    expect(row.error).toContain('de******-1');
    expect(row.error).not.toContain(REP);
    expect((await deadLetters(t.db)).map((d) => d.key)).toContain(key);
    expect(server.messagesTo(REP).filter((m) => m.seq > since)).toHaveLength(0);

    // the admin replays it once DingTalk lets the rep's messages through again (huzhu jobs replay)
    server.liftFlowControl();
    const plan = await prepareReplay(t.db, row.id);
    expect(plan?.name).toBe('deliver');
    await runUntilIdle((r) => r.enqueue('deliver', { key }).then(() => {}));
    expect((await t.db.delivery.findUniqueOrThrow({ where: { key } })).status).toBe('sent');
    expect(server.messagesTo(REP).filter((m) => m.seq > since)).toHaveLength(1);
  });

  it.each(providers.flatMap((p) => runnerKinds.map((k) => [p, k] as const)))(
    'one row to several (%s, %s runner): the others get it once, the throttled one after the retry, the invalid one never',
    async (provider, kind) => {
      // the split is written in one transaction: on each database, and retried by each runner
      const own = provider === 'sqlite' ? null : await freshDb(provider);
      const on = own ?? t;
      const db = on.db;
      const tag = `${provider}-${kind === 'BullMQ' ? 'bull' : 'mem'}`;
      const key = `dt-flow:several:${tag}`;
      const [a, b, c] = [`staff-alpha-${tag}`, `staff-bravo-${tag}`, `staff-charlie-${tag}`] as const;
      await planDeliveries(db, [
        {
          key,
          kind: 'notice',
          platform: 'dingtalk',
          recipient: { userIds: [a, b, c] },
          message: { kind: 'text', text: '互助金已拨付' },
        },
        // a row to an invalid staff id alone: dead at its first try
        {
          key: `${key}:alone`,
          kind: 'notice',
          platform: 'dingtalk',
          recipient: { userIds: [c] },
          message: { kind: 'text', text: '互助金已拨付' },
        },
      ]);
      server.flowControl([b], 1);
      server.invalidateStaff([c]);
      const since = server.lastSeq();
      await runUntilIdle(
        async (r) => {
          await r.enqueue('deliver', { key });
          await r.enqueue('deliver', { key: `${key}:alone` });
        },
        on,
        kind,
      );

      // what DingTalk delivered: a and b once each, c nothing
      const got = (u: string) => server.messagesTo(u).filter((m) => m.seq > since);
      expect(got(a)).toHaveLength(1);
      expect(got(b)).toHaveLength(1);
      expect(got(c)).toHaveLength(0);
      // the retry named b alone: a was never asked again
      expect(callsFor(a, since)).toHaveLength(1);
      expect(callsFor(b, since).map((x) => (x.body as { userIds: string[] }).userIds)).toEqual([[a, b, c], [b]]);
      expect(callsFor(c, since)).toHaveLength(2); // the row to several once, the row alone once: never retried

      // the rows: the row itself kept b (sent after its retry); a and c have rows of their own
      const row = await db.delivery.findUniqueOrThrow({ where: { key } });
      expect(JSON.parse(row.recipient)).toEqual({ userIds: [b] });
      expect(row.status).toBe('sent');
      expect(row.attempts).toBe(2);
      const rowA = await db.delivery.findUniqueOrThrow({ where: { key: recipientKey(key, a) } });
      expect([rowA.status, JSON.parse(rowA.recipient)]).toEqual(['sent', { userIds: [a] }]);
      const rowC = await db.delivery.findUniqueOrThrow({ where: { key: recipientKey(key, c) } });
      expect([rowC.status, JSON.parse(rowC.recipient)]).toEqual(['dead', { userIds: [c] }]);
      expect(rowC.error).toContain('invalid');
      expect(rowC.error).not.toContain(c);
      const alone = await db.delivery.findUniqueOrThrow({ where: { key: `${key}:alone` } });
      expect([alone.status, alone.attempts]).toEqual(['dead', 1]);
      expect(alone.error).toContain('invalid');
      const dead = (await deadLetters(db)).map((d) => d.key);
      expect(dead).toEqual(expect.arrayContaining([recipientKey(key, c), `${key}:alone`]));
      expect(dead).not.toContain(key);
      await own?.drop();
    },
  );
});
