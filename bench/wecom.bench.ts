/**
 * WeCom callback path under load (issue 3): encrypted, signed "我参加了吗" callbacks at 50 concurrent keep-alive
 * connections against
 *  (a) the full server (startServices: channel, dedupe in the store, the bot, the passive reply), and, in the same run,
 *  (b) a bare Koa handler that only reads the body, verifies, decrypts and echoes an encrypted reply.
 * Reports throughput and p50/p99 latency of each and the ratio. Target: (a) ≥ 50 % of (b), p99 ≤ 100 ms.
 * Callbacks are built (each with its own MsgId, so dedupe never short-circuits) before the clock starts.
 */
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Koa from 'koa';
import getRawBody from 'raw-body';
import type { RunningApp } from '../src/app/start.js';
import { WecomCrypto } from '../src/channels/wecom/crypto.js';
import type { WecomChannel } from '../src/channels/wecom/index.js';
import { buildXml, parseXmlRoot } from '../src/channels/wecom/xml.js';
import { must } from '../src/core/must.js';
import { startLocalServices } from '../src/local/start-local.js';
import { createLocalWecomChannelFactory } from '../src/local/wecom/channel.js';
import { openRuntime, shanghaiToday } from '../src/runtime.js';
import { loadDemo } from '../src/services/demo/load.js';
import { type BuiltCallback, WecomTestClient } from '../test/support/wecom/client.js';
import type { BenchResult } from './run.js';

export interface LoadNumbers {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface WecomBenchNumbers {
  full: LoadNumbers;
  bare: LoadNumbers;
  /** full throughput / bare throughput */
  ratio: number;
}

export interface WecomBenchOptions {
  connections?: number;
  requests?: number;
  warmup?: number;
  users?: string[];
}

const TEXT = '我参加了吗';
const DEMO_USERS = ['demo-worker-1', 'demo-worker-2', 'demo-rep-1', 'demo-officer-1', 'demo-centre-1'];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The load generator, plain JS run in a worker thread so that building and timing requests does not take CPU from
 * the server under test (both targets are driven the same way): every callback over `connections` keep-alive
 * connections, one request in flight per connection.
 */
const DRIVER = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { baseUrl, callbacks, connections } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const url = new URL(baseUrl);
const latencies = [];
let errors = 0, next = 0;
const one = (cb) => new Promise((resolve, reject) => {
  const req = http.request({ agent, host: url.hostname, port: url.port, path: cb.path, method: 'POST',
    headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(cb.body) } }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
  });
  req.on('error', reject);
  req.end(cb.body);
});
(async () => {
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < callbacks.length) {
      const cb = callbacks[next++];
      const t0 = performance.now();
      try { if ((await one(cb)) !== 200) errors++; } catch { errors++; }
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  parentPort.postMessage({ elapsed, errors, latencies });
})();
`;

async function drive(baseUrl: string, callbacks: BuiltCallback[], connections: number): Promise<LoadNumbers> {
  const worker = new Worker(DRIVER, {
    eval: true,
    workerData: { baseUrl, callbacks: callbacks.map(({ path, body }) => ({ path, body })), connections },
  });
  const r = await new Promise<{ elapsed: number; errors: number; latencies: number[] }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const latencies = r.latencies.sort((a, b) => a - b);
  return {
    requests: callbacks.length,
    errors: r.errors,
    perSecond: callbacks.length / r.elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** the floor: verify, decrypt, parse, echo an encrypted passive reply; no store, no bot */
async function startBare(channel: WecomChannel): Promise<{ url: string; close: () => Promise<void> }> {
  const crypto = new WecomCrypto(channel.credentials);
  const corpId = channel.credentials.corpId;
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST' || ctx.path !== '/wecom/callback') return;
    const q = ctx.query as Record<string, string>;
    const raw = await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' });
    const encrypted = String(parseXmlRoot(raw).Encrypt ?? '');
    if (!crypto.verify(q.msg_signature ?? '', q.timestamp ?? '', q.nonce ?? '', encrypted)) {
      ctx.status = 401;
      return;
    }
    const msg = parseXmlRoot(crypto.decrypt(encrypted));
    const ts = String(Math.floor(Date.now() / 1000));
    const inner = buildXml({
      ToUserName: String(msg.FromUserName),
      FromUserName: corpId,
      CreateTime: Number(ts),
      MsgType: 'text',
      Content: String(msg.Content),
    });
    const env = crypto.seal(inner, ts);
    ctx.type = 'application/xml';
    ctx.body = buildXml({ Encrypt: env.encrypt, MsgSignature: env.signature, TimeStamp: Number(ts), Nonce: env.nonce });
  });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs both loads against `full` (an app started by startServices with the WeCom channel on its local server). */
export async function benchWecom(full: RunningApp, opts: WecomBenchOptions = {}): Promise<WecomBenchNumbers> {
  const connections = opts.connections ?? 50;
  const requests = opts.requests ?? 5_000;
  const warmup = opts.warmup ?? 500;
  const users = opts.users ?? DEMO_USERS;
  const channel = full.channels.get('wecom') as WecomChannel | undefined;
  if (!channel) throw new Error('the app has no wecom channel');
  const c = channel.credentials;
  const client = new WecomTestClient(
    { corpId: c.corpId, token: c.token, encodingAesKey: c.encodingAesKey, agentId: c.agentId },
    full.now,
  );
  const build = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      client.seal(client.text(must(users[i % users.length], 'users is not empty'), TEXT)),
    );

  const bare = await startBare(channel);
  try {
    await drive(full.url, build(warmup), connections);
    await drive(bare.url, build(warmup), connections);
    const fullNumbers = await drive(full.url, build(requests), connections);
    await full.background.idle();
    const bareNumbers = await drive(bare.url, build(requests), connections);
    return { full: fullNumbers, bare: bareNumbers, ratio: fullNumbers.perSecond / bareNumbers.perSecond };
  } finally {
    await bare.close();
  }
}

/** `npm run bench`: the full app on a temporary SQLite database with the demo data, WeCom on its local server */
export default async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-bench-wecom-'));
  const rt = await openRuntime({
    ...process.env,
    DATABASE_URL: `file:${path.join(dir, 'bench.db')}`,
    LOG_LEVEL: 'silent',
    REDIS_URL: '',
  });
  const apps: RunningApp[] = [];
  try {
    await loadDemo({ db: rt.db, hashKey: rt.config.ID_HASH_KEY, today: shanghaiToday(), platforms: ['wecom'] });
    const full = await startLocalServices(rt, { port: 0, channels: [createLocalWecomChannelFactory] });
    apps.push(full);
    const n = await benchWecom(full);
    // the same full server with a bot that answers at once: what the channel path itself costs
    const echoApp = await startLocalServices(rt, {
      port: 0,
      channels: [createLocalWecomChannelFactory],
      handle: async () => [{ kind: 'text', text: '已收到' }],
    });
    apps.push(echoApp);
    const e = await benchWecom(echoApp);
    const note = (x: LoadNumbers) => `${x.requests} requests, ${x.errors} errors`;
    return [
      {
        name: 'full server: callbacks/s at 50 connections',
        value: n.full.perSecond,
        unit: 'req/s',
        note: note(n.full),
      },
      { name: 'full server: p50 latency', value: n.full.p50Ms, unit: 'ms' },
      { name: 'full server: p99 latency', value: n.full.p99Ms, unit: 'ms', target: '≤ 100' },
      { name: 'bare verify+decrypt+echo: callbacks/s', value: n.bare.perSecond, unit: 'req/s', note: note(n.bare) },
      { name: 'bare verify+decrypt+echo: p50 latency', value: n.bare.p50Ms, unit: 'ms' },
      { name: 'bare verify+decrypt+echo: p99 latency', value: n.bare.p99Ms, unit: 'ms' },
      { name: 'full / bare throughput', value: n.ratio * 100, unit: '%', target: '≥ 50' },
      {
        name: 'server with an instant bot: callbacks/s',
        value: e.full.perSecond,
        unit: 'req/s',
        note: 'channel path cost without the bot',
      },
      { name: 'server with an instant bot: p99 latency', value: e.full.p99Ms, unit: 'ms' },
      { name: 'server with an instant bot / bare throughput', value: e.ratio * 100, unit: '%' },
    ];
  } finally {
    for (const a of apps) await a.stop();
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
