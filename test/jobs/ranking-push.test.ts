import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import type { JobRunner } from '../../src/jobs/types.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { currentPeriod } from '../../src/services/periods.js';
import { ranking } from '../../src/services/progress.js';
import { providers } from '../support/db.js';
import { only } from '../support/only.js';
import { demoDb, jobDeps, NOTICE_DAY, outboxWith, PNG_SIGNATURE, RecordingSender, textOf } from './support.js';

describe.each(providers)(
  'daily ranking push, seed 000 (000_323d04b7f63f3eb1.txt), in-process runner, %s',
  (provider) => {
    let t: Awaited<ReturnType<typeof demoDb>>;
    const wecom = new RecordingSender('wecom');
    let runner: JobRunner;
    let expected: Awaited<ReturnType<typeof ranking>>;

    beforeAll(async () => {
      t = await demoDb(provider);
      const period = await currentPeriod(t.db);
      expected = await ranking(t.db, period);
      const haikou = must(
        expected.categories[0]?.rows.find((r) => r.name === '海口市总工会'),
        '海口市总工会 ranks in 市、县工会',
      );
      // yesterday's snapshot: 3 fewer, so the change since yesterday is +3
      await t.db.progressSnapshot.create({
        data: {
          periodId: t.periodId,
          orgId: Number(haikou.id),
          day: '2017-03-19',
          participants: haikou.participants - 3,
        },
      });
      runner = createMemoryRunner(jobDeps(t, { outbox: outboxWith(wecom) }), { schedules: false });
      await runner.start();
      await runner.enqueue('ranking.daily', {});
      await runner.idle();
    });
    afterAll(async () => {
      await runner.stop();
      await t.drop();
    });

    it("sends the rep of 海口市演示单位工会 their unit's line: done, ratio, rank in 市、县工会, change since yesterday, gap, missing", () => {
      const toRep = wecom.sent.filter((s) => 'userIds' in s.to && s.to.userIds.includes('demo-rep-1'));
      const texts = toRep.filter((s) => s.msg.kind === 'markdown').map((s) => textOf(s.msg));
      expect(texts).toHaveLength(1);
      const text = only(texts, 'markdown to the rep');
      const row = must(
        expected.categories[0]?.rows.find((r) => r.name === '海口市总工会'),
        '海口市总工会 ranks in 市、县工会',
      );
      expect(text).toContain('2017年3月20日');
      expect(text).toContain('**海口市演示单位工会**');
      expect(text).toContain(
        `海口市总工会：已完成 ${row.participants} 人（${row.display}），市、县工会第 ${row.rank}/21 名`,
      );
      expect(text).toContain('较昨日：+3 人');
      // seed 003's floor: not below the previous period's count (UnitBaseline of seed 000's 第一期参加数 43063 / 1000)
      expect(text).toMatch(/距上期参加数 43 人还差 \d+ 人|已达到上期参加数 43 人/);
      // the demo unit: the 6 demo people, of whom 符明亮 and 王小梅 have not enrolled
      expect(text).toContain('本单位已参加 4 人 / 会员 6 人');
      expect(text).toContain('尚有 2 名会员未参加');
      expect(text).toContain('回复“未参名单”');
      expect(text).toContain(
        `全省进度：${expected.headline.participants} / 目标 ${expected.headline.target} 人（${expected.headline.display}）`,
      );
    });

    it('sends the rep the chart of their category as a PNG rendered on the server', () => {
      const images = wecom.sent.filter(
        (s) => 'userIds' in s.to && s.to.userIds.includes('demo-rep-1') && s.msg.kind === 'image',
      );
      expect(images).toHaveLength(1);
      const png = (only(images, 'image to the rep').msg as { png: Buffer }).png;
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(png.length).toBeGreaterThan(10_000);
      expect(png.length).toBeLessThan(2_000_000);
      // IHDR: 900 px wide, one bar per unit of the category
      expect(png.readUInt32BE(16)).toBe(900);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(110 + 21 * 28);
    });

    it("sends the federation's group the full tables of seed 000: grouped, sorted, totals, headline", () => {
      const group = wecom.sent.filter((s) => 'chatId' in s.to && s.to.chatId === DEMO_GROUP_CHAT);
      const md = group.filter((s) => s.msg.kind === 'markdown').map((s) => textOf(s.msg));
      const images = group.filter((s) => s.msg.kind === 'image');
      expect(images).toHaveLength(expected.categories.length);
      for (const part of md) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(2048);
      const all = md.join('\n');
      expect(all).toContain('第二期医疗互助工作进度表');
      expect(all).toContain(
        `统计参与职工 ${expected.headline.participants} 人，已达到总目标参与人数（${expected.headline.target}）的 ${expected.headline.display}`,
      );
      for (const c of expected.categories) {
        expect(all).toContain(`**${c.category}**（按完成数占会员总数比例排序）`);
        const positions = c.rows.map((r) =>
          all.indexOf(`${r.rank}．${r.name}｜${r.previousParticipants}｜${r.participants}｜`),
        );
        expect(positions.every((p) => p >= 0)).toBe(true);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(all).toContain(`合计｜${c.totals.previousParticipants}｜${c.totals.participants}`);
      }
      // the special cell of seed 000 survives
      expect(all).toMatch(/\d+．地税工会｜\d+｜\d+｜省本级100%/);
    });

    it('sends nothing twice and nothing to anyone else, and takes the day snapshot', async () => {
      const keys = wecom.sent.map(
        (s) =>
          `${JSON.stringify(s.to)}|${s.msg.kind}|${textOf(s.msg).slice(0, 40)}|${s.msg.kind === 'image' ? s.msg.png.length : ''}`,
      );
      expect(new Set(keys).size).toBe(keys.length);
      const users = new Set(wecom.sent.flatMap((s) => ('userIds' in s.to ? s.to.userIds : [])));
      expect([...users]).toEqual(['demo-rep-1']);
      const chats = new Set(wecom.sent.flatMap((s) => ('chatId' in s.to ? [s.to.chatId] : [])));
      expect([...chats]).toEqual([DEMO_GROUP_CHAT]);
      const snaps = await t.db.progressSnapshot.count({ where: { periodId: t.periodId, day: NOTICE_DAY } });
      expect(snaps).toBe(expected.categories.reduce((n, c) => n + c.rows.length, 0));
      const rows = await t.db.delivery.findMany();
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
      expect(rows.length).toBe(wecom.sent.length);
    });

    it('running the same day again sends nothing more', async () => {
      const before = wecom.sent.length;
      await runner.enqueue('ranking.daily', {});
      await runner.idle();
      expect(wecom.sent.length).toBe(before);
    });
  },
);
