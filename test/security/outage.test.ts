/**
 * Issue #12: with the shared store or the database down the user was told nothing (a 500). Now every message is
 * answered: the busy text of the templates when the store is away (passively on WeCom, through DingTalk's
 * sessionWebhook), the bot's own error text when the database is; the platform's retry is handled exactly once
 * (when the store is back: handled; again: a duplicate); and every log line stays one JSON object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot/bot.js';
import { routeConsoleToLog } from '../../src/core/log.js';
import { must } from '../../src/core/must.js';
import { Outbox } from '../../src/core/outbox.js';
import { Templates } from '../../src/core/templates.js';
import { createDb } from '../../src/db/client.js';
import { createServices } from '../../src/services/index.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { createRedisStore } from '../../src/state/redis.js';
import type { KeyValueStore } from '../../src/state/store.js';
import * as dingtalk from '../support/dingtalk/harness.js';
import { localServerOf } from '../support/local.js';
import * as wecom from '../support/wecom/harness.js';

const templates = new Templates();
const BUSY = templates.render('system_busy');
const INTERNAL = templates.render('internal_error');

/** a store that can be switched off: every method throws while it is down */
function switchable(inner: KeyValueStore = createMemoryStore()) {
  const state = { down: false };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || prop === 'close') return v;
      return (...args: unknown[]) => {
        if (state.down) return Promise.reject(new Error('store down'));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, state };
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.reverse()) await s();
  stops = [];
});

/** the messages of the warnings and errors logged (each a JSON line: the harness parses every line it gets) */
const problems = (logs: Record<string, unknown>[]) => logs.filter((l) => Number(l.level) >= 40).map((l) => l.msg);

describe('the shared store down', () => {
  it('WeCom: the busy text passively, nothing handled; when it is back the retry is handled once', async () => {
    const { store, state } = switchable();
    const h = await wecom.startHarness({ store });
    stops.push(() => h.stop());
    const cb = h.client.seal(h.client.text('u1', '我参加了吗'));
    state.down = true;
    const r = await h.post(cb.path, cb.body);
    expect(r.status).toBe(200);
    expect(h.client.openReply(r.body).Content).toBe(BUSY);
    expect(h.handled).toEqual([]);
    expect(problems(h.logs)).toContain('shared store unavailable: message answered busy, not handled');

    state.down = false;
    const again = await h.post(cb.path, cb.body);
    expect(h.client.openReply(again.body).Content).toBe('echo: 我参加了吗');
    expect((await h.post(cb.path, cb.body)).body).toBe('');
    expect(h.handled).toHaveLength(1);
  });

  it('DingTalk: the busy text through the sessionWebhook, nothing handled; when it is back the retry is handled once', async () => {
    const { store, state } = switchable();
    const h = await dingtalk.startHarness({ store });
    stops.push(() => h.stop());
    const server = localServerOf(h.channel);
    const session = server.openSession({ userId: 'u2' });
    const body = h.client.text('u2', '我参加了吗', { session });
    const headers = h.client.headers();
    state.down = true;
    expect((await h.post('/dingtalk/callback', body, headers)).status).toBe(200);
    await h.background.idle();
    expect(server.messagesTo('u2').map((m) => [m.api, m.param.content])).toEqual([['sessionWebhook', BUSY]]);
    expect(h.handled).toEqual([]);
    expect(problems(h.logs)).toContain('dingtalk signature replay check failed: the shared store is unavailable');

    state.down = false;
    expect((await h.post('/dingtalk/callback', body, headers)).status).toBe(200);
    await h.background.idle();
    expect((await h.post('/dingtalk/callback', body, headers)).status).toBe(200);
    await h.background.idle();
    expect(h.handled).toHaveLength(1);
    expect(server.messagesTo('u2').map((m) => m.param.content)).toEqual([BUSY, 'echo: 我参加了吗']);
  });

  it('DingTalk over Stream: the busy text, nothing handled', async () => {
    const { store, state } = switchable();
    const h = await dingtalk.startHarness({ store, channel: { settings: { DINGTALK_MODE: 'stream' } } });
    stops.push(() => h.stop());
    const server = localServerOf(h.channel);
    state.down = true;
    const { ack } = await server.gateway.push(
      '/v1.0/im/bot/messages/get',
      h.client.text('u3', '你好', { session: server.openSession({ userId: 'u3' }) }),
    );
    expect(ack).toBeTruthy();
    await h.background.idle();
    expect(server.messagesTo('u3').map((m) => m.param.content)).toEqual([BUSY]);
    expect(h.handled).toEqual([]);
    // the SDK's own console output ("connect success") reached the log as a JSON line
    expect(h.logs.some((l) => l.source === 'console' && String(l.msg).includes('connect success'))).toBe(true);
  });
});

const redisBin = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => fs.existsSync(p));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    must(redisBin, 'a redis-server binary (the suite is skipped without one)'),
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stopProcess = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe.skipIf(!redisBin)('a real Redis stopped and started again', () => {
  it('WeCom: answered busy while it is down; the retry is handled once when it is back', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    stops.push(() => stopProcess(redis));
    const store = createRedisStore(`redis://127.0.0.1:${port}`, { prefix: `outage-${process.pid}:` });
    stops.push(() => store.close());
    const h = await wecom.startHarness({ store });
    stops.push(() => h.stop());

    const ok = h.client.seal(h.client.text('u4', '第一句'));
    expect(h.client.openReply((await h.post(ok.path, ok.body)).body).Content).toBe('echo: 第一句');

    await stopProcess(redis);
    const cb = h.client.seal(h.client.text('u4', '第二句'));
    const r = await h.post(cb.path, cb.body);
    expect(r.status).toBe(200);
    expect(h.client.openReply(r.body).Content).toBe(BUSY);
    expect(h.handled).toHaveLength(1);

    redis = await startRedis(port);
    // wait until the client has reconnected (a condition, not a sleep)
    for (;;) {
      try {
        await store.get('ping');
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(h.client.openReply((await h.post(cb.path, cb.body)).body).Content).toBe('echo: 第二句');
    expect((await h.post(cb.path, cb.body)).body).toBe('');
    expect(h.handled.map((m) => (m.kind === 'text' ? m.text : m.kind))).toEqual(['第一句', '第二句']);
  });
});

describe('the database down (a dead PostgreSQL under the real bot)', () => {
  const deadBot = (store: KeyValueStore) => {
    const db = createDb('postgresql://huzhu@127.0.0.1:1/huzhu');
    stops.push(() => db.$disconnect().catch(() => undefined));
    const { log } = wecom.captureLog();
    return createBot({
      services: createServices({ db, store, log }),
      store,
      log,
      templates,
      outbox: new Outbox(),
      hashKey: 'test',
      now: () => new Date(),
    });
  };

  it('WeCom: the bot’s error text passively; the retry is a duplicate (handled exactly once)', async () => {
    const store = createMemoryStore();
    const h = await wecom.startHarness({ store, handle: deadBot(store) });
    stops.push(() => h.stop());
    const cb = h.client.seal(h.client.text('u5', '我参加了吗'));
    const r = await h.post(cb.path, cb.body);
    expect(h.client.openReply(r.body).Content).toBe(INTERNAL);
    expect((await h.post(cb.path, cb.body)).body).toBe('');
    expect(h.handled).toHaveLength(1);
  });

  it('DingTalk: the bot’s error text through the sessionWebhook; the retry is a duplicate', async () => {
    const store = createMemoryStore();
    const h = await dingtalk.startHarness({ store, handle: deadBot(store) });
    stops.push(() => h.stop());
    const server = localServerOf(h.channel);
    const body = h.client.text('u6', '我参加了吗', { session: server.openSession({ userId: 'u6' }) });
    await h.say(body);
    await h.background.idle();
    await h.say(body);
    await h.background.idle();
    expect(server.messagesTo('u6').map((m) => [m.api, m.param.content])).toEqual([['sessionWebhook', INTERNAL]]);
    expect(h.handled).toHaveLength(1);
  });
});

describe('console output of libraries', () => {
  it('becomes one JSON log line per call, an Error with its stack inside the line; the console is restored', () => {
    const lines: string[] = [];
    const log = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _e, cb) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          cb();
        },
      }),
    );
    const original = console.warn;
    const restore = routeConsoleToLog(log);
    console.warn('ERROR', new Error('socket hang up'));
    console.info('[2026-03-02T02:17:00.000Z] connect success');
    console.error('ID 460100199211250029 rejected');
    restore();
    expect(console.warn).toBe(original);
    expect(lines).toHaveLength(3);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ level: 40, source: 'console', msg: 'ERROR', err: { message: 'socket hang up' } });
    expect(String((parsed[0]?.err as { stack?: string } | undefined)?.stack)).toContain('\n');
    expect(parsed[1]).toMatchObject({ level: 30, msg: '[2026-03-02T02:17:00.000Z] connect success' });
    expect(must(parsed[2], 'the third line').msg).not.toContain('460100199211250029');
  });
});
