import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { deadLetters, prepareReplay } from '../../src/jobs/deliveries.js';
import { createBullRunner } from '../../src/jobs/runner-bullmq.js';
import type { JobRunner } from '../../src/jobs/types.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { createRedisStore } from '../../src/state/redis.js';
import { providers } from '../support/db.js';
import { only } from '../support/only.js';
import { demoDb, jobDeps, outboxWith, RecordingSender, textOf } from './support.js';

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl).each(providers)(
  'BullMQ runner over one Redis, two app instances, seed 000 demo, %s',
  (provider) => {
    let t: Awaited<ReturnType<typeof demoDb>>;
    const platform = new RecordingSender('wecom');
    const runners: JobRunner[] = [];
    const stores: { close(): Promise<void> }[] = [];
    const prefix = `t-bull-${provider}-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      t = await demoDb(provider);
      for (let i = 0; i < 2; i++) {
        const store = createRedisStore(must(redisUrl, 'TEST_REDIS_URL (the suite is skipped without it)'), {
          prefix: `${prefix}:kv:`,
        });
        stores.push(store);
        // each instance has its own outbox; both end at the same platform, which records what arrives
        const r = createBullRunner(jobDeps(t, { outbox: outboxWith(platform), store }), {
          redisUrl: must(redisUrl, 'TEST_REDIS_URL (the suite is skipped without it)'),
          prefix,
          backoffScale: 0.001,
        });
        await r.start();
        runners.push(r);
      }
    });
    afterAll(async () => {
      for (const r of runners) await r.stop();
      for (const s of stores) await s.close();
      await t.drop();
    });

    it('registers one daily schedule per job at the policy time 09:00 Asia/Shanghai, however many instances start', async () => {
      const s = await must(runners[0], 'the first instance').schedules();
      const ranking = s.filter((x) => x.name === 'ranking.daily');
      expect(ranking).toHaveLength(1);
      expect(ranking[0]?.schedule).toEqual({ kind: 'daily', at: '09:00' });
      // 09:00 in Shanghai is 01:00 UTC
      expect(ranking[0]?.next).toMatch(/T01:00:00\.000Z$/);
      expect(s.find((x) => x.name === 'deadlines.daily')?.schedule).toEqual({ kind: 'daily', at: '09:00' });
    });

    it('sends each push exactly once when both instances run the daily push at the same moment', async () => {
      await Promise.all(runners.map((r) => r.enqueue('ranking.daily', {})));
      for (const r of runners) await r.idle();
      const seen = platform.sent.map(
        (s) =>
          `${JSON.stringify(s.to)}|${s.msg.kind}|${textOf(s.msg)}|${s.msg.kind === 'image' ? s.msg.png.length : ''}`,
      );
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen).size).toBe(seen.length);
      const rows = await t.db.delivery.findMany();
      expect(rows.length).toBe(platform.sent.length);
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
      expect(platform.sent.filter((s) => 'userIds' in s.to && s.msg.kind === 'markdown')).toHaveLength(1);
      expect(
        platform.sent.filter((s) => 'chatId' in s.to && s.to.chatId === DEMO_GROUP_CHAT && s.msg.kind === 'image'),
      ).toHaveLength(3);
    });

    it('retries a failing send with backoff, lists it as a dead letter after the last attempt, and replays it once', async () => {
      const failing = new RecordingSender('wecom');
      failing.failures = { n: 5, error: () => new Error('WeCom unavailable: connection reset') };
      // a third instance whose platform connection is broken
      const store = createRedisStore(must(redisUrl, 'TEST_REDIS_URL (the suite is skipped without it)'), {
        prefix: `${prefix}:kv:`,
      });
      stores.push(store);
      for (const r of runners) await r.stop();
      runners.length = 0;
      const broken = createBullRunner(jobDeps(t, { outbox: outboxWith(failing), store }), {
        redisUrl: must(redisUrl, 'TEST_REDIS_URL (the suite is skipped without it)'),
        prefix,
        backoffScale: 0.001,
        schedules: false,
      });
      await broken.start();
      runners.push(broken);
      await t.db.delivery.create({
        data: {
          key: 'notice:test:wecom:demo-rep-1',
          kind: 'notice',
          platform: 'wecom',
          recipient: JSON.stringify({ userIds: ['demo-rep-1'] }),
          content: JSON.stringify({ kind: 'text', text: '测试通知' }),
        },
      });
      await broken.enqueue('deliver', { key: 'notice:test:wecom:demo-rep-1' }, { jobId: 'deliver|notice|test' });
      await broken.idle();
      const dead = await deadLetters(t.db);
      expect(dead.map((d) => [d.key, d.status, d.attempts])).toEqual([['notice:test:wecom:demo-rep-1', 'dead', 5]]);
      const letter = only(dead, 'dead letter');
      expect(letter.error).toContain('connection reset');
      expect(failing.sent).toHaveLength(0);

      const plan = await prepareReplay(t.db, letter.id);
      expect(plan).toEqual({ name: 'deliver', data: { key: 'notice:test:wecom:demo-rep-1' } });
      if (plan?.name !== 'deliver') throw new Error('expected a send to replay');
      await broken.enqueue('deliver', plan.data, { jobId: 'deliver|notice|test|replay' });
      await broken.idle();
      expect(failing.sent.map((s) => textOf(s.msg))).toEqual(['测试通知']);
      expect(await deadLetters(t.db)).toEqual([]);
      // a second replay of the same row is refused: it is sent
      expect(await prepareReplay(t.db, letter.id)).toBeNull();
    });
  },
);
