/**
 * The emulator's JSON API and page serving (src/emulator/router.ts), against the app started by startServices on
 * a fresh SQLite database with the demo data, with a platform of the test's own behind the EmulatorAdapter
 * contract (the real channels are driven by the browser test).
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startServices } from '../../src/app/start.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/core/log.js';
import { must } from '../../src/core/must.js';
import { createEmulatorRouter } from '../../src/local/emulator/router.js';
import { emulatorAdapters } from '../../src/local/start-local.js';
import { shanghaiToday } from '../../src/runtime.js';
import { createApp } from '../../src/server.js';
import { DEMO_PEOPLE, loadDemo } from '../../src/services/demo/load.js';
import { freshDb, type TestDb } from '../support/db.js';
import { type FakeChannelLog, fakeChannel, realOnlyChannel } from './fake-channel.js';

const BASE_NOW = new Date('2025-03-20T10:00:00+08:00');
const channelLog: FakeChannelLog = { images: [], clicks: [], failing: false };
let tdb: TestDb;
let running: RunningApp;
let server: http.Server;
let url: string;
let distDir: string;
let schedulesRun = 0;

async function get(p: string) {
  const res = await fetch(url + p, { redirect: 'manual' });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    body: type.includes('json') ? await res.json() : await res.text(),
  };
}

async function post(p: string, body: unknown, type = 'application/json') {
  const res = await fetch(url + p, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  tdb = await freshDb('sqlite');
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const log = createLog('silent');
  await loadDemo({ db: tdb.db, hashKey: config.ID_HASH_KEY, today: shanghaiToday(BASE_NOW), platforms: ['fakechat'] });
  running = await startServices(
    { config, log, db: tdb.db, close: async () => {} },
    { port: 0, now: () => BASE_NOW, channels: [fakeChannel('fakechat', channelLog), realOnlyChannel('realchat')] },
  );
  distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-emulator-dist-'));
  fs.mkdirSync(path.join(distDir, 'assets'));
  fs.writeFileSync(path.join(distDir, 'index.html'), '<!doctype html><title>emulator</title>');
  fs.writeFileSync(path.join(distDir, 'assets/index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(path.dirname(distDir), 'huzhu-secret.txt'), 'secret');
  const router = createEmulatorRouter({
    db: tdb.db,
    adapters: emulatorAdapters(running.channels),
    clock: running.clock,
    background: running.background,
    runSchedulesNow: async () => {
      schedulesRun++;
    },
    distDir,
    log,
  });
  const app = createApp({ db: tdb.db, store: running.store, log, routers: [router] });
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await running?.stop();
  await tdb?.drop();
  fs.rmSync(distDir, { recursive: true, force: true });
});

describe('emulator API', () => {
  it('offers only the platforms running against their local server (with an emulator adapter)', async () => {
    const r = await get('/emulator/api/platforms');
    expect(r.body).toEqual([{ name: 'fakechat' }]);
    expect((await get('/emulator/api/people?platform=realchat')).status).toBe(404);
  });

  it('lists the six demo people with fixed ids, their roles and unit, demo-worker-3 not bound', async () => {
    const r = await get('/emulator/api/people?platform=fakechat');
    expect(r.status).toBe(200);
    const people = r.body as { userId: string; roles: string[]; unit: string | null; bound: boolean; name: string }[];
    expect(people.map((p) => p.userId)).toEqual(DEMO_PEOPLE.map((p) => p.userId));
    const by = Object.fromEntries(people.map((p) => [p.userId, p]));
    expect(by['demo-worker-1']).toMatchObject({
      name: '林海燕',
      roles: ['worker'],
      unit: '海口市演示单位工会',
      bound: true,
    });
    expect(by['demo-rep-1']?.roles).toEqual(['rep']);
    expect(by['demo-officer-1']?.roles).toEqual(['officer']);
    expect(by['demo-centre-1']?.roles).toEqual(['centre']);
    expect(by['demo-worker-3']).toMatchObject({ bound: false, unit: null });
  });

  it("lists the federation's group chat on the platform", async () => {
    const r = await get('/emulator/api/groups?platform=fakechat');
    expect(r.body).toEqual([{ chatId: 'hnunionall', name: '海南省总工会' }]);
  });

  it('sends a text as a person and answers once the bot replied; the reply is read with afterSeq', async () => {
    const sent = await post('/emulator/api/send', {
      platform: 'fakechat',
      userId: 'demo-worker-1',
      text: '我参加了吗',
    });
    expect(sent).toEqual({ status: 200, body: { ok: true } });
    const all = (await get('/emulator/api/messages?platform=fakechat&userId=demo-worker-1')).body as {
      seq: number;
      kind: string;
      text?: string;
    }[];
    expect(all.length).toBeGreaterThan(0);
    expect(all[0]?.text ?? '').toMatch(/林|参加|参互/);
    const last = must(all.at(-1), 'the worker has messages').seq;
    expect((await get(`/emulator/api/messages?platform=fakechat&userId=demo-worker-1&after=${last}`)).body).toEqual([]);
    expect((await get('/emulator/api/messages?platform=fakechat&userId=demo-worker-2')).body).toEqual([]);
  });

  it('refuses a message query naming both or neither of userId and chatId', async () => {
    expect((await get('/emulator/api/messages?platform=fakechat')).status).toBe(400);
    expect((await get('/emulator/api/messages?platform=fakechat&userId=a&chatId=b')).status).toBe(400);
  });

  it('sends a photo as PNG bytes (a JPEG is converted), and refuses what is not an image', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const jpeg = await sharp(png).jpeg().toBuffer();
    const before = channelLog.images.length;
    expect(
      (
        await post('/emulator/api/image', {
          platform: 'fakechat',
          userId: 'demo-worker-1',
          dataUrl: `data:image/png;base64,${png.toString('base64')}`,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post('/emulator/api/image', {
          platform: 'fakechat',
          userId: 'demo-worker-1',
          dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
        })
      ).status,
    ).toBe(200);
    const [a, b] = channelLog.images.slice(before);
    expect(a?.equals(png)).toBe(true);
    expect((await sharp(must(b, 'the uploaded JPEG reached the channel')).metadata()).format).toBe('png');
    const notImage = await post('/emulator/api/image', {
      platform: 'fakechat',
      userId: 'demo-worker-1',
      dataUrl: `data:image/png;base64,${Buffer.from('hello').toString('base64')}`,
    });
    expect(notImage).toEqual({ status: 400, body: { error: 'not a readable image' } });
    expect(
      (
        await post('/emulator/api/image', {
          platform: 'fakechat',
          userId: 'demo-worker-1',
          dataUrl: 'javascript:alert(1)',
        })
      ).status,
    ).toBe(400);
  });

  it('passes a card click to the adapter as the person', async () => {
    const r = await post('/emulator/api/click', {
      platform: 'fakechat',
      userId: 'demo-officer-1',
      cardId: 'card-x',
      key: 'approve',
    });
    expect(r.status).toBe(200);
    expect(channelLog.clicks.at(-1)).toEqual({ userId: 'demo-officer-1', cardId: 'card-x', key: 'approve' });
  });

  it('reports a message the platform did not take as not delivered (502), and a bad body as 400/415', async () => {
    channelLog.failing = true;
    try {
      const r = await post('/emulator/api/send', { platform: 'fakechat', userId: 'demo-worker-1', text: '你好' });
      expect(r.status).toBe(502);
      expect(String(r.body.error)).toMatch(/^not delivered: local platform server is down/);
    } finally {
      channelLog.failing = false;
    }
    expect((await post('/emulator/api/send', { platform: 'fakechat', userId: 'demo-worker-1', text: '' })).status).toBe(
      400,
    );
    expect((await post('/emulator/api/send', '{not json')).status).toBe(400);
    expect((await post('/emulator/api/send', 'text=hi', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post('/emulator/api/send', { platform: 'nope', userId: 'demo-worker-1', text: 'hi' })).status).toBe(
      404,
    );
  });

  it("moves the app's clock to a date of the current period's timeline and back to real time", async () => {
    const c = (await get('/emulator/api/clock')).body as {
      today: string;
      travelledTo: string | null;
      timeline: { date: string; label: string }[];
      canRunSchedules: boolean;
    };
    expect(c.today).toBe('2025-03-20');
    expect(c.travelledTo).toBeNull();
    expect(c.canRunSchedules).toBe(true);
    expect(c.timeline.length).toBeGreaterThan(2);
    expect([...c.timeline].map((t) => t.date).sort()).toEqual(c.timeline.map((t) => t.date));
    const target = must(c.timeline.at(-1), 'the timeline has dates').date;
    const moved = await post('/emulator/api/clock', { date: target });
    expect(moved.body).toMatchObject({ today: target, travelledTo: target });
    expect(shanghaiToday(running.clock.now())).toBe(target);
    // the time of day is kept
    expect(running.clock.now().toISOString().slice(11)).toBe(BASE_NOW.toISOString().slice(11));
    expect((await post('/emulator/api/clock', { date: null })).body).toMatchObject({
      today: '2025-03-20',
      travelledTo: null,
    });
    expect(running.clock.now().getTime()).toBe(BASE_NOW.getTime());
    expect((await post('/emulator/api/clock', { date: '2025-3-1' })).status).toBe(400);
  });

  it("runs today's schedules through the injected function", async () => {
    const before = schedulesRun;
    const r = await post('/emulator/api/run-schedules', {});
    expect(r.status).toBe(200);
    expect(schedulesRun).toBe(before + 1);
  });

  it('answers an unknown API path with 404 JSON', async () => {
    expect(await get('/emulator/api/nothing')).toMatchObject({ status: 404, body: { error: 'no such emulator API' } });
  });
});

describe('emulator page', () => {
  it('redirects /emulator to /emulator/ and serves the built page with a strict CSP', async () => {
    const r = await get('/emulator');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/emulator/');
    const page = await get('/emulator/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>emulator</title>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves hashed assets as immutable, and nothing outside the build folder', async () => {
    const js = await get('/emulator/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await get('/emulator/assets/missing.js')).status).toBe(404);
    const outside = `/emulator/..%2F${path.basename(distDir)}%2F..%2Fhuzhu-secret.txt`;
    expect((await get(outside)).status).toBe(404);
  });

  it('says how to build the page when the build is missing', async () => {
    const bare = createEmulatorRouter({
      db: tdb.db,
      adapters: emulatorAdapters(running.channels),
      clock: running.clock,
      background: running.background,
      distDir: path.join(distDir, 'none'),
    });
    const app = createApp({ db: tdb.db, store: running.store, log: createLog('silent'), routers: [bare] });
    const s = await new Promise<http.Server>((resolve) => {
      const x = app.listen(0, '127.0.0.1', () => resolve(x));
    });
    try {
      const addr = s.address();
      const res = await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/emulator/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
      const run = await fetch(
        `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/emulator/api/run-schedules`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      );
      expect(run.status).toBe(501);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
