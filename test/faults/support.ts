/**
 * Real processes for the fault tests: the production entry (`src/app/main.ts`, run by node with tsx's loader, one
 * process, so a SIGKILL kills the app and nothing else) as a child of the test, talking to PostgreSQL, Redis and a
 * local WeCom API server that outlive it. The WeCom server lives in the test process, so what it received (and
 * every card's current state) survives the app's death and restart, as the real platform's would.
 *
 * Servers of our own (`ownPostgres`, `ownRedis`) are started where a test stops or restarts them; the others use
 * the global setup's (a fresh database and a fresh key prefix each).
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { platformNames } from '../../src/channels/index.js';
import { must } from '../../src/core/must.js';
import { createDb, type Db } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { LocalWecomServer } from '../../src/local/wecom/local-server.js';
import { shanghaiDate } from '../../src/rules/index.js';
import { loadDemo } from '../../src/services/demo/load.js';
import { seenCard } from '../support/drivers/wecom.js';
import { madeUpWecom, wecomEnv } from '../support/made-up.js';
import { type BuiltCallback, WecomTestClient } from '../support/wecom/client.js';

const root = path.resolve(import.meta.dirname, '../..');
export const HASH_KEY = 'fault-test-hash-key-0123456789';

export const redisBin = ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server'].find((p) =>
  fs.existsSync(p),
);
const pgRoot = process.env.TEST_POSTGRES_ROOT ?? '/usr/lib/postgresql';
const pgVersions = fs.existsSync(pgRoot) ? fs.readdirSync(pgRoot).sort() : [];
const newestPg = pgVersions.at(-1);
export const pgBin = newestPg ? path.join(pgRoot, newestPg, 'bin') : undefined;
export const haveServers = Boolean(
  redisBin && pgBin && fs.existsSync(path.join(pgBin, 'postgres')) && process.env.TEST_DATABASE_URL_PG,
);
/** one line when the fault suites cannot run here */
export function sayWhySkipped(suite: string): void {
  if (!haveServers) console.warn(`[faults] redis-server or PostgreSQL not found: ${suite} skipped`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

const t0 = Date.now();
/** FAULT_TRACE=1: each wait's end on stderr with the seconds since the file started (to see where time goes) */
const trace = (what: string) => {
  if (process.env.FAULT_TRACE) process.stderr.write(`[faults ${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}\n`);
};

/** polls `ok` until it holds: the only way these tests wait */
export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return trace(what);
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redis and PostgreSQL of the test's own

export interface OwnRedis {
  url: string;
  /** SIGTERM: Redis writes its append-only file and exits, as `systemctl stop redis` does */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** a Redis with an fsync'd append-only file: what a deployment that keeps its queue across restarts runs */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-fault-redis-'));
  let child: ChildProcess | null = null;
  const r: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        must(redisBin, 'a redis-server binary (the fault suites are skipped without one)'),
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'],
        { stdio: 'ignore' },
      );
      await until('redis to listen', () => portOpen(port), 20_000);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
  };
  await r.start();
  cleanups.push(async () => {
    await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return r;
}

export interface OwnPostgres {
  url: string;
  stop(): void;
  start(): void;
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-fault-pg-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const bin = must(pgBin, 'the PostgreSQL binaries (the fault suites are skipped without them)');
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, cmd), args, { stdio: 'pipe' });
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'huzhu', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const pg: OwnPostgres = {
    url: `postgresql://huzhu@127.0.0.1:${port}/huzhu`,
    start: () => run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', opts, '-w', 'start']),
    // fast: the server ends every session at once (what a restart by the operator or a failover does)
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
  pg.start();
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'huzhu', 'huzhu']);
  cleanups.push(async () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // already stopped
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return pg;
}

/** a fresh database on the global setup's PostgreSQL */
export async function freshPgUrl(): Promise<string> {
  const admin = must(process.env.TEST_PG_ADMIN_URL, 'TEST_PG_ADMIN_URL (the global setup starts PostgreSQL)');
  const name = `fault_${process.pid}_${Date.now().toString(36)}`;
  const pg = await import('pg');
  const c = new pg.default.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  cleanups.push(async () => {
    const d = new pg.default.Client({ connectionString: admin });
    await d.connect();
    await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await d.end();
  });
  return admin.replace(/\/postgres$/, `/${name}`);
}

/** migrates, loads the demo (today = the real date in Shanghai: the child runs on the real clock) */
export async function prepareDatabase(url: string): Promise<Db> {
  await applyMigrations(url);
  const db = createDb(url);
  cleanups.push(() => db.$disconnect());
  await loadDemo({ db, hashKey: HASH_KEY, scale: 1000, today: shanghaiDate(new Date()), platforms: platformNames });
  return db;
}

// ---------------------------------------------------------------------------------------------------------------
// the app as a child process

export interface ChildApp {
  url: string;
  /** every JSON log line so far */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  pid: number;
  kill(): Promise<void>;
}

/**
 * Starts `src/app/main.ts` (the production entry) with `env`; resolves once it listens. NODE_ENV is `test`: the
 * configuration refuses HUZHU_FAULT in production (see src/core/fault.ts).
 */
export async function spawnApp(env: Record<string, string>): Promise<ChildApp> {
  const port = Number(env.PORT);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/app/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      DEMO: 'off',
      LOG_LEVEL: 'info',
      ID_HASH_KEY: HASH_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let rest = '';
  must(child.stdout, 'the app’s stdout is piped').on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines)
      try {
        logs.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        logs.push({ msg: l });
      }
  });
  let stderr = '';
  must(child.stderr, 'the app’s stderr is piped').on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  const app: ChildApp = {
    url: `http://127.0.0.1:${port}`,
    logs,
    exited,
    pid: must(child.pid, 'the app was spawned'),
    async kill() {
      if (dead) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  cleanups.push(() => app.kill());
  await until(
    'the app to listen',
    () => {
      if (dead)
        throw new Error(`the app exited before listening: ${stderr.slice(-2000)} ${JSON.stringify(logs.slice(-5))}`);
      return logs.some((l) => String(l.msg).startsWith('huzhu listening on'));
    },
    90_000,
  );
  return app;
}

// ---------------------------------------------------------------------------------------------------------------
// WeCom as the platform: the local server and a client that plays the user

export interface WecomSide {
  server: LocalWecomServer;
  env: Record<string, string>;
  /** the user types: resolves with the passive answer, or else the first API message to them after it */
  say(userId: string, text: string): Promise<string>;
  /** the user types, and the answers (passive, then through the API) come until one contains `expected` */
  ask(userId: string, text: string, expected: string): Promise<string>;
  /** posts a callback; resolves with the passive answer's text ('' when none) */
  post(userId: string, cb: BuiltCallback): Promise<string>;
  seal(userId: string, text: string): BuiltCallback;
  sendPhoto(userId: string, png: Buffer): Promise<string>;
  click(userId: string, cardId: string, key: string): Promise<string>;
  /** a click's callback, for a test that posts it (and WeCom's retry of it) itself */
  sealClick(userId: string, cardId: string, key: string): BuiltCallback;
  /** what a user received through the API (text, markdown, cards in their current state) */
  texts(userId: string): string[];
  cards(userId: string): ReturnType<typeof seenCard>[];
}

export async function wecomSide(appUrl: () => string): Promise<WecomSide> {
  const creds = madeUpWecom();
  const server = await LocalWecomServer.start({ creds });
  cleanups.push(() => server.close());
  const client = new WecomTestClient(creds);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const texts = (userId: string) =>
    server.messagesTo(userId).flatMap((m) => {
      const part = m.body[m.msgtype] as { content?: unknown } | undefined;
      if (m.msgtype === 'text' || m.msgtype === 'markdown') return [str(part?.content)];
      if (m.msgtype === 'template_card') {
        const id = str((m.body.template_card as { task_id?: unknown }).task_id);
        return [seenCard(server.card(id)?.current ?? {}).lines.join('\n')];
      }
      return [];
    });
  const post = async (userId: string, cb: BuiltCallback): Promise<string> => {
    const res = await fetch(appUrl() + cb.path, {
      method: 'POST',
      body: cb.body,
      headers: { 'content-type': 'text/xml' },
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${userId}: ${body.slice(0, 200)}`);
    if (!body) return '';
    const reply = client.openReply(body);
    if (reply.MsgType === 'update_template_card') {
      // a click answered with the clicker's card redrawn: WeCom applies it to that user's copy
      const refused = server.recordPassiveCardXml(userId, reply.TemplateCard);
      if (refused) throw new Error(`passive card update refused: ${refused.errmsg}`);
      return '';
    }
    return reply.Content ?? '';
  };
  const sealClick = (userId: string, cardId: string, key: string) => {
    const code = server.issueClickCode(cardId);
    const type = str(server.card(cardId)?.current.card_type) || 'button_interaction';
    return client.seal(client.cardClick(userId, cardId, key, code, type));
  };
  const answered = async (userId: string, cb: BuiltCallback): Promise<string> => {
    const before = server.lastSeq();
    const passive = await post(userId, cb);
    if (passive) return passive;
    let text = '';
    await until(`an answer to ${userId}`, () => {
      const m = server.messagesTo(userId).find((x) => x.seq > before);
      if (m) text = str((m.body[m.msgtype] as { content?: unknown } | undefined)?.content);
      return Boolean(m);
    });
    return text;
  };
  const ask = async (userId: string, text: string, expected: string): Promise<string> => {
    const before = server.lastSeq();
    const passive = await post(userId, client.seal(client.text(userId, text)));
    const all = () =>
      [
        passive,
        ...server
          .messagesTo(userId)
          .filter((m) => m.seq > before)
          .map((m) => JSON.stringify(m.body)),
      ].join('\n');
    await until(
      `“${expected}” in the answer to ${userId}’s “${text}”: ${all()}`,
      () => all().includes(expected),
      30_000,
    );
    return all();
  };
  return {
    server,
    ask,
    env: wecomEnv(creds, server.url),
    seal: (userId, text) => client.seal(client.text(userId, text)),
    post,
    say: (userId, text) => answered(userId, client.seal(client.text(userId, text))),
    sendPhoto(userId, png) {
      const { mediaId, picUrl } = server.putMedia(png);
      return answered(userId, client.seal(client.image(userId, mediaId, picUrl)));
    },
    click(userId, cardId, key) {
      return answered(userId, sealClick(userId, cardId, key));
    },
    sealClick,
    texts,
    cards: (userId) =>
      server
        .messagesTo(userId)
        .filter((m) => m.msgtype === 'template_card')
        .map((m) =>
          seenCard(server.cardFor(str((m.body.template_card as { task_id?: unknown }).task_id), userId) ?? {}),
        ),
  };
}

/** a 1×1 PNG: a photo of a document as far as the bot can tell */
export const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** the claim form of Hainan's policy up to its confirmation question (the answer to 确认 is left to the test) */
export async function fillClaim(w: WecomSide, who: string, admitted: string, discharged: string): Promise<void> {
  for (const text of ['申请补助', '海南省人民医院', admitted, discharged, '2万', '5000', '8000', '否'])
    await w.say(who, text);
  await w.sendPhoto(who, PHOTO);
  expect(await w.say(who, '完成')).toContain('确认');
}

// ---------------------------------------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
/** stops everything this module started, newest first (afterAll/afterEach) */
export async function cleanUp(): Promise<void> {
  for (let next = cleanups.pop(); next; next = cleanups.pop()) await next().catch(() => undefined);
}
