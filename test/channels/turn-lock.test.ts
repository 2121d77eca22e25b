/**
 * One lock per message on the hot path (issue #17): the receive pipeline takes the sender's turn lock for the whole
 * handling and tells the bot it holds it, so the bot does not take a second, per-user lock of its own. Through the
 * whole app (local mode, the real bot), a signed WeCom callback: the turn is taken once, under the bot's key; the
 * bot called directly (the load bench's bare handler) still takes it itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WecomChannel } from '../../src/channels/wecom/index.js';
import type { LocalWecomChannel } from '../../src/local/wecom/channel.js';
import type { KeyValueStore } from '../../src/state/store.js';
import { turnLockKey } from '../../src/state/turn.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { WecomTestClient } from '../support/wecom/client.js';

describe('the sender’s turn: one lock per message', () => {
  let t: TestApp;
  const locks: string[] = [];
  beforeAll(async () => {
    t = await startTestApp({ schedules: false });
    const store: KeyValueStore = t.app.store;
    const inner = store.withLock.bind(store);
    // the bot and the pipeline share this store object: each lock either takes is seen here
    store.withLock = (key, ttl, fn, wait) => {
      locks.push(key);
      return inner(key, ttl, fn, wait);
    };
  }, 120_000);
  afterAll(async () => t?.stop(), 60_000);

  it('a signed WeCom message is handled under the bot’s turn lock, taken once, by the pipeline', async () => {
    const wecom = t.app.channels.get('wecom') as WecomChannel & LocalWecomChannel;
    const c = wecom.credentials;
    const client = new WecomTestClient(
      { corpId: c.corpId, token: c.token, encodingAesKey: c.encodingAesKey, agentId: c.agentId },
      t.app.now,
    );
    locks.length = 0;
    const cb = client.seal(client.text('demo-worker-1', '我参加了吗'));
    const res = await fetch(t.app.url + cb.path, { method: 'POST', body: cb.body });
    expect(res.status).toBe(200);
    expect(client.openReply(await res.text()).Content).toBeTruthy();
    await t.app.background.idle();
    expect(locks.filter((k) => k.startsWith('turn:') || k.startsWith('order:'))).toEqual([
      turnLockKey('wecom', 'demo-worker-1'),
    ]);
  });

  it('the bot called directly takes the turn lock itself', async () => {
    locks.length = 0;
    const replies = await t.app.handle({
      platform: 'wecom',
      userId: 'demo-worker-2',
      kind: 'text',
      text: '我参加了吗',
      dedupeKey: 'direct-1',
      receivedAt: t.app.now(),
    });
    expect(replies.length).toBeGreaterThan(0);
    expect(locks).toEqual([turnLockKey('wecom', 'demo-worker-2')]);
  });
});
