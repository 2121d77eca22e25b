/**
 * `huzhu quota` through the real CLI on the demo federation (seed 000): the metered platform's month, projected
 * from the schedules the database implies, fits the free tier. DingTalk is configured (made-up credentials, its API
 * at a local DingTalk server): only configured platforms are opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackground } from '../../src/background.js';
import { createDingtalkChannelWith } from '../../src/channels/dingtalk/index.js';
import { loadConfig } from '../../src/config.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { cli, cliWith } from '../support/cli.js';
import { freshDatabaseUrl } from '../support/db.js';
import { captureLog } from '../support/dingtalk/harness.js';

describe('huzhu quota (seed 000_323d04b7f63f3eb1.txt demo federation)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let server: LocalDingtalkServer;
  let env: Record<string, string>;
  const quota = (...args: string[]) => cliWith(env, db.url, 'quota', ...args);
  beforeAll(async () => {
    db = await freshDatabaseUrl('sqlite');
    expect((await cli(db.url, 'demo', '--today', '2026-03-02')).code).toBe(0);
    server = await LocalDingtalkServer.start({
      creds: {
        appKey: 'dingquotatestapp',
        appSecret: 'quota-test-app-secret-0123456789',
        robotCode: 'dingquotatestapp',
        corpId: 'dingquotatestcorp',
        cardApiSecret: 'quota-test-card-secret',
        cardTemplateId: 'tpl.schema',
        callbackRouteKey: 'huzhu_approval',
      },
    });
    env = {
      DINGTALK_APP_KEY: 'dingquotatestapp',
      DINGTALK_APP_SECRET: 'quota-test-app-secret-0123456789',
      DINGTALK_API_BASE: server.url,
      DINGTALK_OAPI_BASE: server.url,
      DINGTALK_MODE: 'http',
    };
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it('says so when no platform with a monthly quota is configured', async () => {
    const r = await cli(db.url, 'quota');
    expect(r.code).toBe(0);
    expect(r.out).toContain('没有按月计量接口调用的平台');
  });

  it('shows calls used and the month projected under the monthly budget', async () => {
    const r = await quota();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/本月已用\s+0 次 \/ 额度 5000 次/);
    const need = Number(/整月需要 (\d+) 次/.exec(r.out)?.[1]);
    expect(need).toBeGreaterThan(0);
    expect(need).toBeLessThan(5000);
  });

  it('flush sends nothing when nothing is held', async () => {
    const r = await quota('flush');
    expect(r.code).toBe(0);
    expect(r.out).toContain('已补发 0 条');
  });

  it('without Redis, shows the calls the server counted (kept in a file beside the database, not in its memory)', async () => {
    const { log } = captureLog();
    const background = createBackground(log);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...env });
    // the server's side: the channel as the app opens it (diskState), sending through the DingTalk API
    const channel = await createDingtalkChannelWith(
      {
        config,
        store: createMemoryStore(),
        log,
        now: () => new Date(),
        background,
        handle: async () => [],
        diskState: true,
      },
      { baseDelayMs: 5, flushEveryMs: 0 },
    );
    for (const text of ['一', '二', '三']) await channel.sender.send({ userIds: ['rep1'] }, { kind: 'text', text });
    await background.idle();
    expect(server.messagesTo('rep1')).toHaveLength(3);
    // another process (the CLI, its own memory) reads the same count
    const r = await quota();
    await channel.stop();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/本月已用\s+3 次 \/ 额度 5000 次/);
    expect(r.out).toMatch(/状态\s+正常/);
  });
});
