/**
 * The outbound client against the local WeCom server (WECOM.md §4–§6): token cached with one fetch at a time,
 * refreshed on 40014/42001; -1, HTTP 5xx and network errors retried with backoff (≤3); 45009 honoured; other
 * errcodes final.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WecomApi } from '../../../src/channels/wecom/api-client.js';
import { RateLimited, WecomApiError, WecomUnavailable } from '../../../src/channels/wecom/errors.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import { startApi } from '../../support/wecom/api.js';
import { captureLog } from '../../support/wecom/harness.js';

type Api = Awaited<ReturnType<typeof startApi>>;
let t: Api;
afterEach(async () => {
  await t?.stop();
});

const hello = { kind: 'text', text: '你好' } as const;

describe('access token', () => {
  it('is fetched once and cached, also under 20 concurrent sends', async () => {
    t = await startApi();
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.sender.send({ userIds: [`u${i}`] }, hello)));
    await t.sender.send({ userIds: ['u'] }, hello);
    expect(t.gettokens()).toBe(1);
    expect(t.server.allMessages()).toHaveLength(21);
  });

  it('is cached with a safety margin before expires_in', async () => {
    t = await startApi({ server: { tokenTtlS: 301 } }); // margin 300 s ⇒ cached 1 s
    await t.sender.send({ userIds: ['u'] }, hello);
    await new Promise((r) => setTimeout(r, 1100));
    await t.sender.send({ userIds: ['u'] }, hello);
    expect(t.gettokens()).toBe(2);
  });

  it('expired early by WeCom (42001): refetched and the call retried once', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['u'] }, hello);
    t.server.expireTokens();
    await t.sender.send({ userIds: ['u'] }, hello);
    expect(t.gettokens()).toBe(2);
    expect(t.server.requests('/cgi-bin/message/send').map((r) => (r.answer as { errcode: number }).errcode)).toEqual([
      0, 42001, 0,
    ]);
  });

  it('refused as invalid (40014): refetched and retried', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['u'] }, hello);
    await t.store.set(`wecom:token:${t.server.creds.corpId}:${t.server.creds.agentId}`, 'bogus', 60_000);
    await t.sender.send({ userIds: ['u'] }, hello);
    expect(t.server.messagesTo('u')).toHaveLength(2);
  });

  it('a bad secret is a final error, not retried', async () => {
    t = await startApi();
    const { log } = captureLog();
    const api = new WecomApi({
      base: t.server.url,
      creds: { ...t.server.creds, secret: 'wrong' },
      store: createMemoryStore(),
      log,
    });
    await expect(api.token()).rejects.toMatchObject({ errcode: 40001 });
    expect(t.gettokens()).toBe(1);
  });
});

describe('retries', () => {
  it('errcode -1 twice, then success: retried with backoff', async () => {
    t = await startApi();
    await t.api.token();
    t.server.failNext(2, { errcode: -1 }, '/cgi-bin/message/send');
    await t.sender.send({ userIds: ['u'] }, hello);
    expect(t.server.requests('/cgi-bin/message/send')).toHaveLength(3);
    expect(t.server.messagesTo('u')).toHaveLength(1);
  });

  it('HTTP 500: retried', async () => {
    t = await startApi();
    t.server.failNext(1, { httpStatus: 500 }, '/cgi-bin/message/send');
    await t.sender.send({ userIds: ['u'] }, hello);
    expect(t.server.messagesTo('u')).toHaveLength(1);
  });

  it('at most 3 retries: the 4th failure is WecomUnavailable', async () => {
    t = await startApi();
    t.server.failNext(10, { errcode: -1 }, '/cgi-bin/message/send');
    await expect(t.sender.send({ userIds: ['u'] }, hello)).rejects.toBeInstanceOf(WecomUnavailable);
    expect(t.server.requests('/cgi-bin/message/send')).toHaveLength(4);
  });

  it('network errors are retried, then reported', async () => {
    t = await startApi();
    const { log } = captureLog();
    const api = new WecomApi({
      base: 'http://127.0.0.1:9',
      creds: t.server.creds,
      store: createMemoryStore(),
      log,
      retry: { baseDelayMs: 1 },
    });
    await expect(api.token()).rejects.toMatchObject({ detail: expect.stringMatching(/^network/) });
  });

  it('other errcodes are final, typed with the errcode, tried once', async () => {
    t = await startApi();
    await t.api.token();
    const err = await t.api
      .postJson('/cgi-bin/message/send', { touser: 'u', agentid: 1, msgtype: 'text', text: { content: 'x' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WecomApiError);
    expect(err).toMatchObject({ errcode: 40056 });
    expect(t.server.requests('/cgi-bin/message/send')).toHaveLength(1);
  });
});

describe('rate limits (45009/45033) are honoured', () => {
  it('RateLimited with retryAfterMs, and the path is left alone until the window ends', async () => {
    // a window long enough that the second send falls inside it even on a loaded machine
    t = await startApi({ rateLimitBlockMs: 2_000 });
    await t.api.token();
    t.server.failNext(1, { errcode: 45009 }, '/cgi-bin/message/send');
    const err = await t.sender.send({ userIds: ['u'] }, hello).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimited);
    expect((err as RateLimited).retryAfterMs).toBe(2_000);
    const again = await t.sender.send({ userIds: ['u'] }, hello).catch((e) => e);
    expect(again).toBeInstanceOf(RateLimited);
    expect(t.server.requests('/cgi-bin/message/send')).toHaveLength(1); // not hammered
    // once the window ends the path is used again (tried until then, each try refused without a request)
    await vi.waitFor(() => t.sender.send({ userIds: ['u'] }, hello), { timeout: 15_000, interval: 200 });
    expect(t.server.messagesTo('u')).toHaveLength(1);
    expect(t.server.requests('/cgi-bin/message/send')).toHaveLength(2);
  });

  it('45033 (concurrency) likewise', async () => {
    t = await startApi();
    await t.api.token();
    t.server.failNext(1, { errcode: 45033 }, '/cgi-bin/message/send');
    await expect(t.sender.send({ userIds: ['u'] }, hello)).rejects.toMatchObject({
      errcode: 45033,
      retryAfterMs: 60_000,
    });
  });
});
