/**
 * The daily push and a deadline announcement through the real WeCom channel, checked at the local WeCom API
 * server: every message received, its recipients, the chart's bytes as uploaded, and a 45009 answer slowing the
 * queue instead of failing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../src/core/log.js';
import { must } from '../../src/core/must.js';
import { Outbox } from '../../src/core/outbox.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import { createLocalWecomChannel, type LocalWecomChannel } from '../../src/local/wecom/channel.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { currentPeriod } from '../../src/services/periods.js';
import { ranking } from '../../src/services/progress.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { localServerOf } from '../support/local.js';
import { only } from '../support/only.js';
import { channelDeps, demoDb, jobDeps, PNG_SIGNATURE } from './support.js';

describe('ranking push and announcements through the WeCom channel, at the local WeCom API server (seed 000)', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  let channel: LocalWecomChannel;
  const store = createMemoryStore();
  const log = createLog('silent');
  const outbox = new Outbox();

  beforeAll(async () => {
    t = await demoDb('sqlite');
    channel = await createLocalWecomChannel(channelDeps(store, log), {
      retry: { retries: 0, baseDelayMs: 1 },
      rateLimitBlockMs: 300,
    });
    outbox.register('wecom', channel.sender);
    // appchat/send only reaches chats the app created
    localServerOf(channel).putChat(DEMO_GROUP_CHAT, ['demo-officer-1', 'demo-rep-1', 'demo-centre-1']);
  });
  afterAll(async () => {
    await channel.stop();
    await t.drop();
  });

  it('delivers the rep line and chart by message/send, and the tables and charts by appchat/send, each once, in order', async () => {
    const server = localServerOf(channel);
    // the platform refuses twice with 45009 first: the queue waits and goes on, nothing is lost or doubled
    server.failNext(2, { errcode: 45009 }, '/cgi-bin/appchat/send');
    const runner = createMemoryRunner(jobDeps(t, { outbox, store }), { schedules: false });
    await runner.start();
    await runner.enqueue('ranking.daily', {});
    await runner.idle();
    await runner.stop();
    const expected = await ranking(t.db, await currentPeriod(t.db));

    const toRep = server.messagesTo('demo-rep-1');
    expect(toRep.map((m) => m.msgtype)).toEqual(['markdown', 'image']);
    const [mdMessage, imageMessage] = toRep;
    const md = (must(mdMessage, 'the markdown to the rep').body.markdown as { content: string }).content;
    const row = must(
      expected.categories[0]?.rows.find((r) => r.name === '海口市总工会'),
      '海口市总工会 ranks in 市、县工会',
    );
    expect(md).toContain(
      `海口市总工会：已完成 ${row.participants} 人（${row.display}），市、县工会第 ${row.rank}/21 名`,
    );
    const media = must(
      server.media((must(imageMessage, 'the image to the rep').body.image as { media_id: string }).media_id),
      'the image was uploaded',
    );
    expect(media.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(media.bytes.length).toBeGreaterThan(10_000);

    const group = server.messagesToChat(DEMO_GROUP_CHAT);
    const types = group.map((m) => m.msgtype);
    const firstImage = types.indexOf('image');
    expect(types.slice(0, firstImage).every((x) => x === 'markdown')).toBe(true);
    expect(types.slice(firstImage)).toEqual(['image', 'image', 'image']);
    const table = group
      .filter((m) => m.msgtype === 'markdown')
      .map((m) => (m.body.markdown as { content: string }).content);
    for (const part of table) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(2048);
    expect(table[0]).toContain('第二期医疗互助工作进度表');
    for (const c of expected.categories)
      expect(table.join('\n')).toContain(`合计｜${c.totals.previousParticipants}｜${c.totals.participants}`);
    // nobody else heard anything
    expect(
      server
        .allMessages()
        .every((m) =>
          'chatId' in m.to
            ? m.to.chatId === DEMO_GROUP_CHAT
            : 'userIds' in m.to && m.to.userIds.join() === 'demo-rep-1',
        ),
    ).toBe(true);
    const refused = server
      .requests('/cgi-bin/appchat/send')
      .filter((r) => (r.answer as { errcode?: number }).errcode === 45009);
    expect(refused).toHaveLength(2);
    const rows = await t.db.delivery.findMany();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(rows.length).toBe(server.allMessages().length);
  });

  it('announces 参互报名截止 at T-7 to the group through appchat/send', async () => {
    const server = localServerOf(channel);
    const before = server.messagesToChat(DEMO_GROUP_CHAT).length;
    const runner = createMemoryRunner(jobDeps(t, { outbox, store, now: new Date('2017-03-24T09:00:00+08:00') }), {
      schedules: false,
    });
    await runner.start();
    await runner.enqueue('deadlines.daily', {});
    await runner.idle();
    await runner.stop();
    const fresh = server.messagesToChat(DEMO_GROUP_CHAT).slice(before);
    expect(fresh).toHaveLength(1);
    expect((only(fresh, 'group message').body.markdown as { content: string }).content).toContain(
      '还有 7 天：参互报名截止（已延长至3月31日）',
    );
  });
});
