/**
 * A WeCom channel mounted on a real Koa server for the channel tests: real store (memory or Redis), real
 * background tracker, a captured log, a fake `handle` in place of the bot (the channel must not care what the bot
 * is), and either the local mode's channel (its own local WeCom API server, demo credentials) or, when `env`
 * configures WECOM_*, the production channel exactly as configured.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Koa from 'koa';
import { pino } from 'pino';
import { createBackground } from '../../../src/background.js';
import type { Admission } from '../../../src/channels/admission.js';
import type { Background } from '../../../src/channels/channel.js';
import type { InboundRecovery } from '../../../src/channels/journal-worker.js';
import { createWecomChannelWith } from '../../../src/channels/wecom/index.js';
import { loadConfig, platformConfigured } from '../../../src/config.js';
import type { Log } from '../../../src/core/log.js';
import type { InboundMessage, OutboundMessage, Reply } from '../../../src/core/messages.js';
import {
  createLocalWecomChannel,
  type LocalWecomChannel,
  type LocalWecomOptions,
} from '../../../src/local/wecom/channel.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import type { KeyValueStore } from '../../../src/state/store.js';
import type { HandleOptions } from '../../../src/state/turn.js';
import { WecomTestClient } from './client.js';

export interface Harness {
  url: string;
  channel: LocalWecomChannel;
  client: WecomTestClient;
  background: Background;
  store: KeyValueStore;
  /** every log line as JSON */
  logs: Record<string, unknown>[];
  /** every message the fake handler received */
  handled: InboundMessage[];
  post(
    path: string,
    body: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string; ms: number }>;
  get(path: string): Promise<{ status: number; body: string }>;
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
  channel?: LocalWecomOptions;
}

/** the default fake bot: echoes text, names anything else */
export const echo = async (msg: InboundMessage): Promise<OutboundMessage[]> => [
  { kind: 'text', text: msg.kind === 'text' ? `echo: ${msg.text}` : `got ${msg.kind}` },
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
  const channelOpts = { retry: { baseDelayMs: 5 }, ...opts.channel };
  const channel: LocalWecomChannel = platformConfigured(config, 'wecom')
    ? await createWecomChannelWith(deps, channelOpts)
    : await createLocalWecomChannel(deps, channelOpts);
  const app = new Koa();
  if (!channel.router) throw new Error('an HTTP-mode channel has a router');
  app.use(channel.router.routes()).use(channel.router.allowedMethods());
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await channel.start({ url });
  const creds = channel.credentials;
  const client = new WecomTestClient(
    { corpId: creds.corpId, token: creds.token, encodingAesKey: creds.encodingAesKey, agentId: creds.agentId },
    now,
  );
  return {
    url,
    channel,
    client,
    background,
    store,
    logs,
    handled,
    async post(path, body, headers = {}) {
      const started = performance.now();
      const res = await fetch(url + path, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/xml', ...headers },
      });
      const text = await res.text();
      return { status: res.status, body: text, ms: performance.now() - started };
    },
    async get(path) {
      const res = await fetch(url + path);
      return { status: res.status, body: await res.text() };
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await background.idle();
      await channel.stop();
      if (!opts.store) await store.close();
    },
  };
}
