/**
 * Production runs only what is configured (issue #12):
 * - nothing under src/local (local servers, demo credentials, emulator) is reachable from the production entry or
 *   the CLI, by a walk of the import graph;
 * - a production app with only WeCom configured (made-up credentials, its API at a local WeCom server this test
 *   starts) answers a really signed callback, refuses a forged one, and has no DingTalk routes and no emulator;
 *   and the other way round;
 * - a partly configured platform stops the process naming the missing variable; production with no platform
 *   refuses to start; the local mode refuses NODE_ENV=production.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PLATFORM, startProduction } from '../../src/app/production.js';
import type { RunningApp } from '../../src/app/start.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { DEMO_CREDENTIALS as DINGTALK_DEMO } from '../../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { DEMO_CREDENTIALS as WECOM_DEMO } from '../../src/local/wecom/demo.js';
import { LocalWecomServer } from '../../src/local/wecom/local-server.js';
import type { Runtime } from '../../src/runtime.js';
import { freshDatabaseUrl } from '../support/db.js';
import { DingtalkTestClient } from '../support/dingtalk/client.js';
import { reachable } from '../support/imports.js';
import { dingtalkEnv, madeUpDingtalk, madeUpWecom, wecomEnv } from '../support/made-up.js';
import { WecomTestClient } from '../support/wecom/client.js';

const root = path.resolve(import.meta.dirname, '../..');
const local = path.join(root, 'src/local') + path.sep;
const run = promisify(execFile);

describe('the import graph', () => {
  it('reaches nothing under src/local from the production entry or the CLI', () => {
    const prod = reachable(path.join(root, 'src/app/main.ts'), path.join(root, 'src/cli/index.ts'));
    // the walk is real: it reaches the channels and the bot
    expect(prod).toContain(path.join(root, 'src/channels/wecom/callback.ts'));
    expect(prod).toContain(path.join(root, 'src/channels/dingtalk/receive.ts'));
    expect(prod).toContain(path.join(root, 'src/bot/bot.ts'));
    expect([...prod].filter((f) => f.startsWith(local)).map((f) => path.relative(root, f))).toEqual([]);
  });

  it('finds the local servers from the local entry (the walker sees what it should)', () => {
    const dev = reachable(path.join(root, 'src/local/main.ts'));
    expect(dev).toContain(path.join(root, 'src/local/wecom/local-server.ts'));
    expect(dev).toContain(path.join(root, 'src/local/dingtalk/demo.ts'));
    expect(dev).toContain(path.join(root, 'src/local/emulator/router.ts'));
  });
});

async function productionApp(env: Record<string, string>) {
  const db = await freshDatabaseUrl('sqlite');
  await applyMigrations(db.url);
  const { running, rt } = await startProduction({
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ID_HASH_KEY: 'production-test-hash-key-0123456789',
    ...env,
  });
  return {
    running,
    rt,
    async stop() {
      await running.stop();
      await rt.close();
      await db.drop();
    },
  };
}

const post = async (url: string, body: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: await res.text() };
};

describe('production with WeCom configured only', () => {
  const creds = madeUpWecom();
  let server: LocalWecomServer;
  let app: { running: RunningApp; rt: Runtime; stop(): Promise<void> };
  let client: WecomTestClient;
  beforeAll(async () => {
    expect(creds.token).not.toBe(WECOM_DEMO.token);
    server = await LocalWecomServer.start({ creds });
    app = await productionApp(wecomEnv(creds, server.url));
    client = new WecomTestClient(creds);
  });
  afterAll(async () => {
    await app?.stop();
    await server?.close();
  });

  it('runs WeCom only, with no demo data', async () => {
    expect([...app.running.channels.keys()]).toEqual(['wecom']);
    expect(app.rt.config.DEMO).toBe('off');
    expect(await app.rt.db.programme.count()).toBe(0);
  });

  it('answers a really signed callback (200, an encrypted passive reply) and refuses a forged one', async () => {
    const cb = client.seal(client.text('zhangsan', '帮助'));
    const r = await post(app.running.url + cb.path, cb.body, { 'content-type': 'text/xml' });
    expect(r.status).toBe(200);
    expect(client.openReply(r.body).Content).toBeTruthy();
    const forged = client.seal(client.text('zhangsan', '帮助'), { token: 'not-the-token' });
    expect((await post(app.running.url + forged.path, forged.body, { 'content-type': 'text/xml' })).status).toBe(401);
    // the demo credentials open nothing
    const demo = new WecomTestClient(WECOM_DEMO).seal(new WecomTestClient(WECOM_DEMO).text('zhangsan', '帮助'));
    expect((await post(app.running.url + demo.path, demo.body, { 'content-type': 'text/xml' })).status).toBe(401);
  });

  it('has no DingTalk routes and no emulator (404)', async () => {
    const dt = new DingtalkTestClient(madeUpDingtalk());
    const body = JSON.stringify(dt.text('zhangsan', '帮助'));
    expect((await post(`${app.running.url}/dingtalk/callback`, body, dt.headers())).status).toBe(404);
    expect((await post(`${app.running.url}/dingtalk/card-callback`, '{}', dt.cardHeaders())).status).toBe(404);
    expect((await fetch(`${app.running.url}/emulator/`)).status).toBe(404);
    expect((await fetch(`${app.running.url}/emulator/api/platforms`)).status).toBe(404);
  });
});

describe('production with DingTalk configured only', () => {
  const creds = madeUpDingtalk();
  let server: LocalDingtalkServer;
  let app: { running: RunningApp; rt: Runtime; stop(): Promise<void> };
  let client: DingtalkTestClient;
  beforeAll(async () => {
    expect(creds.appSecret).not.toBe(DINGTALK_DEMO.appSecret);
    server = await LocalDingtalkServer.start({ creds });
    app = await productionApp(dingtalkEnv(creds, server.url));
    client = new DingtalkTestClient(creds);
  });
  afterAll(async () => {
    await app?.stop();
    await server?.close();
  });

  it('answers a really signed callback through its sessionWebhook and refuses a forged one', async () => {
    expect([...app.running.channels.keys()]).toEqual(['dingtalk']);
    const body = client.text('lisi', '帮助', { session: server.openSession({ userId: 'lisi' }) });
    const r = await post(`${app.running.url}/dingtalk/callback`, JSON.stringify(body), client.headers());
    expect(r.status).toBe(200);
    await app.running.background.idle();
    expect(server.messagesTo('lisi').length).toBeGreaterThan(0);
    const forged = await post(
      `${app.running.url}/dingtalk/callback`,
      JSON.stringify(client.text('lisi', '帮助')),
      client.headers(Date.now(), DINGTALK_DEMO.appSecret),
    );
    expect(forged.status).toBe(401);
  });

  it('has no WeCom routes and no emulator (404)', async () => {
    const wc = new WecomTestClient(madeUpWecom());
    const cb = wc.seal(wc.text('lisi', '帮助'));
    expect((await post(app.running.url + cb.path, cb.body, { 'content-type': 'text/xml' })).status).toBe(404);
    expect((await fetch(app.running.url + wc.verification('echo'))).status).toBe(404);
    expect((await fetch(`${app.running.url}/emulator/`)).status).toBe(404);
  });
});

describe('what production refuses', () => {
  it('a partly configured platform names the missing variables', () => {
    const wecom = madeUpWecom();
    const partial = { WECOM_CORP_ID: wecom.corpId, WECOM_SECRET: wecom.secret };
    expect(() => loadConfig(partial)).toThrow(ConfigError);
    expect(() => loadConfig(partial)).toThrow(/WECOM_TOKEN: must be set too/);
    expect(() => loadConfig(partial)).toThrow(/WECOM_ENCODING_AES_KEY/);
    expect(() => loadConfig(partial)).toThrow(/WECOM_AGENT_ID/);
    expect(() => loadConfig({ DINGTALK_APP_KEY: 'dingabc' })).toThrow(/DINGTALK_APP_SECRET: must be set too/);
    expect(() => loadConfig({ DINGTALK_ROBOT_CODE: 'dingabc' })).toThrow(/DINGTALK_APP_KEY: must be set too/);
    // complete: no complaint
    expect(loadConfig({ DINGTALK_APP_KEY: 'dingabc', DINGTALK_APP_SECRET: 's' }).DINGTALK_APP_KEY).toBe('dingabc');
  });

  it('production with no platform configured refuses to start', async () => {
    const db = await freshDatabaseUrl('sqlite');
    try {
      await expect(
        startProduction({ NODE_ENV: 'production', DATABASE_URL: db.url, ID_HASH_KEY: 'a-key-of-our-own-0123456789' }),
      ).rejects.toThrow(NO_PLATFORM);
    } finally {
      await db.drop();
    }
  });

  it('an unmigrated database: production does not migrate on start, it names the step to run', async () => {
    const db = await freshDatabaseUrl('sqlite');
    const server = await LocalWecomServer.start({ creds: madeUpWecom() });
    try {
      await expect(
        startProduction({
          NODE_ENV: 'production',
          DATABASE_URL: db.url,
          ID_HASH_KEY: 'a-key-of-our-own-0123456789',
          ...wecomEnv(server.creds, server.url),
        }),
      ).rejects.toThrow(/not migrated \(0001_init[^)]* pending\).*db migrate/);
    } finally {
      await server.close();
      await db.drop();
    }
  });

  it('the processes stop with exit code 2 and the reason: a partial platform, and the local mode in production', async () => {
    const db = await freshDatabaseUrl('sqlite');
    const base = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, ID_HASH_KEY: 'a-key-of-our-own-0123456789' };
    const exit = (entry: string, env: Record<string, string>) =>
      run(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...base, ...env } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    try {
      const [partial, localInProd] = await Promise.all([
        exit('src/app/main.ts', { NODE_ENV: 'production', DINGTALK_APP_KEY: 'dingabc' }),
        exit('src/local/main.ts', { NODE_ENV: 'production', HUZHU_LOCAL: '1' }),
      ]);
      expect(partial.code).toBe(2);
      expect(partial.stderr).toContain('DINGTALK_APP_SECRET: must be set too');
      expect(localInProd.code).toBe(2);
      expect(localInProd.stderr).toContain('HUZHU_LOCAL');
    } finally {
      await db.drop();
    }
    // two processes compile TypeScript on start (tsx): allow for a loaded machine
  }, 60_000);
});
