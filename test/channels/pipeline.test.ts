/**
 * The receive pipeline (src/channels/pipeline.ts) through DingTalk's HTTP callback, where answers are sent after the
 * HTTP request: one user's messages are handled and answered in the order they came, across a slow first one;
 * another user is not held up by them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage, OutboundMessage } from '../../src/core/messages.js';
import { createMemoryStore } from '../../src/state/memory.js';
import type { KeyValueStore } from '../../src/state/store.js';
import { turnLockKey } from '../../src/state/turn.js';
import { type Harness, startHarness } from '../support/dingtalk/harness.js';
import { localServerOf } from '../support/local.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** a memory store that tells who asked for a lock, and which deliveries were marked */
function watchedStore() {
  const inner = createMemoryStore();
  const locks: string[] = [];
  const marks: string[] = [];
  const store: KeyValueStore = {
    ...inner,
    withLock(key, ttl, fn, wait) {
      locks.push(key);
      return inner.withLock(key, ttl, fn, wait);
    },
    setIfAbsent(key, value, ttl) {
      marks.push(key);
      return inner.setIfAbsent(key, value, ttl);
    },
  };
  return { store, locks, marks };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('per-user order', () => {
  it('a quick second message waits for the slow first one: handled and answered in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { store, locks, marks } = watchedStore();
    const handle = async (m: InboundMessage): Promise<OutboundMessage[]> => {
      const text = m.kind === 'text' ? m.text : m.kind;
      if (text === '慢') await gate;
      return [{ kind: 'text', text: `echo: ${text}` }];
    };
    h = await startHarness({ store, handle });
    const server = localServerOf(h.channel);
    const session = server.openSession({ userId: 'u1' });
    const other = server.openSession({ userId: 'u2' });
    await h.say(h.client.text('u1', '慢', { session }));
    await h.say(h.client.text('u1', '快', { session }));
    // the second has arrived (its delivery is marked) and waits in this process for the first's turn to end: it
    // asks for the shared lock only then, so the sender's messages take it in the order they came
    const turns = () => locks.filter((k) => k === turnLockKey('dingtalk', 'u1')).length;
    await until(() => marks.filter((k) => k.includes(':seen:')).length === 2);
    expect(turns()).toBe(1);
    // another user goes ahead meanwhile
    await h.say(h.client.text('u2', '别人', { session: other }));
    await until(() => server.messagesTo('u2').length === 1);
    expect(h.handled.map((m) => (m.kind === 'text' ? m.text : m.kind))).toEqual(['慢', '别人']);
    release();
    await h.background.idle();
    expect(turns()).toBe(2);
    expect(server.messagesTo('u1').map((m) => m.param.content)).toEqual(['echo: 慢', 'echo: 快']);
  });
});

describe('the turn is released before the reply is sent', () => {
  it('a slow sessionWebhook does not hold the same user’s next message; each reply is sent once, in order', async () => {
    h = await startHarness();
    const server = localServerOf(h.channel);
    const session = server.openSession({ userId: 'u1' });
    // DingTalk is slow to take the first reply: its POST is held until released
    const slow = server.holdNext('/robot/sendBySession');
    await h.say(h.client.text('u1', '一', { session }));
    await slow.arrived;
    // the first reply's HTTP call is still open: the second message is handled meanwhile
    await h.say(h.client.text('u1', '二', { session }));
    await until(() => h?.handled.length === 2);
    expect(h.handled.map((m) => (m.kind === 'text' ? m.text : m.kind))).toEqual(['一', '二']);
    // its reply waits behind the first one: nothing reached the user yet
    expect(server.messagesTo('u1')).toEqual([]);
    slow.release();
    await h.background.idle();
    expect(server.messagesTo('u1').map((m) => m.param.content)).toEqual(['echo: 一', 'echo: 二']);
    expect(server.requests('/robot/sendBySession')).toHaveLength(2);
  });
});
