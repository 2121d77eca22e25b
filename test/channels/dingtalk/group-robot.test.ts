/**
 * The group custom robot webhook, only as a fallback (DINGTALK.md §6, issue 8 §6): signed with timestamp + sign in
 * the query (the local DingTalk checks them as DingTalk does), used when the app robot cannot post into the group
 * or when the month's budget holds group messages back, and kept under 20 messages a minute.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DingtalkApiError, RateLimited } from '../../../src/channels/dingtalk/index.js';
import { must } from '../../../src/core/must.js';
import { LocalDingtalkServer } from '../../../src/local/dingtalk/local-server.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/dingtalk/harness.js';

let h: Harness | undefined;
let server: LocalDingtalkServer | undefined;
afterEach(async () => {
  await h?.stop();
  await server?.close();
  h = undefined;
  server = undefined;
});

async function withRobot(o: HarnessOptions = {}, secret?: string) {
  server = await LocalDingtalkServer.start();
  const hook = server.addGroupRobot('cidUnionAll');
  h = await startHarness({
    ...o,
    channel: {
      localServer: server,
      ...o.channel,
      settings: {
        DINGTALK_GROUP_WEBHOOKS: JSON.stringify({ cidUnionAll: { url: hook.url, secret: secret ?? hook.secret } }),
        ...o.channel?.settings,
      },
    },
  });
  return { h, server };
}

const inGroup = () =>
  must(server, 'the local server start() made')
    .messagesToChat('cidUnionAll')
    .map((m) => [m.api, String(m.param.content ?? m.param.text)]);

describe('the group custom robot', () => {
  it('is not used while the app robot can post', async () => {
    const { h } = await withRobot();
    await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'text', text: '截止提醒' });
    expect(inGroup()).toEqual([['groupSend', '截止提醒']]);
  });

  it('takes over when the app robot cannot post into the group', async () => {
    const { h, server } = await withRobot();
    server.failNext(
      1,
      { status: 400, code: 'robot.not.in.group', message: '机器人不在群内 (local choice)' },
      '/v1.0/robot/groupMessages/send',
    );
    await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'markdown', text: '### 第二期医疗互助 截止提醒' });
    expect(inGroup()).toEqual([['robotWebhook', '### 第二期医疗互助 截止提醒']]);
    const [req] = server.requests('/robot/send');
    expect(req?.status).toBe(200);
  });

  it('takes group messages the month’s budget holds back, instead of holding them', async () => {
    const { h, server } = await withRobot();
    server.setQuotaLeft(0);
    await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'text', text: '第一条' });
    await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'text', text: '第二条' });
    expect(inGroup()).toEqual([
      ['robotWebhook', '第一条'],
      ['robotWebhook', '第二条'],
    ]);
    expect(await h.channel.quota.held()).toEqual([]);
  });

  it('never sends the 21st message of a minute: a typed rate limit with the wait instead', async () => {
    const { h, server } = await withRobot({ channel: { settings: { DINGTALK_QUOTA_MONTHLY: 1 } } });
    server.setQuotaLeft(0);
    for (let i = 1; i <= 20; i++)
      await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'text', text: `${i}` });
    const e = await h.channel.sender
      .send({ chatId: 'cidUnionAll' }, { kind: 'text', text: '21' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimited);
    expect((e as RateLimited).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(server.requests('/robot/send')).toHaveLength(20);
  });

  it('signed with a wrong secret → DingTalk’s 310000, a final error', async () => {
    const { h, server } = await withRobot({}, 'SECnotthesecret');
    server.setQuotaLeft(0);
    const e = await h.channel.sender
      .send({ chatId: 'cidUnionAll' }, { kind: 'text', text: 'x' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DingtalkApiError);
    expect((e as DingtalkApiError).code).toBe('310000');
  });
});
