/**
 * Two app instances behind one callback URL, sharing one real Redis (issue 3 "done when"): WeCom's deliveries and
 * retries land on either; each message is handled and answered once, and the access token is fetched once.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage, OutboundMessage } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { DEMO_CREDENTIALS } from '../../../src/local/wecom/demo.js';
import { LocalWecomServer } from '../../../src/local/wecom/local-server.js';
import { createRedisStore } from '../../../src/state/redis.js';
import { type Harness, startHarness } from '../../support/wecom/harness.js';

const redisUrl = process.env.TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function twoInstances(handle: (m: InboundMessage) => Promise<OutboundMessage[]>, passiveBudgetMs = 3000) {
  const server = await LocalWecomServer.start();
  cleanup.push(() => server.close());
  const prefix = `t:${randomUUID()}:`;
  const env = {
    WECOM_CORP_ID: DEMO_CREDENTIALS.corpId,
    WECOM_TOKEN: DEMO_CREDENTIALS.token,
    WECOM_ENCODING_AES_KEY: DEMO_CREDENTIALS.encodingAesKey,
    WECOM_AGENT_ID: String(DEMO_CREDENTIALS.agentId),
    WECOM_SECRET: DEMO_CREDENTIALS.secret,
    WECOM_API_BASE: server.url,
  };
  const apps: Harness[] = [];
  for (let i = 0; i < 2; i++) {
    const store = createRedisStore(must(redisUrl, 'TEST_REDIS_URL (the suite is skipped without it)'), { prefix });
    const h = await startHarness({ store, env, handle, channel: { passiveBudgetMs } });
    cleanup.push(async () => {
      await h.stop();
      await store.close();
    });
    apps.push(h);
  }
  return { server, a: must(apps[0], 'the first instance'), b: must(apps[1], 'the second instance') };
}

describe.skipIf(!redisUrl)('two app instances sharing one Redis', () => {
  it('every message delivered to both at once is handled once and answered once', async () => {
    let handled = 0;
    const { server, a, b } = await twoInstances(async (m) => {
      handled++;
      await sleep(30);
      return [{ kind: 'text', text: `reply to ${m.dedupeKey}` }];
    });
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const cb = a.client.seal(a.client.text(`user${i % 5}`, `第${i}条`));
        const [ra, rb] = await Promise.all([a.post(cb.path, cb.body), b.post(cb.path, cb.body)]);
        return [ra, rb].filter((r) => r.body !== '').map((r) => a.client.openReply(r.body).Content);
      }),
    );
    await Promise.all([a.background.idle(), b.background.idle()]);
    expect(handled).toBe(30);
    expect(results.every((replies) => replies.length === 1)).toBe(true);
    expect(server.allMessages()).toHaveLength(0);
  });

  it('slow answers (through the API) are sent once, and the token is fetched once for both', async () => {
    let handled = 0;
    const { server, a, b } = await twoInstances(async () => {
      handled++;
      await sleep(120);
      return [{ kind: 'text', text: 'later' }];
    }, 50);
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const cb = a.client.seal(a.client.text(`slow${i}`, 'x'));
        await Promise.all([
          a.post(cb.path, cb.body),
          sleep(10).then(() => b.post(cb.path, cb.body)),
          sleep(80).then(() => a.post(cb.path, cb.body)),
        ]);
      }),
    );
    await Promise.all([a.background.idle(), b.background.idle()]);
    expect(handled).toBe(10);
    for (let i = 0; i < 10; i++) expect(server.messagesTo(`slow${i}`)).toHaveLength(1);
    expect(server.requests('/cgi-bin/gettoken')).toHaveLength(1);
  });
});
