/**
 * Issue #12: a DingTalk callback names the URL its answer goes to (sessionWebhook), and the signature does not
 * cover it. Replies go only where DingTalk is: a sessionWebhook off DINGTALK_OAPI_BASE's host is never connected
 * to (an "evil" HTTP server counts the requests it gets: zero), the refusal is logged without the URL, and the
 * reply still reaches the user through the API.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkSessionWebhook } from '../../src/channels/dingtalk/receive.js';
import { DEMO_CREDENTIALS } from '../../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { type Harness, startHarness } from '../support/dingtalk/harness.js';
import { localServerOf } from '../support/local.js';

let evil: http.Server;
let evilUrl: string;
const arrived: string[] = [];
beforeAll(async () => {
  evil = http.createServer((req, res) => {
    arrived.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end('{"errcode":0}');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => evil.close(() => r()));
});

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('a sessionWebhook that is not DingTalk’s', () => {
  const hostile = () => [
    `${evilUrl}/robot/sendBySession?session=stolen`,
    `${evilUrl.replace('127.0.0.1', 'localhost')}/x`,
    'http://127.0.0.1:1/x',
    'file:///etc/passwd',
    'https://evil.example/robot/sendBySession?session=x',
    'not a url at all',
  ];

  it('is never connected to; the reply goes through the API instead, and the refusal is logged without the URL', async () => {
    h = await startHarness();
    const server = localServerOf(h.channel);
    const urls = hostile();
    for (const [i, url] of urls.entries()) {
      const r = await h.say(
        h.client.text(`victim${i}`, `我参加了吗 ${i}`, { session: { url, expiresAt: Date.now() + 3_600_000 } }),
      );
      expect(r.status).toBe(200);
    }
    await h.background.idle();
    expect(arrived).toEqual([]);
    for (const i of urls.keys())
      expect(server.messagesTo(`victim${i}`).map((m) => [m.api, m.param.content])).toEqual([
        ['batchSend', `echo: 我参加了吗 ${i}`],
      ]);
    const refused = h.logs.filter((l) => String(l.msg).startsWith('dingtalk sessionWebhook not on DingTalk'));
    expect(refused).toHaveLength(urls.length);
    const all = JSON.stringify(h.logs);
    expect(all).not.toContain('stolen');
    expect(all).not.toContain('evil.example');
  });

  it('a group message with a hostile sessionWebhook is answered in the group through the API', async () => {
    h = await startHarness();
    await h.say(
      h.client.text('rep1', '排名', {
        group: { conversationId: 'cidEvil' },
        session: { url: `${evilUrl}/group`, expiresAt: Date.now() + 3_600_000 },
      }),
    );
    await h.background.idle();
    expect(arrived).toEqual([]);
    expect(
      localServerOf(h.channel)
        .messagesToChat('cidEvil')
        .map((m) => [m.api, m.param.content]),
    ).toEqual([['groupSend', 'echo: 排名']]);
  });

  it('DingTalk’s own sessionWebhook is still used', async () => {
    h = await startHarness();
    const session = localServerOf(h.channel).openSession({ userId: 'u1' });
    await h.say(h.client.text('u1', '你好', { session }));
    await h.background.idle();
    expect(
      localServerOf(h.channel)
        .messagesTo('u1')
        .map((m) => m.api),
    ).toEqual(['sessionWebhook']);
  });
});

describe('in production (NODE_ENV=production, credentials configured)', () => {
  it('a sessionWebhook on DingTalk’s host but over http is not used: the reply goes through the API', async () => {
    const server = await LocalDingtalkServer.start();
    let p: Harness | undefined;
    try {
      p = await startHarness({
        env: {
          NODE_ENV: 'production',
          ID_HASH_KEY: 'a-production-secret-of-our-own',
          DINGTALK_APP_KEY: DEMO_CREDENTIALS.appKey,
          DINGTALK_APP_SECRET: DEMO_CREDENTIALS.appSecret,
          DINGTALK_ROBOT_CODE: DEMO_CREDENTIALS.robotCode,
          DINGTALK_API_BASE: server.url,
          DINGTALK_OAPI_BASE: server.url,
        },
        channel: { settings: { DINGTALK_MODE: 'http', DINGTALK_CORP_ID: DEMO_CREDENTIALS.corpId } },
      });
      const session = server.openSession({ userId: 'u1' });
      expect(session.url.startsWith(`${server.url}/`)).toBe(true);
      await p.say(p.client.text('u1', '你好', { session }));
      await p.background.idle();
      expect(server.messagesTo('u1').map((m) => [m.api, m.param.content])).toEqual([['batchSend', 'echo: 你好']]);
      expect(p.logs.filter((l) => l.reason === 'protocol')).toHaveLength(1);
    } finally {
      await p?.stop();
      await server.close();
    }
  });
});

describe('checkSessionWebhook', () => {
  const oapi = 'https://oapi.dingtalk.com';
  it.each([
    ['https://oapi.dingtalk.com/robot/sendBySession?session=abc', true, { ok: true }],
    ['http://oapi.dingtalk.com/robot/sendBySession?session=abc', true, { ok: false, reason: 'protocol' }],
    ['http://oapi.dingtalk.com/robot/sendBySession?session=abc', false, { ok: true }],
    ['https://oapi.dingtalk.com.evil.example/robot', true, { ok: false, reason: 'host' }],
    ['https://oapi.dingtalk.com:8443/robot', true, { ok: false, reason: 'host' }],
    ['https://user:pw@oapi.dingtalk.com/robot', true, { ok: false, reason: 'host' }],
    ['https://evil.example/robot', true, { ok: false, reason: 'host' }],
    ['file:///etc/passwd', false, { ok: false, reason: 'protocol' }],
    ['javascript:alert(1)', false, { ok: false, reason: 'protocol' }],
    ['//oapi.dingtalk.com/x', false, { ok: false, reason: 'unparseable' }],
  ])('%s (https required: %s)', (url, requireHttps, expected) => {
    expect(checkSessionWebhook(url, oapi, requireHttps)).toEqual(expected);
  });
});
