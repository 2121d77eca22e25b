/**
 * Issue 16, item 5: replies that help. Each role's 帮助, a malformed 代绑, 继续 with nothing pending, an over-long
 * message, the first question answered after binding, 代绑 told to the worker, timeline labels from the dates,
 * the cover sentence, and the daily push after the roster closed. One suite, run once per platform.
 */
import { describe, expect, it } from 'vitest';
import { categoryChartSvg } from '../../src/charts/ranking-chart.js';
import { must } from '../../src/core/must.js';
import { Templates } from '../../src/core/templates.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { currentPeriod } from '../../src/services/periods.js';
import { platforms, said, useApp } from './harness.js';

describe.each(platforms)('replies that help on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });

  it('帮助 lists every command of the person’s roles, and only theirs', async () => {
    const worker = said(await ctx.d.say('demo-worker-1', '帮助'));
    for (const c of ['我参加了吗', '我要参加', '申请补助', '补助进度', '补材料', '截止日期'])
      expect(worker).toContain(c);
    for (const c of ['代绑', '未参名单', '已批未付', '发布通知', '待审批']) expect(worker).not.toContain(c);
    const rep = said(await ctx.d.say('demo-rep-1', '帮助'));
    for (const c of ['我单位进度', '未参名单', '代绑 账号 姓名 身份证后4位']) expect(rep).toContain(c);
    expect(rep).not.toContain('已批未付');
    const officer = said(await ctx.d.say('demo-officer-1', '帮助'));
    for (const c of ['待审批', '已批未付', '已支付 12,13', '全部已支付', '发布通知', '未参名单'])
      expect(officer).toContain(c);
    const centre = said(await ctx.d.say('demo-centre-1', '帮助'));
    expect(centre).toContain('待审批');
    expect(centre).not.toContain('全部已支付');
  });

  it('a bare or malformed 代绑 shows its format; a worker may not bind others', async () => {
    expect(said(await ctx.d.say('demo-rep-1', '代绑'))).toContain('代绑的格式：代绑 账号 姓名 身份证后4位');
    expect(said(await ctx.d.say('demo-rep-1', '代绑 someone 王小梅 12'))).toContain('代绑的格式');
    expect(said(await ctx.d.say('demo-rep-1', '代绑 王小梅 0029'))).toContain('代绑的格式');
    expect(said(await ctx.d.say('demo-worker-1', '代绑 someone 王小梅 0029'))).not.toContain('已为');
  });

  it('继续 with nothing pending says so', async () => {
    expect(said(await ctx.d.say('demo-worker-1', '继续'))).toContain('当前没有需要继续的事项');
  });

  it('an over-long message is answered in Chinese, bound or not, and starts nothing', async () => {
    const long = '我想问一下'.repeat(700);
    expect(said(await ctx.d.say('demo-worker-1', long))).toContain(`您的消息有 ${long.length} 个字，太长了`);
    expect(said(await ctx.d.say('long-stranger', long))).toContain('太长了');
  });

  it('after binding, the question asked first is answered', async () => {
    const period = await currentPeriod(ctx.t.rt.db);
    expect(said(await ctx.d.say('demo-worker-3', '截止日期是哪天'))).toContain('请回复您的姓名');
    expect(said(await ctx.d.say('demo-worker-3', '王小梅'))).toContain('后 4 位');
    const done = said(await ctx.d.say('demo-worker-3', '0029'));
    expect(done).toContain('身份核对成功');
    expect(done).toContain('截止日期是哪天');
    expect(done).toContain(`${period.name}的重要日期`);
    // the label's remark is built from the event's own date, not a fixed 3月底
    const close = must(
      period.policy.timeline.find((e) => e.key === 'roster_close'),
      'the policy has a roster_close date',
    );
    const [, m, d] = close.date.split('-').map(Number);
    expect(done).toContain(`参互报名截止（已延长至${m}月${d}日）`);
    expect(done).not.toContain('{date}');
  });

  it('代绑: the worker is told in their own chat; an account or a member already bound is said so', async () => {
    const db = ctx.t.rt.db;
    const rep = await db.chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform, userId: 'demo-rep-1' } },
      include: { member: { include: { roles: true } } },
    });
    const unitId = must(
      rep.member.roles.find((r) => r.role === 'rep'),
      'demo-rep-1 is a rep of a unit',
    ).orgId;
    // a worker on the unit's roster who never wrote to the bot (as the office's roster import leaves them)
    const who = await db.member.create({
      data: { name: '代绑测试', idHash: `proxy-test-${platform}`, idLast4: '4321', status: 'in_service', unitId },
    });
    const bound = said(await ctx.d.say('demo-rep-1', `代绑 proxy-new-1 ${who.name} ${who.idLast4}`));
    expect(bound).toContain(`已为 ${who.name} 绑定账号 proxy-new-1`);
    const identity = await db.chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform, userId: 'proxy-new-1' } },
    });
    expect(identity.memberId).toBe(who.id);
    const told = said(ctx.d.inbox('proxy-new-1'));
    expect(told).toContain(`${who.name}，您好。陈建国 已为您绑定`);
    // the same member again, from another account: already bound
    expect(said(await ctx.d.say('demo-rep-1', `代绑 proxy-new-2 ${who.name} ${who.idLast4}`))).toContain(
      `${who.name} 已经绑定过账号`,
    );
    // an account already bound
    expect(said(await ctx.d.say('demo-rep-1', `代绑 proxy-new-1 ${who.name} ${who.idLast4}`))).toContain(
      '账号 proxy-new-1 已经绑定过',
    );
    expect(await db.chatIdentity.count({ where: { platform, userId: 'proxy-new-2' } })).toBe(0);
  });

  it('a worker told they are not enrolled is offered 我要参加', async () => {
    expect(said(await ctx.d.say('demo-worker-2', '我参加了吗'))).toContain('回复“我要参加”');
    const claim = said(await ctx.d.say('demo-worker-2', '申请补助'));
    expect(claim).toContain('不能申请补助');
    expect(claim).toContain('回复“我要参加”');
  });

  it('enrolling says when cover runs (the period’s), not 交费后即生效', async () => {
    const period = await currentPeriod(ctx.t.rt.db);
    await ctx.d.say('demo-worker-2', '我要参加');
    const done = said(await ctx.d.say('demo-worker-2', '确认'));
    expect(done).toContain('报名成功');
    expect(done).not.toContain('交费后即生效');
    const [y, m, d] = period.policy.startsOn.split('-').map(Number);
    expect(done).toContain(`本期互助期为 ${y}年${m}月${d}日 至`);
  });
});

describe.each(platforms)('the daily push after the roster closed on %s', (platform) => {
  // the demo's roster closes 11 days after its today (2026-03-02): on 2026-03-20 enrolment is over
  const ctx = useApp(platform, { schedules: false, now: () => new Date('2026-03-20T01:17:00Z'), today: '2026-03-02' });
  it('reports the result: no one “still missing”, no 未参名单 prompt; the chart marks the rep’s own unit', async () => {
    await ctx.t.app.jobs.enqueue('ranking.daily', {});
    await ctx.t.app.jobs.idle();
    await ctx.t.app.background.idle();
    const rep = ctx.d.inbox('demo-rep-1');
    const text = said(rep.filter((m) => m.kind !== 'image'));
    expect(text).toContain('医疗互助进度日报（报名已截止）');
    expect(text).toMatch(/已完成 \d+ 人/);
    expect(text).not.toMatch(/名会员未参加/);
    // a worker not enrolled is no longer offered 我要参加: the roster closed on its date
    const close = must(
      (await currentPeriod(ctx.t.rt.db)).policy.timeline.find((e) => e.key === 'roster_close'),
      'the policy has a roster_close date',
    );
    const [y, m, d] = close.date.split('-').map(Number);
    const status = said(await ctx.d.say('demo-worker-2', '我参加了吗'));
    expect(status).toContain(`本期报名已于 ${y}年${m}月${d}日 截止`);
    expect(status).not.toContain('我要参加');
    expect(text).not.toContain('未参名单');
    expect(rep.some((m) => m.kind === 'image')).toBe(true);
    // the rep's chart is drawn with their ranked unit marked (本单位), not the group's shared one
    const charts = (await ctx.t.rt.db.delivery.findMany({ where: { kind: 'ranking_push', platform } })).filter((k) =>
      k.key.includes(':chart:'),
    );
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.every((k) => /"highlightId":\d+/.test(k.content))).toBe(true);
    const svg = categoryChartSvg(
      [
        { id: 1, name: '甲', rank: 1, participants: 3, ratioBp: 5000, display: '50%' },
        { id: 2, name: '乙', rank: 2, participants: 1, ratioBp: 1000, display: '10%' },
      ],
      { title: 't', highlightId: 2 },
    );
    expect(svg).toContain('乙（本单位）');
    expect(svg).not.toContain('甲（本单位）');
  });
});

describe.each(platforms)('deadline announcements on %s', (platform) => {
  // the demo's roster closes 11 days after its today (2026-03-02): 2026-03-06 is T-7
  const ctx = useApp(platform, { schedules: false, now: () => new Date('2026-03-06T01:17:00Z'), today: '2026-03-02' });
  it('carry the event’s own line and a label whose remark is the event’s own date', async () => {
    const period = await currentPeriod(ctx.t.rt.db);
    await ctx.t.app.jobs.enqueue('deadlines.daily', {});
    await ctx.t.app.jobs.idle();
    await ctx.t.app.background.idle();
    const text = said(ctx.d.groupInbox(DEMO_GROUP_CHAT));
    const close = must(
      period.policy.timeline.find((e) => e.key === 'roster_close'),
      'the policy has a roster_close date',
    );
    const [, m, d] = close.date.split('-').map(Number);
    expect(text).toContain(`还有 7 天：参互报名截止（已延长至${m}月${d}日）`);
    expect(text).toContain('请各单位代办员抓紧动员，把参互人员名册和互助金按时报送');
    expect(text).not.toContain('请各级工会、代办员抓紧落实');
  });
  it('each announced event has a line of its own', () => {
    const templates = new Templates();
    const lineOf = (key: string) =>
      templates
        .render('announce_deadline', { programme: 'p', period: 'q', daysBefore: 3, event: { key, label: 'x' } })
        .split('\n')[2];
    const keys = ['roster_close', 'period_start', 'period_end', 'claim_cutoff', 'payout_deadline'];
    expect(new Set(keys.map(lineOf)).size).toBe(keys.length);
  });
});
