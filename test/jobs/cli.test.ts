import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { runJobsCommand } from '../../src/cli/jobs.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/core/log.js';
import type { Runtime } from '../../src/runtime.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { demoDb, PUSH_TIME } from './support.js';

const redisUrl = process.env.TEST_REDIS_URL;

describe('huzhu jobs (without REDIS_URL), seed 000 demo', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  let rt: Runtime;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runJobsCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, rt, {
      now: () => PUSH_TIME,
      platforms: () => ['wecom'],
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  beforeAll(async () => {
    t = await demoDb('sqlite');
    rt = { config: loadConfig({ DATABASE_URL: t.url }), log: createLog('silent'), db: t.db, close: async () => {} };
  });
  afterAll(async () => t.drop());

  it('lists the schedules at the policy time, Beijing time', async () => {
    const r = await run('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ranking\.daily\s+每天 09:00\s+下次 2017-03-21 09:00 \(北京时间\)/);
    expect(r.out).toMatch(/deadlines\.daily\s+每天 09:00/);
    expect(r.out).toMatch(/deliveries\.sweep\s+每 60 秒/);
    // each job and message kind in Chinese next to its machine name
    expect(r.out).toMatch(/每日排名推送\s+ranking\.daily/);
    expect(r.out).toMatch(/补发排队中的消息\s+deliveries\.sweep/);
  });

  it('run plans the day’s ranking push into the Delivery table for the app to send, once', async () => {
    const r = await run('run', 'ranking.daily', '--date', '2017-03-20');
    expect(r.code).toBe(0);
    const queued = await t.db.delivery.count({ where: { status: 'queued' } });
    // the rep: their line and their category's chart; the group: the tables and three charts
    expect(await t.db.delivery.count({ where: { status: 'queued', kind: 'ranking_push' } })).toBe(2);
    expect(
      await t.db.delivery.count({
        where: { status: 'queued', kind: 'ranking_group', content: { contains: '"chart"' } },
      }),
    ).toBe(3);
    expect(r.out).toContain(`${queued} 条消息排队中`);
    expect(await t.db.progressSnapshot.count({ where: { day: '2017-03-20' } })).toBeGreaterThan(40);
    await run('run', 'ranking.daily', '--date', '2017-03-20');
    expect(await t.db.delivery.count()).toBe(queued);
    // the messages by kind and state, in words an admin reads
    expect((await run('list')).out).toMatch(/代办员日报\s+排队中\s+2 条/);
  });

  it('dead lists the dead letters and replay puts one back once; bad input is refused', async () => {
    expect((await run('dead')).out).toContain('死信列表为空');
    const row = await t.db.delivery.create({
      data: {
        key: 'notice:cli:wecom:demo-rep-1',
        kind: 'notice',
        platform: 'wecom',
        recipient: '{"userIds":["demo-rep-1"]}',
        content: '{"kind":"text","text":"x"}',
        status: 'dead',
        attempts: 5,
        error: 'errcode 81013',
      },
    });
    const dead = await run('dead');
    expect(dead.out).toContain(`#${row.id}  已失败 dead  通知 notice`);
    expect(dead.out).toContain('errcode 81013');
    expect((await run('replay', String(row.id))).code).toBe(0);
    expect((await t.db.delivery.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('queued');
    expect((await run('replay', String(row.id))).code).toBe(1);
    expect((await run('replay', 'abc')).code).toBe(2);
    expect((await run('run', 'nope')).code).toBe(2);
    expect((await run('run', 'ranking.daily', '--date', '20170320')).code).toBe(2);
  });
});

describe.skipIf(!redisUrl)('huzhu jobs with REDIS_URL talks to the running app’s queue under REDIS_PREFIX', () => {
  let t: TestApp;
  /** the real CLI, in the environment an admin has next to the app: same database, Redis and REDIS_PREFIX */
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['jobs', ...argv], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: {
        DATABASE_URL: t.rt.config.DATABASE_URL,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: t.rt.config.REDIS_PREFIX,
        LOG_LEVEL: 'silent',
      },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  beforeAll(async () => {
    // the test app has a REDIS_PREFIX of its own (not the default), as a shared Redis needs
    t = await startTestApp({ redis: true });
    expect(t.rt.config.REDIS_PREFIX).not.toBe('huzhu');
  });
  afterAll(async () => t?.stop());

  it('list shows the schedules the app registered, and the queue', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ranking\.daily\s+每天 09:00/);
    expect(r.out).toMatch(/deliveries\.sweep\s+每 60 秒/);
    expect(r.out).toMatch(/^队列：/m);
  });

  it('run reaches the app: its worker plans the push of the day asked', async () => {
    // a day the app's own schedule never runs (the frozen clock is 2026-03-02)
    const day = '2026-02-27';
    expect(await t.rt.db.progressSnapshot.count({ where: { day } })).toBe(0);
    const r = await cli('run', 'ranking.daily', '--date', day);
    expect(r).toMatchObject({ code: 0, out: '任务 ranking.daily 已加入队列' });
    await vi.waitFor(async () => expect(await t.rt.db.progressSnapshot.count({ where: { day } })).toBeGreaterThan(0), {
      timeout: 15_000,
      interval: 50,
    });
  });
});
