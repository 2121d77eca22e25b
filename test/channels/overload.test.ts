/**
 * An overload through the signed callbacks (issue #17): more messages than the bot may handle at once arrive while
 * it is stuck. Every callback is answered over HTTP before the bot gets through any of them (the acks never wait on
 * the bot's work), no more handlers run than the bound, and once it goes on every message is handled exactly once
 * (the platform's retries of queued messages are duplicates) and each sender's replies come in the order they wrote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmission } from '../../src/channels/admission.js';
import type { InboundMessage, OutboundMessage } from '../../src/core/messages.js';
import { Templates } from '../../src/core/templates.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { type KeyValueStore, StoreUnavailableError } from '../../src/state/store.js';
import * as dingtalk from '../support/dingtalk/harness.js';
import { localServerOf } from '../support/local.js';
import * as wecom from '../support/wecom/harness.js';

const USERS = 6;
const EACH = 4;
const BOUND = 2;

/** a bot that is stuck until released, and counts how many of it run at once */
function stuckBot() {
  let release = () => {};
  const stuck = new Promise<void>((r) => {
    release = r;
  });
  const seen = { running: 0, most: 0, started: 0 };
  const handle = async (m: InboundMessage): Promise<OutboundMessage[]> => {
    seen.started++;
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    await stuck;
    // a turn that yields a few times, as a real one does (the store, the database)
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    seen.running--;
    return [{ kind: 'text', text: `echo: ${m.kind === 'text' ? m.text : m.kind}` }];
  };
  return { handle, release, seen };
}

/** user u's k-th message */
const said = (u: number, k: number) => `u${u}-${k}`;
/** what each user wrote, in order, interleaved across users as a crowd writes */
const crowd = () => Array.from({ length: EACH }, (_, k) => Array.from({ length: USERS }, (_, u) => ({ u, k }))).flat();
const expected = (u: number) => Array.from({ length: EACH }, (_, k) => `echo: ${said(u, k)}`);
const byUser = (handled: InboundMessage[], u: number) =>
  handled.filter((m) => m.userId === `user${u}`).map((m) => (m.kind === 'text' ? m.text : m.kind));

describe('overload: every callback answered, order kept, exactly once', () => {
  let wh: wecom.Harness | undefined;
  let dh: dingtalk.Harness | undefined;
  afterEach(async () => {
    await wh?.stop();
    await dh?.stop();
    wh = undefined;
    dh = undefined;
  });

  it('WeCom: all acknowledged while the bot is stuck; the retries are duplicates; the replies through the API in order', async () => {
    const bot = stuckBot();
    wh = await wecom.startHarness({
      handle: bot.handle,
      admission: createAdmission(BOUND),
      channel: { passiveBudgetMs: 50 },
    });
    const h = wh;
    const calls = crowd().map(({ u, k }) => h.client.seal(h.client.text(`user${u}`, said(u, k))));
    // every callback at once, each of the first user's messages delivered twice (WeCom's retry)
    const retries = calls.filter((_, i) => i % USERS === 0);
    const answers = await Promise.all([...calls, ...retries].map((cb) => h.post(cb.path, cb.body)));
    // answered while the bot has not finished a single message
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.map((a) => a.body)).toEqual(answers.map(() => ''));
    expect(bot.seen.started).toBe(BOUND);

    bot.release();
    await h.background.idle();
    expect(bot.seen.most).toBe(BOUND);
    expect(h.handled).toHaveLength(USERS * EACH);
    const server = localServerOf(h.channel);
    for (let u = 0; u < USERS; u++) {
      expect(byUser(h.handled, u)).toEqual(expected(u).map((t) => t.slice('echo: '.length)));
      const texts = server
        .messagesTo(`user${u}`)
        .map((m) => (m.body[m.msgtype] as { content?: string } | undefined)?.content);
      expect(texts).toEqual(expected(u));
    }
  });

  it('WeCom: once the queue is longer than the passive budget, a callback is acknowledged without waiting for it', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    // the gate's clock: a turn "takes" 10 s when the bot says so, so the expected wait is known without timing
    let clock = 0;
    const admission = createAdmission(1, () => clock);
    wh = await wecom.startHarness({
      admission,
      channel: { passiveBudgetMs: 5_000 },
      handle: async (m) => {
        const text = m.kind === 'text' ? m.text : '';
        if (text === 'warm') clock += 10_000;
        else await held;
        return [{ kind: 'text', text: `echo: ${text}` }];
      },
    });
    const h = wh;
    const warm = h.client.seal(h.client.text('user0', 'warm'));
    expect(h.client.openReply((await h.post(warm.path, warm.body)).body).Content).toBe('echo: warm');
    // the next one takes the slot and is stuck; its own answer may wait (it was first in line)
    const blocked = h.client.seal(h.client.text('user1', 'blocked'));
    const pending = h.post(blocked.path, blocked.body);
    await until(() => admission.load().running === 1);
    // behind it, a turn of 10 s each: more than the 5 s budget, so these are acknowledged at once, empty
    const queued = [2, 3, 4].map((u) => h.client.seal(h.client.text(`user${u}`, `q${u}`)));
    const answers = await Promise.all(queued.map((cb) => h.post(cb.path, cb.body)));
    expect(answers.map((a) => [a.status, a.body])).toEqual(queued.map(() => [200, '']));
    release();
    expect(h.client.openReply((await pending).body).Content).toBe('echo: blocked');
    await h.background.idle();
    expect(h.handled.map((m) => (m.kind === 'text' ? m.text : ''))).toEqual(['warm', 'blocked', 'q2', 'q3', 'q4']);
    const server = localServerOf(h.channel);
    for (const u of [2, 3, 4])
      expect(server.messagesTo(`user${u}`).map((m) => (m.body.text as { content?: string }).content)).toEqual([
        `echo: q${u}`,
      ]);
  });

  it('DingTalk: every message accepted while the bot is stuck; each handled once, replies in each sender’s order', async () => {
    const bot = stuckBot();
    dh = await dingtalk.startHarness({ handle: bot.handle, admission: createAdmission(BOUND) });
    const h = dh;
    const server = localServerOf(h.channel);
    const sessions = Array.from({ length: USERS }, (_, u) => server.openSession({ userId: `user${u}` }));
    const bodies = crowd().map(({ u, k }) => h.client.text(`user${u}`, said(u, k), { session: sessions[u] }));
    for (const body of bodies) expect((await h.say(body)).status).toBe(200);
    // the same delivery again (Stream/HTTP retry of the first user's messages)
    for (const body of bodies.filter((_, i) => i % USERS === 0)) expect((await h.say(body)).status).toBe(200);
    expect(bot.seen.started).toBe(BOUND);

    bot.release();
    await h.background.idle();
    expect(bot.seen.most).toBe(BOUND);
    expect(h.handled).toHaveLength(USERS * EACH);
    for (let u = 0; u < USERS; u++) {
      expect(byUser(h.handled, u)).toEqual(expected(u).map((t) => t.slice('echo: '.length)));
      expect(server.messagesTo(`user${u}`).map((m) => m.param.content)).toEqual(expected(u));
    }
  });
});

/** a store that is away (as Redis while it restarts: every read and delete refused at once) while `away` is set */
function flakyStore() {
  const inner = createMemoryStore();
  const state = { away: false, refused: 0, loseNextAnswer: false, marks: new Set<string>() };
  const check = () => {
    if (state.away) {
      state.refused++;
      throw new StoreUnavailableError('redis unavailable (reconnecting)');
    }
  };
  const store: KeyValueStore = {
    ...inner,
    async get(key) {
      check();
      return inner.get(key);
    },
    async del(key) {
      check();
      state.marks.delete(key);
      return inner.del(key);
    },
    async update(key, fn, ttl) {
      check();
      const v = await inner.update(key, fn, ttl);
      if (v === null) state.marks.delete(key);
      return v;
    },
    async setIfAbsent(key, value, ttl) {
      const set = await inner.setIfAbsent(key, value, ttl);
      if (set && key.includes(':seen:')) state.marks.add(key);
      if (state.loseNextAnswer) {
        // Redis stopped as it answered: the mark is set, the caller hears only the broken connection
        state.loseNextAnswer = false;
        throw new StoreUnavailableError('redis unavailable (close)');
      }
      return set;
    },
  };
  return { store, state };
}

describe('a Redis restart loses no answer', () => {
  let h: wecom.Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('WeCom: a reply owed through the API waits until the store is back, and is sent once', async () => {
    const { store, state } = flakyStore();
    let finish = () => {};
    const handled = new Promise<void>((r) => {
      finish = r;
    });
    h = await wecom.startHarness({
      store,
      channel: { passiveBudgetMs: 50 },
      handle: async () => {
        await handled;
        // the store goes away as the turn ends: the API's token cannot be read
        state.away = true;
        return [{ kind: 'text', text: '已收到' }];
      },
    });
    const cb = h.client.seal(h.client.text('u1', '进度'));
    expect(await h.post(cb.path, cb.body)).toMatchObject({ status: 200, body: '' });
    finish();
    await until(() => state.refused > 0);
    state.away = false;
    await h.background.idle();
    const server = localServerOf(h.channel);
    expect(server.messagesTo('u1').map((m) => (m.body.text as { content?: string }).content)).toEqual(['已收到']);
  });

  it('WeCom: a mark set as Redis went away (its answer lost) is removed, so the resend is handled once', async () => {
    const { store, state } = flakyStore();
    h = await wecom.startHarness({ store });
    const cb = h.client.seal(h.client.text('u3', '在吗'));
    state.loseNextAnswer = true;
    const first = await h.post(cb.path, cb.body);
    expect(h.client.openReply(first.body).Content).toBe(new Templates().render('system_busy'));
    // the mark the lost answer left behind goes (the store is back at once here)
    await until(() => state.marks.size === 0);
    const again = await h.post(cb.path, cb.body);
    expect(h.client.openReply(again.body).Content).toBe('echo: 在吗');
    // and once only: the platform's next retry is a duplicate
    expect((await h.post(cb.path, cb.body)).body).toBe('');
    expect(h.handled).toHaveLength(1);
  });

  it('WeCom: a failed turn’s mark is released once the store is back, so the resend is handled', async () => {
    const { store, state } = flakyStore();
    let calls = 0;
    h = await wecom.startHarness({
      store,
      handle: async () => {
        calls++;
        if (calls === 1) {
          // the store goes away mid-turn: the turn fails, and its mark cannot be released now
          state.away = true;
          throw new Error('redis went away');
        }
        return [{ kind: 'text', text: 'ok now' }];
      },
    });
    const cb = h.client.seal(h.client.text('u2', 'x'));
    const first = await h.post(cb.path, cb.body);
    expect(h.client.openReply(first.body).Content).toBe(new Templates().render('system_busy'));
    state.away = false;
    await h.background.idle();
    const again = await h.post(cb.path, cb.body);
    expect(h.client.openReply(again.body).Content).toBe('ok now');
    expect(calls).toBe(2);
  });
});

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};
