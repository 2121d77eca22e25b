/**
 * DingTalk callback path under load (issue 8 "npm run bench adds the DingTalk callback path, as a ratio to the
 * WeCom path in the same run"): signed "我参加了吗" robot messages (HTTP mode, each with its own msgId and a
 * sessionWebhook of the local DingTalk server) at 50 concurrent keep-alive connections against the full server
 * (startServices: signature, robotCode, zod, dedupe in the store, the bot, the reply to the sessionWebhook), and in
 * the same run the WeCom callback path (bench/wecom.bench.ts) on the same kind of server. Both with the demo bot
 * and with an instant bot (the channel path alone). DingTalk answers the HTTP request at once and replies with a
 * second request, so its numbers are given twice: callbacks answered per second, and messages replied per second
 * (until the last reply arrived). The sessionWebhooks point at a sink in a worker thread: DingTalk's side of the
 * reply runs outside the app's event loop, as the real DingTalk does (the load generator is a worker too).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RunningApp } from '../src/app/start.js';
import type { ChannelFactory } from '../src/channels/channel.js';
import type { DingtalkChannel } from '../src/channels/dingtalk/index.js';
import { must } from '../src/core/must.js';
import { createLocalDingtalkChannel } from '../src/local/dingtalk/channel.js';
import { startLocalServices } from '../src/local/start-local.js';
import { createLocalWecomChannelFactory } from '../src/local/wecom/channel.js';
import { openRuntime, shanghaiToday } from '../src/runtime.js';
import { loadDemo } from '../src/services/demo/load.js';
import { DingtalkTestClient } from '../test/support/dingtalk/client.js';
import type { BenchResult } from './run.js';
import { benchWecom } from './wecom.bench.js';

export interface DingtalkLoadNumbers {
  requests: number;
  errors: number;
  /** HTTP answers per second */
  perSecond: number;
  /** replies recorded by the local DingTalk server per second, from the first request to the last reply */
  repliedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface DingtalkBenchOptions {
  connections?: number;
  requests?: number;
  warmup?: number;
  users?: string[];
  /** DingTalk's sessionWebhook endpoint the app was started to trust (sinkChannel); default: a new one */
  sink?: Sink;
}

interface Built {
  path: string;
  body: string;
  headers: Record<string, string>;
}

const TEXT = '我参加了吗';
const DEMO_USERS = ['demo-worker-1', 'demo-worker-2', 'demo-rep-1', 'demo-officer-1', 'demo-centre-1'];

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN)
    : Number.NaN;

/** the load generator in a worker thread, as in wecom.bench.ts, for JSON bodies with signed headers */
const DRIVER = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { baseUrl, calls, connections } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const url = new URL(baseUrl);
const latencies = [];
let errors = 0, next = 0;
const one = (c) => new Promise((resolve, reject) => {
  const req = http.request({ agent, host: url.hostname, port: url.port, path: c.path, method: 'POST',
    headers: { ...c.headers, 'content-length': Buffer.byteLength(c.body) } }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
  });
  req.on('error', reject);
  req.end(c.body);
});
(async () => {
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < calls.length) {
      const c = calls[next++];
      const t0 = performance.now();
      try { if ((await one(c)) !== 200) errors++; } catch { errors++; }
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  parentPort.postMessage({ elapsed, errors, latencies });
})();
`;

/**
 * DingTalk's sessionWebhook endpoint, in a worker thread: answers {errcode:0}, counts, and files each reply's text
 * and arrival (Date.now()) under the request's `session` query parameter (the load bench asks for them by session)
 */
const SINK = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
let count = 0;
const bySession = new Map();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    count++;
    const at = Date.now();
    const session = new URL(req.url, 'http://x').searchParams.get('session') ?? '';
    let text = '';
    try { const b = JSON.parse(Buffer.concat(chunks).toString()); text = b.text?.content ?? b.markdown?.text ?? ''; } catch {}
    if (!bySession.has(session)) bySession.set(session, []);
    bySession.get(session).push({ text, at });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"errcode":0,"errmsg":"ok"}');
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ count });
  else if (m && m.replies) parentPort.postMessage({ replies: Object.fromEntries(m.replies.map((k) => [k, bySession.get(k) ?? []])) });
});
`;

export interface Sink {
  url: string;
  count(): Promise<number>;
  /** the replies each session received, in arrival order */
  replies(sessions: string[]): Promise<Record<string, { text: string; at: number }[]>>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const worker = new Worker(SINK, { eval: true });
  const { port } = await new Promise<{ port: number }>((resolve) => worker.once('message', resolve));
  return {
    url: `http://127.0.0.1:${port}/robot/sendBySession`,
    count: () =>
      new Promise((resolve) => {
        worker.once('message', (m: { count: number }) => resolve(m.count));
        worker.postMessage('count');
      }),
    replies: (sessions) =>
      new Promise((resolve) => {
        worker.once('message', (m: { replies: Record<string, { text: string; at: number }[]> }) => resolve(m.replies));
        worker.postMessage({ replies: sessions });
      }),
    close: async () => void (await worker.terminate()),
  };
}

async function drive(app: RunningApp, sink: Sink, calls: Built[], connections: number): Promise<DingtalkLoadNumbers> {
  const before = await sink.count();
  const started = performance.now();
  const worker = new Worker(DRIVER, { eval: true, workerData: { baseUrl: app.url, calls, connections } });
  const r = await new Promise<{ elapsed: number; errors: number; latencies: number[] }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  await app.background.idle();
  const repliedIn = (performance.now() - started) / 1000;
  const replies = (await sink.count()) - before;
  const latencies = r.latencies.sort((a, b) => a - b);
  return {
    requests: calls.length,
    errors: r.errors,
    perSecond: calls.length / r.elapsed,
    repliedPerSecond: replies / repliedIn,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Loads `app` (started by startServices with the DingTalk channel) with signed callbacks. */
export async function benchDingtalk(app: RunningApp, opts: DingtalkBenchOptions = {}): Promise<DingtalkLoadNumbers> {
  const connections = opts.connections ?? 50;
  const users = opts.users ?? DEMO_USERS;
  const channel = app.channels.get('dingtalk') as DingtalkChannel | undefined;
  if (!channel) throw new Error('the app has no dingtalk channel');
  const client = new DingtalkTestClient(channel.credentials, app.now);
  const sink = opts.sink ?? (await startSink());
  const build = (n: number): Built[] =>
    Array.from({ length: n }, (_, i) => {
      const userId = must(users[i % users.length], 'users is not empty');
      const session = { url: `${sink.url}?session=${i}`, expiresAt: app.now().getTime() + 90 * 60_000 };
      return {
        path: '/dingtalk/callback',
        body: JSON.stringify(client.text(userId, TEXT, { session })),
        headers: client.headers(),
      };
    });
  try {
    await drive(app, sink, build(opts.warmup ?? 500), connections);
    return await drive(app, sink, build(opts.requests ?? 5_000), connections);
  } finally {
    if (!opts.sink) await sink.close();
  }
}

/** The DingTalk channel whose sessionWebhooks may point at the sink (the app uses only DingTalk's own host). */
export const sinkChannel =
  (sink: Sink): ChannelFactory =>
  (deps) =>
    createLocalDingtalkChannel(deps, { sessionWebhookBase: sink.url });

/** `npm run bench`: DingTalk and WeCom on the same temporary SQLite database with the demo data, same run */
export default async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-bench-dingtalk-'));
  const rt = await openRuntime({
    ...process.env,
    DATABASE_URL: `file:${path.join(dir, 'bench.db')}`,
    LOG_LEVEL: 'silent',
    REDIS_URL: '',
  });
  const apps: RunningApp[] = [];
  const sink = await startSink();
  const start = async (channels: ChannelFactory, instant: boolean) => {
    const app = await startLocalServices(rt, {
      port: 0,
      channels: [channels],
      ...(instant ? { handle: async () => [{ kind: 'text' as const, text: '已收到' }] } : {}),
    });
    apps.push(app);
    return app;
  };
  try {
    await loadDemo({
      db: rt.db,
      hashKey: rt.config.ID_HASH_KEY,
      today: shanghaiToday(),
      platforms: ['wecom', 'dingtalk'],
    });
    const dtBot = await benchDingtalk(await start(sinkChannel(sink), false), { sink });
    const wcBot = (await benchWecom(await start(createLocalWecomChannelFactory, false))).full;
    const dtInstant = await benchDingtalk(await start(sinkChannel(sink), true), { sink });
    const wcInstant = (await benchWecom(await start(createLocalWecomChannelFactory, true))).full;
    const note = (x: { requests: number; errors: number }) => `${x.requests} requests, ${x.errors} errors`;
    return [
      {
        name: 'full server: callbacks answered/s at 50 connections',
        value: dtBot.perSecond,
        unit: 'req/s',
        note: note(dtBot),
      },
      { name: 'full server: replies delivered/s (sessionWebhook)', value: dtBot.repliedPerSecond, unit: 'msg/s' },
      { name: 'full server: p50 latency', value: dtBot.p50Ms, unit: 'ms' },
      { name: 'full server: p99 latency', value: dtBot.p99Ms, unit: 'ms', target: '≤ 100' },
      { name: 'WeCom full server, same run: callbacks/s', value: wcBot.perSecond, unit: 'req/s', note: note(wcBot) },
      { name: 'DingTalk / WeCom callbacks/s (demo bot)', value: (dtBot.perSecond / wcBot.perSecond) * 100, unit: '%' },
      {
        name: 'DingTalk replies / WeCom callbacks (demo bot)',
        value: (dtBot.repliedPerSecond / wcBot.perSecond) * 100,
        unit: '%',
      },
      { name: 'instant bot: callbacks answered/s', value: dtInstant.perSecond, unit: 'req/s', note: note(dtInstant) },
      { name: 'instant bot: replies delivered/s', value: dtInstant.repliedPerSecond, unit: 'msg/s' },
      { name: 'instant bot: p99 latency', value: dtInstant.p99Ms, unit: 'ms' },
      { name: 'WeCom instant bot, same run: callbacks/s', value: wcInstant.perSecond, unit: 'req/s' },
      {
        name: 'DingTalk / WeCom callbacks/s (instant bot)',
        value: (dtInstant.perSecond / wcInstant.perSecond) * 100,
        unit: '%',
      },
      {
        name: 'DingTalk replies / WeCom callbacks (instant bot)',
        value: (dtInstant.repliedPerSecond / wcInstant.perSecond) * 100,
        unit: '%',
      },
    ];
  } finally {
    for (const a of apps) await a.stop();
    await sink.close();
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
