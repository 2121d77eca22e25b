/**
 * Two app instances on one real Redis with configured credentials against one DingTalk (the local server): one in
 * HTTP mode, one in Stream mode (issue 8: "the same msgId twice (HTTP or Stream) → handled once, across
 * instances"). The access token is fetched once between them and the month's call count is one number.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage, OutboundMessage } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { DEMO_CREDENTIALS } from '../../../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../../../src/local/dingtalk/local-server.js';
import { createRedisStore } from '../../../src/state/redis.js';
import { type Harness, startHarness } from '../../support/dingtalk/harness.js';

const redisUrl = process.env.TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function twoInstances(handle: (m: InboundMessage) => Promise<OutboundMessage[]>) {
  const server = await LocalDingtalkServer.start();
  cleanup.push(() => server.close());
  const prefix = `t:${randomUUID()}:`;
  const env = {
    DINGTALK_APP_KEY: DEMO_CREDENTIALS.appKey,
    DINGTALK_APP_SECRET: DEMO_CREDENTIALS.appSecret,
    DINGTALK_ROBOT_CODE: DEMO_CREDENTIALS.robotCode,
    DINGTALK_API_BASE: server.url,
    DINGTALK_OAPI_BASE: server.url,
  };
  const apps: Harness[] = [];
  for (const mode of ['http', 'stream'] as const) {
    const store = createRedisStore(must(redisUrl, 'TEST_REDIS_URL (the suite is skipped without it)'), { prefix });
    const h = await startHarness({
      store,
      env,
      handle,
      channel: {
        settings: {
          DINGTALK_MODE: mode,
          DINGTALK_CORP_ID: DEMO_CREDENTIALS.corpId,
          DINGTALK_CARD_API_SECRET: DEMO_CREDENTIALS.cardApiSecret,
          DINGTALK_CARD_TEMPLATE_ID: 'tpl.schema',
        },
      },
    });
    cleanup.push(async () => {
      await h.stop();
      await store.close();
    });
    apps.push(h);
  }
  return { server, http: must(apps[0], 'the HTTP instance'), stream: must(apps[1], 'the Stream instance') };
}

describe.skipIf(!redisUrl)('two instances, HTTP and Stream, sharing one Redis', () => {
  it('runs on the configured credentials and bases, in the mode asked', async () => {
    const { server, http, stream } = await twoInstances(async () => []);
    expect([http.channel.mode, stream.channel.mode]).toEqual(['http', 'stream']);
    expect(http.channel.localServer).toBeUndefined();
    expect(http.channel.apiBase).toBe(server.url);
    expect(server.gateway.connections()).toBe(1);
  });

  it('every message delivered to both at once (HTTP to one, Stream to the other) is handled once and answered once', async () => {
    let handled = 0;
    const { server, http, stream } = await twoInstances(async (m) => {
      handled++;
      await sleep(20);
      return [{ kind: 'text', text: `reply to ${m.dedupeKey}` }];
    });
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const userId = `user${i % 5}`;
        const body = http.client.text(userId, `第${i}条`, { session: server.openSession({ userId }) });
        const [r] = await Promise.all([http.say(body), server.gateway.push('/v1.0/im/bot/messages/get', body)]);
        expect(r.status).toBe(200);
      }),
    );
    await http.background.idle();
    await stream.background.idle();
    expect(handled).toBe(30);
    const replies = server.allMessages().filter((m) => m.api === 'sessionWebhook');
    expect(replies).toHaveLength(30);
    expect(new Set(replies.map((m) => m.param.content)).size).toBe(30);
  });

  it('the access token is fetched once between them; the month’s count is shared', async () => {
    const { server, http, stream } = await twoInstances(async () => []);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? http : stream).channel.sender.send({ userIds: [`rep${i}`] }, { kind: 'text', text: `第${i}名` }),
      ),
    );
    expect(server.requests('/v1.0/oauth2/accessToken')).toHaveLength(1);
    expect(await http.channel.quota.used()).toBe(server.callsCounted());
    expect(await stream.channel.quota.used()).toBe(server.callsCounted());
  });
});
