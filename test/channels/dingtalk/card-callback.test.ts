/**
 * Approval card clicks over HTTP (DINGTALK.md §5, issue 8 §5): the route registered for our callbackRouteKey
 * with an apiSecret; every click signed with x-ddpaas-signature over the timestamp (the test's own sign.ts, or
 * the local DingTalk's simulated click); a bad signature is refused and changes nothing; the decision updates
 * every officer's copy through the card update API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Card, CardAnswer, InboundMessage, OutboundMessage, Reply } from '../../../src/core/messages.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/dingtalk/harness.js';
import { emulatorOf, localServerOf } from '../../support/local.js';

let h: Harness;
const refusals = () => h.logs.filter((l) => l.msg === 'dingtalk callback refused');
const start = async (o: HarnessOptions = {}) => {
  h = await startHarness(o);
  return h;
};
afterEach(async () => {
  await h?.stop();
});

const card = (id: string, finalText?: string): Card => ({
  id,
  title: '理赔审批 #77',
  fields: [{ label: '申请人', value: '林*燕' }],
  buttons: [
    { key: 'approve:77', text: '同意', style: 'primary' },
    { key: 'reject:77', text: '驳回', style: 'danger' },
  ],
  ...(finalText ? { finalText } : {}),
});

/** a fake bot that decides on a click: every copy shows the final state, the clicker is told */
const deciding = async (msg: InboundMessage): Promise<OutboundMessage[]> => {
  if (msg.kind !== 'card_click') return [];
  await h.channel.sender.updateCard(
    { cardId: msg.cardId, userIds: ['officer1', 'officer2'] },
    { kind: 'card', card: card(msg.cardId, `已${msg.action.startsWith('approve') ? '同意' : '驳回'} · ${msg.userId}`) },
  );
  return [{ kind: 'text', text: `已处理 ${msg.action}` }];
};

const sendCard = (id: string) =>
  h.channel.sender.send({ userIds: ['officer1', 'officer2'] }, { kind: 'card', card: card(id) });

describe('the callback route', () => {
  it('is registered at start for our route key, with the apiSecret the clicks are signed with', async () => {
    await start();
    expect(localServerOf(h.channel).route(h.channel.credentials.callbackRouteKey)).toEqual({
      callbackUrl: `${h.url}/dingtalk/card-callback`,
      apiSecret: h.channel.credentials.cardApiSecret,
    });
  });
});

describe('a click', () => {
  it('reaches the handler as card_click (cardId = outTrackId, action = the button key) and is answered at once', async () => {
    await start({ handle: deciding });
    await sendCard('claim-77-l1-a');
    const r = await localServerOf(h.channel).click('officer2', 'claim-77-l1-a', 'approve:77');
    expect(r.status).toBe(200);
    await h.background.idle();
    expect(h.handled).toEqual([
      expect.objectContaining({
        platform: 'dingtalk',
        kind: 'card_click',
        userId: 'officer2',
        cardId: 'claim-77-l1-a',
        action: 'approve:77',
      }),
    ]);
    expect(h.handled[0]).not.toHaveProperty('chatId');
  });

  it('the decision shows on every officer’s copy; the clicker is told through the API', async () => {
    await start({ handle: deciding });
    await sendCard('claim-77-l1-b');
    await localServerOf(h.channel).click('officer1', 'claim-77-l1-b', 'reject:77');
    await h.background.idle();
    for (const officer of ['officer1', 'officer2']) {
      const seen = emulatorOf(h.channel)
        .messages({ userId: officer })
        .filter((m) => m.kind === 'card');
      expect(seen).toEqual([
        expect.objectContaining({
          card: expect.objectContaining({ id: 'claim-77-l1-b', buttons: [], finalText: '已驳回 · officer1' }),
        }),
      ]);
    }
    expect(
      localServerOf(h.channel)
        .card('claim-77-l1-b')
        ?.updates.map((u) => u.via),
    ).toEqual(['api']);
    expect(
      localServerOf(h.channel)
        .messagesTo('officer1')
        .filter((m) => m.api === 'batchSend')
        .map((m) => m.param.content),
    ).toEqual(['已处理 reject:77']);
  });

  it('the clicker’s text follows the card’s settling, which waits while other clicks are being decided', async () => {
    // the bot's settle waits for a burst of clicks to be answered (click-first.ts) and then hands the decision's
    // rows to the queue; here it is held until the click's answer is back, then sends a text of its own to officer2
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const settled: unknown[] = [];
    await start({
      handle: async (msg): Promise<Reply[]> => {
        if (msg.kind !== 'card_click') return [];
        const answer: CardAnswer = {
          kind: 'card_answer',
          card: card(msg.cardId, '已同意 · officer1'),
          settle: async (a) => {
            await held;
            await h.channel.sender.send({ userIds: ['officer2'] }, { kind: 'text', text: '其他副本已刷新' });
            settled.push(a);
          },
        };
        return [answer, { kind: 'text', text: `已处理 ${msg.action}` }];
      },
    });
    await sendCard('claim-77-l1-c');
    const server = localServerOf(h.channel);
    const r = await server.click('officer1', 'claim-77-l1-c', 'approve:77');
    expect(r.status).toBe(200);
    release();
    await h.background.idle();
    expect(settled).toEqual(['all']);
    const seqOf = (userId: string, text: string) =>
      server.messagesTo(userId).find((m) => m.api === 'batchSend' && m.param.content === text)?.seq ?? -1;
    expect(seqOf('officer2', '其他副本已刷新')).toBeGreaterThan(0);
    expect(seqOf('officer2', '其他副本已刷新')).toBeLessThan(seqOf('officer1', '已处理 approve:77'));
  });

  it('with a bad x-ddpaas-signature → refused (401), not handled, the card unchanged', async () => {
    await start({ handle: deciding });
    await sendCard('claim-77-l1-c');
    const r = await localServerOf(h.channel).click('officer1', 'claim-77-l1-c', 'approve:77', { badSignature: true });
    expect(r.status).toBe(401);
    await h.background.idle();
    expect(h.handled).toEqual([]);
    expect(localServerOf(h.channel).card('claim-77-l1-c')?.updates).toEqual([]);
  });

  it('signed by the test’s own implementation: missing or stale signature → 401; a replay of the same request → handled once', async () => {
    await start();
    const body = h.client.cardClick('officer1', 'claim-77-l1-d', 'approve:77');
    const { 'x-ddpaas-signature': _sig, ...unsigned } = h.client.cardHeaders();
    expect((await h.post('/dingtalk/card-callback', body, unsigned)).status).toBe(401);
    expect((await h.post('/dingtalk/card-callback', body, h.client.cardHeaders(Date.now() - 3_600_001))).status).toBe(
      401,
    );
    expect(
      (await h.post('/dingtalk/card-callback', body, h.client.cardHeaders(Date.now(), 'wrong-secret'))).status,
    ).toBe(401);
    const headers = h.client.cardHeaders();
    expect((await h.post('/dingtalk/card-callback', body, headers)).status).toBe(200);
    expect((await h.post('/dingtalk/card-callback', body, headers)).status).toBe(200);
    await h.background.idle();
    expect(h.handled).toHaveLength(1);
  });

  it('another button under a signature already used is a replay with another body: 401, nothing handled', async () => {
    // the signature covers the timestamp only (sign.ts usePairOnce): a second body under it cannot be told from
    // an attacker's; a genuine click signed anew is handled
    await start();
    const headers = h.client.cardHeaders();
    await h.post('/dingtalk/card-callback', h.client.cardClick('officer1', 'claim-77-l1-e', 'approve:77'), headers);
    const replay = await h.post(
      '/dingtalk/card-callback',
      h.client.cardClick('officer1', 'claim-77-l1-e', 'reject:77'),
      headers,
    );
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('unauthorized');
    expect(refusals().at(-1)).toMatchObject({ reason: 'card: signature already used with another body (replay)' });
    await h.post(
      '/dingtalk/card-callback',
      h.client.cardClick('officer2', 'claim-77-l1-e', 'reject:77'),
      h.client.cardHeaders(),
    );
    await h.background.idle();
    expect(h.handled.map((m) => m.kind === 'card_click' && `${m.userId} ${m.action}`)).toEqual([
      'officer1 approve:77',
      'officer2 reject:77',
    ]);
  });

  it('a signed click whose content is not a card action → 400', async () => {
    await start();
    const body = { ...h.client.cardClick('officer1', 'c1', 'x'), content: '{"nothing":1}' };
    expect((await h.post('/dingtalk/card-callback', body, h.client.cardHeaders())).status).toBe(400);
  });
});
