/**
 * A DingTalk channel mounted on a real Koa server for the channel tests: real store (memory or Redis), real
 * background tracker, a captured log, a fake `handle` in place of the bot (the channel must not care what the bot
 * is), and either the local mode's channel (its own local DingTalk server, demo credentials) or, when `env`
 * configures DINGTALK_APP_KEY/SECRET, the production channel exactly as configured.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Koa from 'koa';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createBackground } from '../../../src/background.js';
import type { Admission } from '../../../src/channels/admission.js';
import type { Background } from '../../../src/channels/channel.js';
import { createDingtalkChannelWith } from '../../../src/channels/dingtalk/index.js';
import type { InboundRecovery } from '../../../src/channels/journal-worker.js';
import { configuredPlatforms, loadConfig } from '../../../src/config.js';
import type { Log } from '../../../src/core/log.js';
import type { InboundMessage, OutboundMessage, Reply } from '../../../src/core/messages.js';
import {
  createLocalDingtalkChannel,
  type LocalDingtalkChannel,
  type LocalDingtalkOptions,
} from '../../../src/local/dingtalk/channel.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import type { KeyValueStore } from '../../../src/state/store.js';
import type { HandleOptions } from '../../../src/state/turn.js';
import { DingtalkTestClient } from './client.js';

export interface Harness {
  url: string;
  channel: LocalDingtalkChannel;
  client: DingtalkTestClient;
  background: Background;
  store: KeyValueStore;
  logs: Record<string, unknown>[];
  handled: InboundMessage[];
  post(
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string; ms: number }>;
  /** a robot message, signed now, to /dingtalk/callback */
  say(body: Record<string, unknown>): Promise<{ status: number; body: string; ms: number }>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  handle?: (msg: InboundMessage, opts?: HandleOptions) => Promise<Reply[]>;
  store?: KeyValueStore;
  env?: Record<string, string>;
  now?: () => Date;
  /** the bound on handlers at once (default: the pipeline's own) */
  admission?: Admission;
  /** the inbound journal and its takeover (default: none, nothing journaled) */
  recovery?: InboundRecovery;
  channel?: LocalDingtalkOptions;
}

/** the default fake bot: echoes text, names anything else */
export const echo = async (msg: InboundMessage): Promise<OutboundMessage[]> => [
  {
    kind: 'text',
    text:
      msg.kind === 'text'
        ? `echo: ${msg.text}`
        : msg.kind === 'card_click'
          ? `clicked ${msg.action} on ${msg.cardId}`
          : `got ${msg.kind}`,
  },
];

export function captureLog(): { log: Log; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), logs };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const { log, logs } = captureLog();
  const store = opts.store ?? createMemoryStore();
  const background = createBackground(log);
  const handled: InboundMessage[] = [];
  const handle = opts.handle ?? echo;
  const now = opts.now ?? (() => new Date());
  const config = loadConfig({ NODE_ENV: 'test', ...opts.env });
  const deps = {
    config,
    store,
    log,
    now,
    background,
    // the pipeline says when it holds the sender's turn lock already: a real bot must hear it (or waits on itself)
    handle: async (m: InboundMessage, o?: HandleOptions) => {
      handled.push(m);
      return handle(m, o);
    },
    ...(opts.admission ? { admission: opts.admission } : {}),
    ...(opts.recovery ? { recovery: opts.recovery } : {}),
  };
  const channelOpts = { baseDelayMs: 5, flushEveryMs: 0, ...opts.channel };
  const channel: LocalDingtalkChannel = configuredPlatforms(config).includes('dingtalk')
    ? await createDingtalkChannelWith(deps, channelOpts)
    : await createLocalDingtalkChannel(deps, channelOpts);
  const app = new Koa();
  if (!channel.router) throw new Error('an HTTP-mode channel has a router');
  app.use(channel.router.routes()).use(channel.router.allowedMethods());
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await channel.start({ url });
  const client = new DingtalkTestClient(channel.credentials, now);
  const post: Harness['post'] = async (path, body, headers) => {
    const started = performance.now();
    const res = await fetch(url + path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers,
    });
    const text = await res.text();
    return { status: res.status, body: text, ms: performance.now() - started };
  };
  return {
    url,
    channel,
    client,
    background,
    store,
    logs,
    handled,
    post,
    say: (body) => post('/dingtalk/callback', body, client.headers()),
    async stop() {
      await background.idle();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await channel.stop();
    },
  };
}

/** `start` for a test file: each harness it starts is stopped after its test, the newest first. */
export function useHarnesses(): (o?: HarnessOptions) => Promise<Harness> {
  const started: Harness[] = [];
  afterEach(async () => {
    for (const h of started.splice(0).reverse()) await h.stop();
  });
  return async (o = {}) => {
    const h = await startHarness(o);
    started.push(h);
    return h;
  };
}
