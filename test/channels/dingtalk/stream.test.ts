/**
 * Stream mode against the local gateway (DINGTALK.md §2, issue 8 §1 "Stream mode first"): the official
 * dingtalk-stream client opens a connection with a one-use ticket, robot messages and card clicks arrive as
 * CALLBACK frames and are acked as the protocol asks, then handled by the same code path as HTTP (the same msgId
 * over either transport is handled once); ping is echoed; after a disconnect the client comes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { InboundMessage, OutboundMessage } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { LocalDingtalkServer } from '../../../src/local/dingtalk/local-server.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/dingtalk/harness.js';
import { emulatorOf, localServerOf } from '../../support/local.js';

const ROBOT = '/v1.0/im/bot/messages/get';
let h: Harness | undefined;
let own: LocalDingtalkServer | undefined;
const start = async (o: HarnessOptions = {}) => {
  h = await startHarness({
    ...o,
    channel: { ...o.channel, settings: { DINGTALK_MODE: 'stream', ...o.channel?.settings } },
  });
  return h;
};
afterEach(async () => {
  await h?.stop();
  await own?.close();
  h = undefined;
  own = undefined;
});
const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the connection', () => {
  it('opens with the app’s credentials, subscribed to the robot and card topics', async () => {
    const { channel } = await start();
    const gw = localServerOf(channel).gateway;
    expect(gw.connections()).toBe(1);
    const [open] = localServerOf(channel).requests('/v1.0/gateway/connections/open');
    expect(open?.body).toMatchObject({
      clientId: channel.credentials.appKey,
      subscriptions: expect.arrayContaining([
        { type: 'CALLBACK', topic: ROBOT },
        { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
      ]),
    });
  });

  it('a ticket opens one connection only', async () => {
    const { channel } = await start();
    const s = localServerOf(channel);
    const res = await fetch(`${s.url}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientId: channel.credentials.appKey,
        clientSecret: channel.credentials.appSecret,
        subscriptions: [],
      }),
    });
    const { endpoint, ticket } = (await res.json()) as { endpoint: string; ticket: string };
    const open = (t: string) =>
      new Promise<'open' | 'refused'>((resolve) => {
        const ws = new WebSocket(`${endpoint}?ticket=${t}`);
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('error', () => resolve('refused'));
      });
    expect(await open(ticket)).toBe('open');
    expect(await open(ticket)).toBe('refused');
  });

  it('answers ping, and comes back with a new ticket after a disconnect', async () => {
    const server = await LocalDingtalkServer.start({ disconnectCloseMs: 50 });
    own = server;
    const { channel } = await start({ channel: { localServer: server } });
    expect(await server.gateway.ping()).toBe(1);
    server.gateway.disconnectAll();
    // the gateway counts the new socket open before the client has seen its 'open' event: wait for both sides
    // (the SDK waits 1 s before it reconnects; the limit leaves room for a loaded machine)
    await until(
      () =>
        server.requests('/v1.0/gateway/connections/open').length === 2 &&
        server.gateway.connections() === 1 &&
        channel.stream?.client.connected === true,
      15_000,
    );
    expect(channel.stream?.client.connected).toBe(true);
  });
});

describe('a conversation over Stream', () => {
  it('robot frames are acked {response: null}, handled, and answered through the sessionWebhook', async () => {
    const { channel, client, background } = await start();
    const s = localServerOf(channel);
    const answers: string[] = [];
    for (const text of ['我参加了吗', '怎么报销']) {
      const session = s.openSession({ userId: 'worker1' });
      const { ack } = await s.gateway.push(ROBOT, client.text('worker1', text, { session }));
      expect(ack).toMatchObject({ code: 200, data: { response: null } });
      await background.idle();
      answers.push(
        ...s
          .messagesTo('worker1')
          .slice(answers.length)
          .map((m) => String(m.param.content)),
      );
    }
    expect(answers).toEqual(['echo: 我参加了吗', 'echo: 怎么报销']);
    expect(h?.handled.map((m) => m.kind === 'text' && m.text)).toEqual(['我参加了吗', '怎么报销']);
  });

  it('the same msgId twice (a redelivered frame, or a new frame) → handled once', async () => {
    const { channel, client, background } = await start();
    const gw = localServerOf(channel).gateway;
    const body = client.text('worker2', '你好', { msgId: 'msgStreamDup' });
    const first = await gw.push(ROBOT, body);
    await gw.push(ROBOT, body, { messageId: first.frame.messageId });
    await gw.push(ROBOT, body);
    await background.idle();
    expect(h?.handled).toHaveLength(1);
    expect(first.ack).not.toBeNull();
  });

  it('the same msgId over HTTP and then over Stream → handled once', async () => {
    const { channel, client, background, say } = await start();
    const body = client.text('worker3', '你好', { msgId: 'msgBothWays' });
    expect((await say(body)).status).toBe(200);
    await localServerOf(channel).gateway.push(ROBOT, body);
    await background.idle();
    expect(h?.handled).toHaveLength(1);
  });

  it('a frame for another robot is acked and dropped', async () => {
    const { channel, client, background } = await start();
    const { ack } = await localServerOf(channel).gateway.push(
      ROBOT,
      client.text('worker4', 'x', { robotCode: 'dingOther' }),
    );
    expect(ack).not.toBeNull();
    await background.idle();
    expect(h?.handled).toEqual([]);
  });
});

describe('an approval click over Stream', () => {
  const deciding = async (msg: InboundMessage): Promise<OutboundMessage[]> => {
    if (msg.kind !== 'card_click') return [];
    await must(h, 'the harness is started').channel.sender.updateCard(
      { cardId: msg.cardId, userIds: ['officer1'] },
      {
        kind: 'card',
        card: { id: msg.cardId, title: '理赔审批 #5', fields: [], buttons: [], finalText: `已同意 · ${msg.userId}` },
      },
    );
    return [{ kind: 'text', text: '已同意' }];
  };

  it('cards are sent for Stream callbacks; the click frame is acked {response: {}} and decided through the same path', async () => {
    const { channel, background } = await start({ handle: deciding });
    const s = localServerOf(channel);
    await channel.sender.send(
      { userIds: ['officer1'] },
      {
        kind: 'card',
        card: { id: 'claim-5-l1-s', title: '理赔审批 #5', fields: [], buttons: [{ key: 'approve:5', text: '同意' }] },
      },
    );
    expect(s.card('claim-5-l1-s')?.callbackType).toBe('STREAM');
    const r = await s.click('officer1', 'claim-5-l1-s', 'approve:5');
    expect(r).toEqual({ status: 200, answer: {} });
    await background.idle();
    expect(h?.handled).toEqual([
      expect.objectContaining({ kind: 'card_click', cardId: 'claim-5-l1-s', action: 'approve:5', userId: 'officer1' }),
    ]);
    expect(s.card('claim-5-l1-s')?.params.finalText).toBe('已同意 · officer1');
    expect(s.messagesTo('officer1').at(-1)?.param.content).toBe('已同意');
  });
});

describe('the emulator in Stream mode', () => {
  it('pushes the user’s message as a robot frame and reads the reply from the local server', async () => {
    const { channel, background } = await start();
    const em = emulatorOf(channel);
    expect(em.mode).toBe('stream');
    await em.sendText('worker9', '我参加了吗');
    await background.idle();
    expect(em.messages({ userId: 'worker9' }).map((m) => m.text)).toEqual(['echo: 我参加了吗']);
    expect(localServerOf(channel).gateway.acks.at(-1)).toMatchObject({ code: 200, data: { response: null } });
  });
});
