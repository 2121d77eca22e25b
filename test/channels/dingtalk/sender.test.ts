/**
 * The outbound client and PlatformSender against the local DingTalk server (DINGTALK.md §4–§5): token cached and
 * fetched once across instances, refreshed on InvalidAuthentication; batch send ≤ 20 userIds; group send with
 * msgParam ≤ 15 000 bytes; image upload; throttling as typed errors; cards created and updated by outTrackId.
 */
import { describe, expect, it } from 'vitest';
import { RateLimited } from '../../../src/channels/dingtalk/index.js';
import type { Card } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import { useHarnesses } from '../../support/dingtalk/harness.js';
import { emulatorOf, localServerOf } from '../../support/local.js';
import { only } from '../../support/only.js';

const start = useHarnesses();

const card = (id: string, finalText?: string): Card => ({
  id,
  title: '理赔审批 #1024',
  description: '海口市总工会 · 一级审批',
  emphasis: { title: '¥3,456.00', desc: '预计补助' },
  fields: [
    { label: '申请人', value: '林*燕' },
    { label: '医院', value: '海南省人民医院' },
  ],
  buttons: [
    { key: 'approve:1024', text: '同意', style: 'primary' },
    { key: 'reject:1024', text: '驳回', style: 'danger' },
  ],
  ...(finalText ? { finalText } : {}),
});

describe('the access token', () => {
  it('is fetched once and cached for every send', async () => {
    const h = await start();
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: '1' });
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: '2' });
    expect(localServerOf(h.channel).requests('/v1.0/oauth2/accessToken')).toHaveLength(1);
  });

  it('two instances on one store fetch it once between them, even at the same moment', async () => {
    const store = createMemoryStore();
    const a = await start({ store });
    const b = await start({ store, channel: { localServer: localServerOf(a.channel) } });
    await Promise.all([
      a.channel.sender.send({ userIds: ['x'] }, { kind: 'text', text: 'a' }),
      b.channel.sender.send({ userIds: ['y'] }, { kind: 'text', text: 'b' }),
      a.channel.sender.send({ userIds: ['z'] }, { kind: 'text', text: 'c' }),
    ]);
    expect(localServerOf(a.channel).requests('/v1.0/oauth2/accessToken')).toHaveLength(1);
  });

  it('is refetched once when DingTalk answers InvalidAuthentication, and the send goes through', async () => {
    const h = await start();
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: '1' });
    localServerOf(h.channel).expireTokens();
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: '2' });
    expect(localServerOf(h.channel).requests('/v1.0/oauth2/accessToken')).toHaveLength(2);
    expect(
      localServerOf(h.channel)
        .messagesTo('a')
        .map((m) => m.param.content),
    ).toEqual(['1', '2']);
  });
});

describe('sends', () => {
  it('45 reps get one text in three batch sends of at most 20 userIds', async () => {
    const h = await start();
    const reps = Array.from({ length: 45 }, (_, i) => `rep${i + 1}`);
    await h.channel.sender.send({ userIds: reps }, { kind: 'text', text: '今日排名已更新' });
    const calls = localServerOf(h.channel).requests('/v1.0/robot/oToMessages/batchSend');
    expect(calls.map((c) => (c.body as { userIds: string[] }).userIds.length)).toEqual([20, 20, 5]);
    expect(localServerOf(h.channel).messagesTo('rep45')).toHaveLength(1);
  });

  it('a long group table is split at line ends so every msgParam fits 15 000 bytes, nothing cut', async () => {
    const h = await start();
    const rows = Array.from({ length: 600 }, (_, i) => `| ${i + 1} | 陵水县总工会 | 9711 | 44% |`);
    const text = ['### 第二期医疗互助工作进度表', ...rows].join('\n');
    await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'markdown', text });
    const calls = localServerOf(h.channel).requests('/v1.0/robot/groupMessages/send');
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls)
      expect(Buffer.byteLength((c.body as { msgParam: string }).msgParam)).toBeLessThanOrEqual(15_000);
    const got = localServerOf(h.channel)
      .messagesToChat('cidUnionAll')
      .map((m) => String(m.param.text));
    expect(got.join('\n')).toBe(text);
    expect(calls.every((c) => (c.body as { msgKey: string }).msgKey === 'sampleMarkdown')).toBe(true);
  });

  it('an image is uploaded to oapi media/upload, then sent by its media_id', async () => {
    const h = await start();
    const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
    await h.channel.sender.send({ chatId: 'cidUnionAll' }, { kind: 'image', png });
    const m = only(localServerOf(h.channel).messagesToChat('cidUnionAll'), 'group message');
    expect(m.msgKey).toBe('sampleImageMsg');
    expect(localServerOf(h.channel).media(String(m.param.photoURL))?.bytes.equals(png)).toBe(true);
  });

  it('throttling answers are typed rate-limit errors with a wait', async () => {
    const h = await start();
    const s = localServerOf(h.channel);
    s.failNext(1, { status: 403, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' });
    const qps = await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: 'x' }).catch((e: unknown) => e);
    expect(qps).toBeInstanceOf(RateLimited);
    expect((qps as RateLimited).retryAfterMs).toBe(1_000);
    s.failNext(1, { status: 400, code: 'send.too.fast' });
    const fast = await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: 'x' }).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(RateLimited);
    expect((fast as RateLimited).retryAfterMs).toBe(60_000);
  });

  it('a server error is retried; a final refusal is not', async () => {
    const h = await start();
    const s = localServerOf(h.channel);
    s.failNext(2, { status: 502, code: 'BadGateway' });
    await h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: 'ok' });
    expect(s.messagesTo('a')).toHaveLength(1);
    await expect(
      h.channel.sender.send({ userIds: Array.from({ length: 21 }, () => '') }, { kind: 'text', text: 'x' }),
    ).rejects.toThrow(/userIds/);
  });
});

describe('approval cards', () => {
  it('go out with createAndDeliver: outTrackId = card id, every param a string, one space per officer', async () => {
    const h = await start();
    await h.channel.sender.send({ userIds: ['officer1', 'officer2'] }, { kind: 'card', card: card('claim-1024-l1-a') });
    const [req] = localServerOf(h.channel).requests('/v1.0/card/instances/createAndDeliver');
    expect(req?.body).toMatchObject({
      outTrackId: 'claim-1024-l1-a',
      cardTemplateId: h.channel.credentials.cardTemplateId,
      callbackType: 'HTTP',
      callbackRouteKey: h.channel.credentials.callbackRouteKey,
      openSpaceId: 'dtv1.card//IM_ROBOT.officer1;dtv1.card//IM_ROBOT.officer2',
      userIdType: 1,
    });
    const rec = must(localServerOf(h.channel).card('claim-1024-l1-a'), 'the card was created');
    expect(rec.userIds).toEqual(['officer1', 'officer2']);
    expect(JSON.parse(must(rec.params.buttons, 'the card has its buttons'))).toEqual([
      { key: 'approve:1024', text: '同意', style: 'primary' },
      { key: 'reject:1024', text: '驳回', style: 'danger' },
    ]);
    expect(rec.params.btn1Key).toBe('approve:1024');
  });

  it('updateCard shows the final state to every officer, buttons gone', async () => {
    const h = await start();
    await h.channel.sender.send({ userIds: ['officer1', 'officer2'] }, { kind: 'card', card: card('claim-1024-l1-b') });
    await h.channel.sender.updateCard(
      { cardId: 'claim-1024-l1-b', userIds: ['officer1', 'officer2'] },
      { kind: 'card', card: card('claim-1024-l1-b', '已同意 · 吴文静 · 03-02 10:17') },
    );
    const rec = must(localServerOf(h.channel).card('claim-1024-l1-b'), 'the card was created');
    expect(rec.params).toMatchObject({
      status: 'done',
      finalText: '已同意 · 吴文静 · 03-02 10:17',
      buttons: '[]',
      btn1Show: 'false',
    });
    const shown = emulatorOf(h.channel).messages({ userId: 'officer2' });
    expect(shown.at(-1)?.card).toMatchObject({
      id: 'claim-1024-l1-b',
      buttons: [],
      finalText: '已同意 · 吴文静 · 03-02 10:17',
    });
  });
});
