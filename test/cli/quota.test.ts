/**
 * `huzhu quota` through the real CLI on the demo federation (seed 000): the metered platform's month, projected
 * from the schedules the database implies, fits the free tier. DingTalk is configured (made-up credentials, its API
 * at a local DingTalk server): only configured platforms are opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { cli, cliWith } from '../support/cli.js';
import { freshDatabaseUrl } from '../support/db.js';

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
    expect(r.out).toMatch(/已用 used\s+0 \/ 5000/);
    const need = Number(/计划每月需要 schedules need (\d+)/.exec(r.out)?.[1]);
    expect(need).toBeGreaterThan(0);
    expect(need).toBeLessThan(5000);
  });

  it('flush sends nothing when nothing is held', async () => {
    const r = await quota('flush');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sent 0/);
  });
});
