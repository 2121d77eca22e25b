/**
 * Issue 6 through the platform: the daily ranking push (seed 000's tables) and the deadline announcements
 * (RULES §8, seed 002's slogans) as each platform's users and groups receive them; an officer's ad-hoc
 * announcement after a confirmation card. One suite, run once per platform.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { platforms, said, useApp } from './harness.js';

describe.each(platforms)('broadcasts on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const runNow = async (job: 'ranking.daily' | 'deadlines.daily') => {
    await ctx.t.app.jobs.enqueue(job, {});
    await ctx.t.app.jobs.idle();
    await ctx.t.app.background.idle();
  };

  it('the daily push gives the rep their unit line and the category chart, the group the full tables, once', async () => {
    await runNow('ranking.daily');
    const rep = ctx.d.inbox('demo-rep-1');
    const line = said(rep.filter((m) => m.kind !== 'image'));
    expect(line).toContain('医疗互助进度日报');
    expect(line).toContain('海口市演示单位工会');
    expect(line).toMatch(/市、县工会第 \d+\/21 名/);
    expect(line).toMatch(/尚有 \d+ 名会员未参加/);
    const chart = rep.find((m) => m.kind === 'image');
    expect(chart, 'the chart image').toBeDefined();

    const group = said(ctx.d.groupInbox(DEMO_GROUP_CHAT));
    expect(group).toContain('第二期医疗互助工作进度表');
    expect(group).toContain('三沙市总工会（筹）');
    expect(group).toContain('省本级100%');
    expect(group.indexOf('市、县工会')).toBeLessThan(group.indexOf('产业、系统工会'));
    expect(ctx.d.groupInbox(DEMO_GROUP_CHAT).some((m) => m.kind === 'image')).toBe(true);

    // a second run of the same day (another instance, a retry) sends nothing new
    const before = { rep: ctx.d.inbox('demo-rep-1').length, group: ctx.d.groupInbox(DEMO_GROUP_CHAT).length };
    await runNow('ranking.daily');
    expect(ctx.d.inbox('demo-rep-1')).toHaveLength(before.rep);
    expect(ctx.d.groupInbox(DEMO_GROUP_CHAT)).toHaveLength(before.group);
    // workers get no ranking push
    expect(said(ctx.d.inbox('demo-worker-2'))).not.toContain('进度日报');
  });

  it('an officer posts an announcement to the groups after a confirmation card; a worker may not', async () => {
    expect(said(await ctx.d.say('demo-worker-2', '发布通知 明天开会'))).toContain('仅限');
    const asked = await ctx.d.say('demo-officer-1', '发布通知 本周五前请各单位报送参互名册');
    const card = must(asked.find((m) => m.kind === 'card')?.card, 'a card among the replies');
    expect(card.buttons.map((b) => b.text)).toEqual(['发布', '取消']);
    await ctx.d.click('demo-officer-1', card.id, buttonKey(card));
    await ctx.t.app.jobs.idle();
    await ctx.t.app.background.idle();
    expect(said(ctx.d.groupInbox(DEMO_GROUP_CHAT))).toContain('本周五前请各单位报送参互名册');
    expect(ctx.d.card('demo-officer-1', card.id)?.finalText).toMatch(/已发布/);
  });
});

describe.each(platforms)('deadline announcements on %s', (platform) => {
  // the demo's roster closes 11 days after 2026-03-02; on 2026-03-06 that is T-7
  const ctx = useApp(platform, { schedules: false, now: () => new Date('2026-03-06T01:17:00Z'), today: '2026-03-02' });
  it('announces the roster deadline at T-7 with one of the programme slogans', async () => {
    const period = await currentPeriod(ctx.t.rt.db);
    await ctx.t.app.jobs.enqueue('deadlines.daily', {});
    await ctx.t.app.jobs.idle();
    await ctx.t.app.background.idle();
    const text = said(ctx.d.groupInbox(DEMO_GROUP_CHAT));
    expect(text).toContain('2026年3月13日');
    expect(text).toMatch(/7 天/);
    expect(period.policy.slogans.some((s) => text.includes(s))).toBe(true);
  });
});
