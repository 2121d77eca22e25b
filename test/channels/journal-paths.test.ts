/**
 * Every way a message is answered leaves the inbound journal empty once the answer is out (no entry left to be
 * taken over and answered a second time after a later restart), and an acknowledgement never leaves before the
 * message is in it. Through the signed callbacks, on the Redis store when the suite has one (the memory store
 * otherwise): WeCom's passive answer, its empty answer and reply through the API (a slow bot), its busy answer;
 * DingTalk's robot message (answered through the sessionWebhook) and its card click; a platform's retry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBackground } from '../../src/background.js';
import { createInboundRecovery, type InboundRecovery } from '../../src/channels/journal-worker.js';
import { must } from '../../src/core/must.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { createRedisStore } from '../../src/state/redis.js';
import type { KeyValueStore } from '../../src/state/store.js';
import * as dingtalk from '../support/dingtalk/harness.js';
import { localServerOf } from '../support/local.js';
import * as wecom from '../support/wecom/harness.js';

let n = 0;
const open: { store: KeyValueStore; recovery: InboundRecovery }[] = [];
function journaled(): { store: KeyValueStore; recovery: InboundRecovery } {
  const url = process.env.TEST_REDIS_URL;
  const store = url ? createRedisStore(url, { prefix: `jp${process.pid}-${n++}:` }) : createMemoryStore();
  const { log } = wecom.captureLog();
  const recovery = createInboundRecovery(must(store.journal, 'both stores journal')(), log, createBackground(log));
  open.push({ store, recovery });
  return { store, recovery };
}
const until = async (what: string, ok: () => Promise<boolean> | boolean) => {
  const end = Date.now() + 10_000;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let wh: wecom.Harness | undefined;
let dh: dingtalk.Harness | undefined;
afterEach(async () => {
  await wh?.stop();
  await dh?.stop();
  wh = undefined;
  dh = undefined;
  for (const o of open.splice(0)) {
    await o.recovery.stop();
    await o.store.close();
  }
});

describe('the journal empties on every answer path', () => {
  it('WeCom: passive answer, empty answer then the API, busy answer, retry', async () => {
    const { store, recovery } = journaled();
    let release = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    let fail = true;
    wh = await wecom.startHarness({
      store,
      recovery,
      channel: { passiveBudgetMs: 200 },
      handle: async (m) => {
        const text = m.kind === 'text' ? m.text : '';
        if (text === 'slow') await slow;
        if (text === 'fail' && fail) {
          fail = false;
          throw new Error('db down');
        }
        return [{ kind: 'text', text: `echo: ${text}` }];
      },
    });
    const h = wh;
    const size = () => recovery.journal.size();
    const post = async (user: string, text: string) => {
      const cb = h.client.seal(h.client.text(user, text));
      return { cb, r: await h.post(cb.path, cb.body) };
    };

    const quick = await post('u1', 'hi');
    expect(h.client.openReply(quick.r.body).Content).toBe('echo: hi');
    await until('the passive answer’s entry removed', async () => (await size()) === 0);

    const late = await post('u2', 'slow');
    // acknowledged empty: the message is in the journal, not answered yet
    expect(late.r.body).toBe('');
    expect(await size()).toBe(1);
    release();
    await until('the reply through the API', () =>
      localServerOf(h.channel)
        .messagesTo('u2')
        .some((m) => JSON.stringify(m.body).includes('echo: slow')),
    );
    await until('the late answer’s entry removed', async () => (await size()) === 0);

    const busy = await post('u3', 'fail');
    expect(h.client.openReply(busy.r.body).Content).toContain('繁忙');
    await until('the busy answer’s entry removed', async () => (await size()) === 0);
    // the retry the busy text asks for is handled (the mark was released), and leaves nothing either
    const retried = await h.post(busy.cb.path, busy.cb.body);
    expect(h.client.openReply(retried.body).Content).toBe('echo: fail');
    // and WeCom's retry of a handled message is a duplicate: no entry
    expect((await h.post(quick.cb.path, quick.cb.body)).body).toBe('');
    await until('nothing left', async () => (await size()) === 0);
    expect(await recovery.journal.deadLetters()).toEqual([]);
  });

  it('WeCom: a caller that gave up before the passive answer (its connection closed): the entry still goes', async () => {
    const { store, recovery } = journaled();
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = false;
    wh = await wecom.startHarness({
      store,
      recovery,
      channel: { passiveBudgetMs: 10_000 },
      handle: async (m) => {
        started = true;
        await gate;
        return [{ kind: 'text', text: `echo: ${m.kind === 'text' ? m.text : ''}` }];
      },
    });
    const h = wh;
    const cb = h.client.seal(h.client.text('u9', 'hello'));
    const abort = new AbortController();
    const posting = fetch(h.url + cb.path, { method: 'POST', body: cb.body, signal: abort.signal }).catch(() => null);
    await until('the turn started', () => started);
    // WeCom stops waiting (its 5 s): the connection closes before the answer is written
    abort.abort();
    await posting;
    release();
    await until('the entry removed', async () => (await recovery.journal.size()) === 0);
    await h.background.idle();
  });

  it('DingTalk: a robot message (acknowledged once journaled) and a card click; a retry', async () => {
    const { store, recovery } = journaled();
    let release = () => {};
    const stuck = new Promise<void>((r) => {
      release = r;
    });
    dh = await dingtalk.startHarness({
      store,
      recovery,
      handle: async (m) => {
        if (m.kind === 'text' && m.text === 'wait') await stuck;
        return [{ kind: 'text', text: m.kind === 'text' ? `echo: ${m.text}` : `clicked ${m.kind}` }];
      },
    });
    const h = dh;
    const server = localServerOf(h.channel);
    const size = () => recovery.journal.size();
    const session = server.openSession({ userId: 'd1' });
    const body = h.client.text('d1', 'wait', { session });
    // the 200 has left: the message is in the journal, its turn still waiting
    expect((await h.say(body)).status).toBe(200);
    expect(await size()).toBe(1);
    release();
    await until('the sessionWebhook answer', () =>
      server.messagesTo('d1').some((m) => JSON.stringify(m.body).includes('echo: wait')),
    );
    await until('the message’s entry removed', async () => (await size()) === 0);
    // DingTalk's retry of the same message: a duplicate, no entry
    expect((await h.say(body)).status).toBe(200);
    const click = h.client.cardClick('officer1', 'claim-1-l1-a', 'approve:1');
    expect((await h.post('/dingtalk/card-callback', click, h.client.cardHeaders())).status).toBe(200);
    await until('the click’s entry removed', async () => (await size()) === 0);
    expect(server.messagesTo('d1').filter((m) => JSON.stringify(m.body).includes('echo: wait'))).toHaveLength(1);
    expect(await recovery.journal.deadLetters()).toEqual([]);
  });
});
