/**
 * POST /dingtalk/callback as DingTalk calls it in HTTP mode (DINGTALK.md §1, issue 8): bodies built by the test
 * client, signed by the test's own sign.ts; replies read from the local DingTalk server's records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { must } from '../../../src/core/must.js';
import { Templates } from '../../../src/core/templates.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/dingtalk/harness.js';
import { localServerOf } from '../../support/local.js';

/** the busy text of the templates (what the user reads when a message could not be handled) */
const BUSY = new Templates().render('system_busy');

let h: Harness;
const start = async (o: HarnessOptions = {}) => {
  h = await startHarness(o);
  return h;
};
afterEach(async () => {
  await h?.stop();
});

const server = () => localServerOf(h.channel);
const refusals = () => h.logs.filter((l) => l.msg === 'dingtalk callback refused');
const seen = (userId: string) =>
  server()
    .messagesTo(userId)
    .map((m) => ({ api: m.api, text: String(m.param.content ?? m.param.text ?? m.msgKey) }));

describe('a text message in a one-to-one chat', () => {
  it('is answered 200 at once, reaches the handler normalised, and the reply goes to its sessionWebhook', async () => {
    await start();
    const session = server().openSession({ userId: 'manager4220' });
    const r = await h.say(h.client.text('manager4220', '我参加了吗', { msgId: 'msgOX7kLs2b', session }));
    expect(r.status).toBe(200);
    await h.background.idle();
    expect(h.handled).toEqual([
      expect.objectContaining({
        platform: 'dingtalk',
        kind: 'text',
        userId: 'manager4220',
        text: '我参加了吗',
        dedupeKey: 'msgOX7kLs2b',
      }),
    ]);
    expect(h.handled[0]).not.toHaveProperty('chatId');
    expect(seen('manager4220')).toEqual([{ api: 'sessionWebhook', text: 'echo: 我参加了吗' }]);
    expect(server().requests('/v1.0/robot/oToMessages/batchSend')).toEqual([]);
  });

  it('answers before a slow handler finishes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await start({
      handle: async () => {
        await gate;
        return [{ kind: 'text', text: '好了' }];
      },
    });
    const session = server().openSession({ userId: 'u1' });
    const r = await h.say(h.client.text('u1', '慢', { session }));
    expect(r.status).toBe(200);
    expect(seen('u1')).toEqual([]);
    release();
    await h.background.idle();
    expect(seen('u1')).toEqual([{ api: 'sessionWebhook', text: '好了' }]);
  });

  it('uses the sender id when senderStaffId is absent (robot not yet published)', async () => {
    await start();
    await h.say(h.client.text('u2', '你好', { staffId: false }));
    await h.background.idle();
    expect((h.handled[0] as { userId: string }).userId).toMatch(/^\$:LWCP_v1:\$/);
  });
});

describe('group chats', () => {
  it('a message that @-mentions the robot carries the chat id, loses the @ space, and is answered in the group', async () => {
    await start();
    const session = server().openSession({ chatId: 'cidGroupUnion' });
    await h.say(h.client.text('rep7', '排名', { group: { conversationId: 'cidGroupUnion' }, session }));
    await h.background.idle();
    expect(h.handled).toEqual([
      expect.objectContaining({ kind: 'text', text: '排名', chatId: 'cidGroupUnion', userId: 'rep7' }),
    ]);
    const group = server().messagesToChat('cidGroupUnion');
    expect(group.map((m) => [m.api, m.param.content])).toEqual([['sessionWebhook', 'echo: 排名']]);
    expect(group[0]?.body.at).toEqual({ atUserIds: ['rep7'] });
  });

  it('a group message the robot is not @-mentioned in is acknowledged and not handled', async () => {
    await start();
    const r = await h.say(h.client.text('rep7', '大家好', { group: { conversationId: 'cidG', atRobot: false } }));
    expect(r.status).toBe(200);
    await h.background.idle();
    expect(h.handled).toEqual([]);
  });
});

describe('pictures and rich text', () => {
  it('a picture becomes an image message keyed by its downloadCode', async () => {
    await start();
    await h.say(h.client.picture('u3', 'dcInvoice01'));
    await h.background.idle();
    expect(h.handled).toEqual([expect.objectContaining({ kind: 'image', mediaId: 'dcInvoice01' })]);
  });

  it('rich text with words is text; rich text of pictures only is an image', async () => {
    await start();
    await h.say(
      h.client.richText('u4', [{ text: '住院发票' }, { type: 'picture', downloadCode: 'dcA' }, { text: ' 两张' }]),
    );
    await h.say(h.client.richText('u4', [{ type: 'picture', downloadCode: 'dcB', pictureDownloadCode: 'pdcB' }]));
    await h.background.idle();
    expect(h.handled.map((m) => (m.kind === 'text' ? m.text : m.kind === 'image' ? m.mediaId : m.kind))).toEqual([
      '住院发票 两张',
      'dcB',
    ]);
  });

  it('other types are handed on as unsupported', async () => {
    await start();
    await h.say(h.client.body('u5', { msgtype: 'audio', content: { downloadCode: 'x', duration: 3 } }));
    await h.background.idle();
    expect(h.handled).toEqual([expect.objectContaining({ kind: 'unsupported', originalType: 'audio' })]);
  });
});

describe('the signature, checked before anything else', () => {
  const body = () => h.client.text('u6', '你好');

  it('a sign made with another secret → 401, nothing handled', async () => {
    await start();
    const r = await h.post('/dingtalk/callback', body(), h.client.headers(Date.now(), 'another-app-secret'));
    expect(r.status).toBe(401);
    await h.background.idle();
    expect(h.handled).toEqual([]);
    expect(refusals()).toHaveLength(1);
  });

  it('a missing sign or timestamp → 401', async () => {
    await start();
    const { sign, timestamp, ...noSign } = h.client.headers();
    expect((await h.post('/dingtalk/callback', body(), noSign)).status).toBe(401);
    expect(
      (
        await h.post('/dingtalk/callback', body(), {
          'content-type': 'application/json',
          sign: must(sign, 'the client signs'),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await h.post('/dingtalk/callback', body(), {
          'content-type': 'application/json',
          timestamp: must(timestamp, 'the client stamps'),
        })
      ).status,
    ).toBe(401);
    await h.background.idle();
    expect(h.handled).toEqual([]);
  });

  it('a correctly signed timestamp more than an hour away (either side) → 401; 59 minutes old is accepted', async () => {
    const now = new Date('2026-03-02T02:17:00Z');
    await start({ now: () => now });
    const t = now.getTime();
    expect((await h.post('/dingtalk/callback', body(), h.client.headers(t - 3_600_001))).status).toBe(401);
    expect((await h.post('/dingtalk/callback', body(), h.client.headers(t + 3_600_001))).status).toBe(401);
    expect((await h.post('/dingtalk/callback', body(), h.client.headers(t - 59 * 60_000))).status).toBe(200);
    await h.background.idle();
    expect(h.handled).toHaveLength(1);
  });

  it('a bad sign on a body that is not even JSON is still 401 (not 400): the sign comes first', async () => {
    await start();
    expect((await h.post('/dingtalk/callback', '{not json', h.client.headers(Date.now(), 'x'))).status).toBe(401);
    expect((await h.post('/dingtalk/callback', '{not json', h.client.headers())).status).toBe(400);
  });

  it('a signed message for another robot → 403, nothing handled', async () => {
    await start();
    const r = await h.say(h.client.text('u7', '你好', { robotCode: 'dingSomeoneElse' }));
    expect(r.status).toBe(403);
    await h.background.idle();
    expect(h.handled).toEqual([]);
  });

  it('a signed body of the wrong shape → 400', async () => {
    await start();
    const b = h.client.text('u8', 'x');
    delete b.msgId;
    expect((await h.say(b)).status).toBe(400);
    expect((await h.say({ ...h.client.text('u8', 'x'), conversationType: '3' })).status).toBe(400);
  });
});

describe('replies when the sessionWebhook cannot be used', () => {
  it('an expired sessionWebhook (by its sessionWebhookExpiredTime) → the reply goes through the one-to-one batch send', async () => {
    await start();
    const session = server().openSession({ userId: 'u9' });
    await h.say(h.client.text('u9', '晚了', { session: { url: session.url, expiresAt: Date.now() - 1 } }));
    await h.background.idle();
    expect(seen('u9')).toEqual([{ api: 'batchSend', text: 'echo: 晚了' }]);
    expect(server().requests('/v1.0/robot/oToMessages/batchSend')[0]?.body).toMatchObject({
      userIds: ['u9'],
      msgKey: 'sampleText',
    });
  });

  it('a sessionWebhook DingTalk refuses (expired on its side) → the API', async () => {
    await start();
    const session = server().openSession({ userId: 'u10' }, -1);
    await h.say(h.client.text('u10', '你好', { session: { url: session.url, expiresAt: Date.now() + 3_600_000 } }));
    await h.background.idle();
    expect(seen('u10')).toEqual([{ api: 'batchSend', text: 'echo: 你好' }]);
  });

  it('in a group with an expired sessionWebhook → the group send by openConversationId', async () => {
    await start();
    await h.say(
      h.client.text('rep1', '排名', {
        group: { conversationId: 'cidG2' },
        session: { url: 'http://127.0.0.1:9/x', expiresAt: Date.now() - 1 },
      }),
    );
    await h.background.idle();
    expect(
      server()
        .messagesToChat('cidG2')
        .map((m) => [m.api, m.param.content]),
    ).toEqual([['groupSend', 'echo: 排名']]);
  });

  it('images and cards always go through the API', async () => {
    await start({
      handle: async () => [
        { kind: 'text', text: '图表如下' },
        { kind: 'image', png: Buffer.from('89504e47', 'hex') },
      ],
    });
    const session = server().openSession({ userId: 'u11' });
    await h.say(h.client.text('u11', '图', { session }));
    await h.background.idle();
    expect(
      server()
        .messagesTo('u11')
        .map((m) => [m.api, m.msgKey]),
    ).toEqual([
      ['sessionWebhook', 'text'],
      ['batchSend', 'sampleImageMsg'],
    ]);
  });
});

describe('each message once', () => {
  it('the same msgId twice → handled once, answered once', async () => {
    await start();
    const session = server().openSession({ userId: 'u12' });
    const b = h.client.text('u12', '我参加了吗', { msgId: 'msgDup1', session });
    expect((await h.say(b)).status).toBe(200);
    expect((await h.say(b)).status).toBe(200);
    await h.background.idle();
    expect(h.handled).toHaveLength(1);
    expect(seen('u12')).toHaveLength(1);
  });

  it('when handling fails the mark is released: the user is told, and a redelivery is handled', async () => {
    let calls = 0;
    await start({
      handle: async (m) => {
        if (calls++ === 0) throw new Error('database down');
        return [{ kind: 'text', text: m.kind === 'text' ? `ok ${m.text}` : '' }];
      },
    });
    const session = server().openSession({ userId: 'u13' });
    const b = h.client.text('u13', '报销', { msgId: 'msgRetry1', session });
    await h.say(b);
    await h.background.idle();
    await h.say(b);
    await h.background.idle();
    expect(seen('u13').map((m) => m.text)).toEqual([BUSY, 'ok 报销']);
  });
});
