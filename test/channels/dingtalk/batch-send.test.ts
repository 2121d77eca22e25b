/**
 * The sender reads batchSend's answer (aliyun/dingtalk-sdk robot_1_0 BatchSendOTOResponseBody): the staff ids
 * DingTalk flow-controlled or does not know are not taken for delivered. Against the local DingTalk server with
 * those knobs: the outcome per recipient, a message in parts never reaching anyone without its earlier part, a held
 * message (the month's quota) held again for the throttled alone, a chat reply to a throttled user sent again after
 * the wait, and masked ids in the log.
 */
import { describe, expect, it } from 'vitest';
import { monthOf } from '../../../src/channels/dingtalk/quota.js';
import { RecipientsUndelivered } from '../../../src/core/undelivered.js';
import { type Harness, useHarnesses } from '../../support/dingtalk/harness.js';
import { localServerOf } from '../../support/local.js';

const start = useHarnesses();

const contents = (h: Harness, user: string) =>
  localServerOf(h.channel)
    .messagesTo(user)
    .map((m) => String(m.param.content));

async function undeliveredOf(p: Promise<unknown>): Promise<RecipientsUndelivered> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RecipientsUndelivered);
  return e as RecipientsUndelivered;
}

describe('batchSend’s flow-controlled and invalid staff ids', () => {
  it('23 people in two calls: one throttled, one invalid, the other 21 get it; the log masks the ids', async () => {
    const h = await start();
    const server = localServerOf(h.channel);
    const people = Array.from({ length: 23 }, (_, i) => `member-${String(i + 1).padStart(3, '0')}`);
    server.flowControl(['member-005']);
    server.invalidateStaff(['member-022']);
    const e = await undeliveredOf(h.channel.sender.send({ userIds: people }, { kind: 'text', text: '已拨付' }));
    expect(e.outcome.throttled).toEqual(['member-005']);
    expect(e.outcome.invalid).toEqual(['member-022']);
    expect(e.outcome.delivered).toHaveLength(21);
    expect(e.outcome.delivered).not.toContain('member-005');
    for (const p of people) expect(contents(h, p)).toEqual(['member-005', 'member-022'].includes(p) ? [] : ['已拨付']);
    expect(e.message).not.toContain('member-005');
    const line = h.logs.find((l) => l.msg === 'dingtalk batchSend did not deliver to every recipient');
    expect(line).toMatchObject({ delivered: 21, throttled: 1, invalid: 1 });
    expect(JSON.stringify(h.logs)).not.toMatch(/member-005|member-022/);
  });

  it('a text in two parts: the one held back at the first part gets neither, the other both', async () => {
    const h = await start();
    const server = localServerOf(h.channel);
    // past msgParam's 15 000 bytes: two sampleText parts
    const long = '互'.repeat(6_000);
    server.flowControl(['b'], 1);
    const e = await undeliveredOf(h.channel.sender.send({ userIds: ['a', 'b'] }, { kind: 'text', text: long }));
    expect(e.outcome).toEqual({ delivered: ['a'], throttled: ['b'], invalid: [] });
    expect(contents(h, 'a').join('')).toBe(long);
    expect(contents(h, 'a')).toHaveLength(2);
    expect(contents(h, 'b')).toEqual([]);
    // the second part went to a alone
    const calls = server
      .requests('/v1.0/robot/oToMessages/batchSend')
      .map((r) => (r.body as { userIds: string[] }).userIds);
    expect(calls).toEqual([['a', 'b'], ['a']]);
  });

  it('a message held for the month’s quota is held again for the throttled alone when it is flushed', async () => {
    const h = await start();
    const server = localServerOf(h.channel);
    server.setQuotaLeft(0);
    await h.channel.sender.send({ userIds: ['a', 'b'] }, { kind: 'text', text: '保留' });
    expect(contents(h, 'a')).toEqual([]);
    server.setQuotaLeft(undefined);
    await h.store.del(`dingtalk:quota:${h.channel.quota.org}:${monthOf(new Date())}:exhausted`);
    server.flowControl(['b'], 1);
    expect(await h.channel.sender.flushHeld()).toEqual({ sent: 1, left: 0 });
    expect(contents(h, 'a')).toEqual(['保留']);
    expect(contents(h, 'b')).toEqual([]);
    expect((await h.channel.quota.held()).map((i) => i.to)).toEqual([{ userIds: ['b'] }]);
    await h.channel.sender.flushHeld();
    expect(contents(h, 'a')).toEqual(['保留']);
    expect(contents(h, 'b')).toEqual(['保留']);
    expect(await h.channel.quota.held()).toEqual([]);
  });

  it('a reply to a throttled user is sent again after the wait and arrives once; to an invalid one, not again', async () => {
    const h = await start({ channel: { flowControlRetryMs: 5 } });
    const server = localServerOf(h.channel);
    server.flowControl(['busy-user'], 1);
    server.invalidateStaff(['gone-user']);
    // the test client's sessionWebhook is not on the local DingTalk's host: replies go by batchSend
    await h.say(h.client.text('busy-user', '补助进度'));
    await h.say(h.client.text('gone-user', '补助进度'));
    await h.background.idle();
    expect(contents(h, 'busy-user')).toEqual(['echo: 补助进度']);
    const asked = (u: string) =>
      server
        .requests('/v1.0/robot/oToMessages/batchSend')
        .filter((r) => (r.body as { userIds: string[] }).userIds.includes(u));
    expect(asked('busy-user')).toHaveLength(2);
    expect(contents(h, 'gone-user')).toEqual([]);
    expect(asked('gone-user')).toHaveLength(1);
    expect(h.logs.some((l) => l.msg === 'reply could not be sent')).toBe(true);
  });
});
