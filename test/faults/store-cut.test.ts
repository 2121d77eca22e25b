/**
 * Redis's connection dropped under a command in flight (issue #17: the load run's one lost WeCom message in
 * ~12 000). A command on the wire when Redis stops is not refused by the store's "is it up" check: ioredis rejects it
 * a moment later with its own error (MaxRetriesPerRequestError). The pipeline waits out a Redis restart only for
 * the store's StoreUnavailableError, so a late reply whose send read the store at that moment was given up (the
 * message acknowledged empty, never answered), and a failed turn's delivery mark stayed (its resend taken for a
 * duplicate, never handled). Through the signed WeCom callback, on a real Redis behind a proxy that cuts the
 * connections when the chosen command is on the wire and refuses new ones until the app said what it did; and
 * DingTalk's reply through the API, which gave a busy text in an outage up the same way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/state/redis.js';
import * as dingtalk from '../support/dingtalk/harness.js';
import { localServerOf } from '../support/local.js';
import * as wecom from '../support/wecom/harness.js';
import { type RedisProxy, startRedisProxy } from './redis-proxy.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('[faults] no TEST_REDIS_URL: the Redis connection-cut tests are skipped');

const until = async (what: string, ok: () => boolean, h?: { logs: Record<string, unknown>[] }) => {
  for (let i = 0; !ok(); i++) {
    if (i > 1_000)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(h?.logs.map((l) => [l.msg, (l.err as { message?: string })?.message]))}`,
      );
    await new Promise((r) => setTimeout(r, 10));
  }
};
const logged = (h: { logs: Record<string, unknown>[] }, msg: string) => h.logs.some((l) => l.msg === msg);
const texts = (h: wecom.Harness, user: string) =>
  localServerOf(h.channel)
    .messagesTo(user)
    .map((m) => (m.body.text as { content?: string } | undefined)?.content);

describe.runIf(Boolean(redisUrl))('a Redis connection dropped under a command in flight (WeCom)', () => {
  let proxy: RedisProxy | undefined;
  let h: wecom.Harness | undefined;
  let n = 0;
  afterEach(async () => {
    await h?.stop();
    await h?.store.close();
    await proxy?.close();
    h = undefined;
    proxy = undefined;
  });
  const start = async (opts: wecom.HarnessOptions) => {
    proxy = await startRedisProxy(redisUrl ?? '');
    const store = createRedisStore(proxy.url, { prefix: `cut-${process.pid}-${n++}:` });
    h = await wecom.startHarness({ store, ...opts });
    return { h, proxy };
  };

  it('a late reply whose send met the cut is sent once Redis is back, not given up', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const { h, proxy } = await start({
      channel: { passiveBudgetMs: 50 },
      handle: async (m) => {
        await held;
        return [{ kind: 'text', text: `答复: ${m.kind === 'text' ? m.text : ''}` }];
      },
    });
    const cb = h.client.seal(h.client.text('cut-user', '补助进度'));
    // acknowledged empty: the bot is still at work, its reply will go through the API
    expect(await h.post(cb.path, cb.body)).toMatchObject({ status: 200, body: '' });
    // the reply's send reads the store first (the member's pacing, the API's rate-limit block, the token)
    proxy.cutOn((c) => /rate:|wecom:blocked:|wecom:token:/.test(c));
    release();
    await until(
      'the cut, and what the app made of it',
      () => {
        return (
          proxy.cuts() === 1 && (logged(h, 'reply waits for the shared store') || logged(h, 'reply could not be sent'))
        );
      },
      h,
    );
    proxy.restore();
    await h.background.idle();
    expect(logged(h, 'reply could not be sent')).toBe(false);
    expect(texts(h, 'cut-user')).toEqual(['答复: 补助进度']);
  });

  it('a failed turn whose mark release met the cut releases it once Redis is back: the resend is handled', async () => {
    let fail = true;
    const { h, proxy } = await start({
      handle: async (m) => {
        if (fail) {
          fail = false;
          // the cut is armed as the turn fails: the next thing on the wire is the release of the delivery mark
          proxy.cutOn((c) => /\bdel\b/i.test(c) && c.includes('wecom:seen:'));
          throw new Error('the bot failed');
        }
        return [{ kind: 'text', text: `答复: ${m.kind === 'text' ? m.text : ''}` }];
      },
    });
    const cb = h.client.seal(h.client.text('cut-user-2', '排名'));
    const busy = await h.post(cb.path, cb.body);
    if (!busy.body)
      throw new Error(
        `no passive answer: ${JSON.stringify(h.logs.map((l) => [l.msg, (l.err as { message?: string })?.message]))}`,
      );
    expect(h.client.openReply(busy.body).Content).toContain('繁忙');
    await until(
      'the cut, and what the app made of it',
      () => {
        return (
          proxy.cuts() === 1 &&
          (logged(h, 'delivery mark not released yet: the store is away, tried again') ||
            logged(h, 'delivery mark not released: the retry will be taken for a duplicate'))
        );
      },
      h,
    );
    proxy.restore();
    await h.background.idle();
    // the user sends it again, as the busy text asks (WeCom's own retry is the same message, byte for byte)
    const again = await h.post(cb.path, cb.body);
    expect(h.client.openReply(again.body).Content).toBe('答复: 排名');
    expect(h.handled).toHaveLength(2);
  });
});

describe.runIf(Boolean(redisUrl))('a Redis connection dropped under a command in flight (DingTalk)', () => {
  let proxy: RedisProxy | undefined;
  let h: dingtalk.Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    await h?.store.close();
    await proxy?.close();
    h = undefined;
    proxy = undefined;
  });

  it('a reply through the API whose send met the cut is sent once Redis is back, not given up', async () => {
    proxy = await startRedisProxy(redisUrl ?? '');
    const store = createRedisStore(proxy.url, { prefix: `cut-dt-${process.pid}:` });
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    h = await dingtalk.startHarness({
      store,
      handle: async (m) => {
        await held;
        return [{ kind: 'text', text: `答复: ${m.kind === 'text' ? m.text : ''}` }];
      },
    });
    const harness = h;
    const cut = proxy;
    // the sessionWebhook has expired: the reply goes through the API, whose send reads the store first (the
    // month's quota, the token)
    expect(
      (
        await harness.say(
          harness.client.text('cut-dt', '补助进度', {
            session: { url: 'http://127.0.0.1:9/x', expiresAt: Date.now() - 1 },
          }),
        )
      ).status,
    ).toBe(200);
    cut.cutOn((c) => /dingtalk:quota:|dingtalk:token:|token/.test(c));
    release();
    await until(
      'the cut, and what the app made of it',
      () =>
        cut.cuts() === 1 &&
        (logged(harness, 'reply waits for the shared store') || logged(harness, 'reply could not be sent')),
      harness,
    );
    cut.restore();
    await harness.background.idle();
    expect(logged(harness, 'reply could not be sent')).toBe(false);
    expect(
      localServerOf(harness.channel)
        .messagesTo('cut-dt')
        .map((m) => [m.api, m.param.content]),
    ).toEqual([['batchSend', '答复: 补助进度']]);
  });
});
