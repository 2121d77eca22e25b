/**
 * The monthly quota through the channel (issue 8 §4, bad input "quota exhausted → nothing lost, admins told
 * once"): calls counted per organisation and month (token exempt), ApiCountLimitForOrg stops sending, every
 * undelivered message is kept and sent in order when the month turns, the admins hear of it once.
 */
import { describe, expect, it } from 'vitest';
import type { QuotaExhaustedEvent } from '../../../src/channels/dingtalk/index.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import { type Harness, useHarnesses } from '../../support/dingtalk/harness.js';
import { localServerOf } from '../../support/local.js';

const start = useHarnesses();

const texts = (h: Harness, userId: string) =>
  localServerOf(h.channel)
    .messagesTo(userId)
    .map((m) => String(m.param.content ?? m.msgKey));

describe('counting', () => {
  it('counts every OpenAPI call of the month but the token, as DingTalk does', async () => {
    const h = await start();
    const before = await h.channel.quota.used(); // the card callback route was registered at start
    expect(before).toBe(1);
    await h.channel.sender.send(
      { userIds: Array.from({ length: 25 }, (_, i) => `r${i}`) },
      { kind: 'text', text: '排名' },
    );
    await h.channel.sender.send({ chatId: 'cidAll' }, { kind: 'image', png: Buffer.from('89504e47', 'hex') });
    expect((await h.channel.quota.used()) - before).toBe(4); // 2 batches, 1 upload, 1 group send
    expect(localServerOf(h.channel).callsCounted()).toBe(before + 4);
  });

  it('keeps months apart (Asia/Shanghai): 1 April 07:00 Beijing time is April', async () => {
    let now = new Date('2026-03-31T15:00:00Z'); // 23:00 in Shanghai
    const h = await start({ now: () => now });
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: '三月' });
    now = new Date('2026-03-31T23:00:00Z'); // 07:00 on 1 April in Shanghai
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: '四月' });
    expect(await h.channel.quota.used('2026-03')).toBe(2); // with the callback registration at start
    expect(await h.channel.quota.used('2026-04')).toBe(1);
  });
});

describe('when the organisation’s month is used up', () => {
  it('stops sending, keeps every message, tells the admins once, and sends it all in order when the month turns', async () => {
    let now = new Date('2026-03-20T02:00:00Z');
    const events: QuotaExhaustedEvent[] = [];
    const store = createMemoryStore();
    const h = await start({
      store,
      now: () => now,
      channel: { settings: { DINGTALK_ADMIN_USER_IDS: 'admin1' }, onQuotaExhausted: async (e) => void events.push(e) },
    });
    const server = localServerOf(h.channel);
    server.setQuotaLeft(2);
    for (let i = 1; i <= 5; i++) await h.channel.sender.send({ userIds: ['rep1'] }, { kind: 'text', text: `第${i}条` });
    await h.channel.sender.send({ chatId: 'cidAll' }, { kind: 'markdown', text: '### 截止提醒' });
    await h.channel.sender.updateCard(
      { cardId: 'claim-9-l1-x', userIds: ['o1'] },
      { kind: 'card', card: { id: 'claim-9-l1-x', title: 't', fields: [], buttons: [], finalText: '已同意' } },
    );

    expect(texts(h, 'rep1')).toEqual(['第1条', '第2条']);
    expect(await h.channel.quota.exhausted()).toBe(true);
    // one call was refused; after that nothing more was attempted
    expect(server.requests().filter((r) => r.status === 403)).toHaveLength(1);
    const held = await h.channel.quota.held();
    expect(held.map((i) => i.op)).toEqual(['send', 'send', 'send', 'send', 'send', 'updateCard']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ org: h.channel.credentials.corpId, month: '2026-03' });

    // a second instance hits the limit too: the admins are not told again
    const b = await start({
      store,
      now: () => now,
      channel: {
        localServer: server,
        settings: { DINGTALK_ADMIN_USER_IDS: 'admin1' },
        onQuotaExhausted: async (e) => void events.push(e),
      },
    });
    await b.channel.sender.send({ userIds: ['rep2'] }, { kind: 'text', text: '另一实例' });
    expect(events).toHaveLength(1);

    // April: DingTalk counts afresh
    now = new Date('2026-04-01T01:00:00Z');
    server.setQuotaLeft(undefined);
    await h.channel.sender.send({ userIds: ['rep1'] }, { kind: 'text', text: '四月第一条' });
    expect(texts(h, 'rep1')).toEqual(['第1条', '第2条', '第3条', '第4条', '第5条', '四月第一条']);
    expect(texts(h, 'rep2')).toEqual(['另一实例']);
    expect(texts(h, 'admin1')).toEqual([expect.stringContaining('月度调用次数已用完')]);
    expect(
      localServerOf(h.channel)
        .messagesToChat('cidAll')
        .map((m) => m.param.text),
    ).toEqual(['### 截止提醒']);
    // the update of a card DingTalk never had is refused for good and logged, not retried forever
    expect(await h.channel.quota.held()).toEqual([]);
  });

  it('`flush` sends what was held as soon as the budget allows (huzhu quota flush)', async () => {
    const h = await start();
    const server = localServerOf(h.channel);
    server.setQuotaLeft(0);
    await h.channel.sender.send({ userIds: ['rep1'] }, { kind: 'text', text: '保留' });
    expect(texts(h, 'rep1')).toEqual([]);
    server.setQuotaLeft(undefined);
    await h.store.del(
      `dingtalk:quota:${h.channel.quota.org}:${(await import('../../../src/channels/dingtalk/quota.js')).monthOf(new Date())}:exhausted`,
    );
    expect(await h.channel.sender.flushHeld()).toEqual({ sent: 1, left: 0 });
    expect(texts(h, 'rep1')).toEqual(['保留']);
  });
});

describe('the policy: what gives way first', () => {
  it('personal lines are held once the reserve is reached, while group tables and cards still go', async () => {
    const h = await start({
      channel: {
        settings: { DINGTALK_QUOTA_MONTHLY: 6, DINGTALK_QUOTA_RESERVE: 4, DINGTALK_QUOTA_GIVE_WAY: 'personal' },
      },
    });
    await h.channel.sender.send({ chatId: 'cidAll' }, { kind: 'text', text: '群1' });
    await h.channel.sender.send({ chatId: 'cidAll' }, { kind: 'text', text: '群2' });
    // 4 left = the reserve
    await h.channel.sender.send({ userIds: ['rep1'] }, { kind: 'text', text: '个人排名' });
    await h.channel.sender.send({ chatId: 'cidAll' }, { kind: 'text', text: '群3' });
    expect(texts(h, 'rep1')).toEqual([]);
    expect(
      localServerOf(h.channel)
        .messagesToChat('cidAll')
        .map((m) => m.param.content),
    ).toEqual(['群1', '群2', '群3']);
    expect((await h.channel.quota.held()).map((i) => i.cls)).toEqual(['personal']);
  });
});
