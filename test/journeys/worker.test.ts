/**
 * Issue 4: every worker journey through the platform's real callback, checked in what the user received and in the
 * database. One suite, run once per platform.
 */
import { describe, expect, it } from 'vitest';
import { currentPeriod } from '../../src/services/periods.js';
import { ranking } from '../../src/services/progress.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

describe.each(platforms)('worker journeys on %s', (platform) => {
  const ctx = useApp(platform);
  const memberOf = async (userId: string) =>
    (
      await ctx.t.rt.db.chatIdentity.findUniqueOrThrow({
        where: { platform_userId: { platform, userId } },
        include: { member: true },
      })
    ).member;

  it('status: an enrolled worker hears the period, kind, fee, claims and what is left under the cap', async () => {
    const r = said(await ctx.d.say('demo-worker-1', '我参加了吗'));
    expect(r).toContain('您已参加第二期');
    expect(r).toContain('续互');
    expect(r).toMatch(/本期补助申请 1 笔，已支付 [\d,.]+ 元/);
    expect(r).toContain('还可补助');
  });

  it('ranking: a worker hears the tables and their own unit’s place in its category', async () => {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const m = await db.chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform, userId: 'demo-worker-1' } },
      include: { member: { include: { unit: true } } },
    });
    const r = await ranking(db, period);
    const category = r.categories.find((c) => c.rows.some((row) => row.id === m.member.unit.rankUnitId));
    const own = category?.rows.find((row) => row.id === m.member.unit.rankUnitId);
    if (!category || !own) throw new Error('the demo worker’s unit is ranked');
    const text = said(await ctx.d.say('demo-worker-1', '排名'));
    expect(text).toContain(
      `您所在的“${own.name}”：${category.category}第 ${own.rank} / ${category.rows.length} 名，已完成 ${own.participants} 人`,
    );
    for (const c of r.categories) expect(text).toContain(c.category);
  });

  it('status: a worker on the roster but not enrolled is told how to join', async () => {
    expect(said(await ctx.d.say('demo-worker-2', '查一下我的互助'))).toContain('您还没有参加第二期');
  });

  it('enrol: fee from the policy (新参 for a member not in the previous period), confirmation, recorded as due', async () => {
    const period = await currentPeriod(ctx.t.rt.db);
    const ask = said(await ctx.d.say('demo-worker-2', '我要参加'));
    expect(ask).toContain('新参');
    expect(ask).toContain(`${period.policy.fees.newFen / 100}`);
    const done = said(await ctx.d.say('demo-worker-2', '确认'));
    expect(done).toContain('报名成功');
    expect(done).toContain('陈建国'); // the unit's rep collects the fee
    const m = await memberOf('demo-worker-2');
    const e = await ctx.t.rt.db.enrolment.findUniqueOrThrow({
      where: { periodId_memberId: { periodId: period.id, memberId: m.id } },
    });
    expect(e).toMatchObject({ kind: 'new', feeFen: period.policy.fees.newFen, paid: false, source: 'chat' });
    expect(said(await ctx.d.say('demo-worker-2', '报名'))).toContain('无需重复报名');
    // asked before enrolling, asked again now: the answer follows the enrolment at once
    expect(said(await ctx.d.say('demo-worker-2', '我参加了吗'))).toContain('您已参加第二期');
  });

  it('claim: the whole form, with wrong answers corrected on the way, ends stored with the rules core estimate', async () => {
    const w = 'demo-worker-1';
    const steps: [string, string][] = [
      ['我住院了，要申请补助', '第 1 步'],
      ['<script>alert(1)</script>', '医院的名称'],
      ['海南省人民医院', '第 2 步'],
      ['2026-12-30', '还没到'],
      ['2月3日', '第 3 步'],
      ['2月1日', '早于入院日期'],
      ['2月10日', '第 4 步'],
      ['-500', '不能是负数'],
      ['一万二', '第 5 步'],
      ['3000', '第 6 步'],
      ['9500', '个人自付不能超过 9,000 元'],
      ['8,800元', '第 7 步'],
      ['也许吧', '“是”或“否”'],
      ['否', '第 8 步'],
    ];
    for (const [text, expected] of steps) expect(said(await ctx.d.say(w, text)), text).toContain(expected);
    expect(said(await ctx.d.sendImage(w, PHOTO))).toContain('已收到第 1 张照片');
    const summary = said(await ctx.d.say(w, '完成'));
    expect(summary).toContain('海南省人民医院');
    expect(summary).toContain('总费用 12,000 元');
    expect(summary).toMatch(/预计补助：[\d,.]+ 元/);
    const submitted = said(await ctx.d.say(w, '确认'));
    expect(submitted).toMatch(/补助申请 #\d+ 已提交/);

    const m = await memberOf(w);
    const claim = await ctx.t.rt.db.claim.findFirstOrThrow({
      where: { memberId: m.id, status: 'submitted' },
      include: { attachments: true },
    });
    expect(claim).toMatchObject({
      hospital: '海南省人民医院',
      totalFen: 1_200_000,
      basicInsuranceFen: 300_000,
      selfPaidFen: 880_000,
      majorIllness: false,
    });
    expect(claim.admittedOn < claim.dischargedOn).toBe(true);
    expect(claim.attachments).toHaveLength(1);
    expect(summary).toContain((claim.subsidyFen / 100).toLocaleString('en-US', { maximumFractionDigits: 2 }));
    // the office's officer got an approval card
    const cards = ctx.d.inbox('demo-officer-1').filter((x) => x.kind === 'card');
    expect(cards.at(-1)?.text).toContain('海南省人民医院');
    expect(cards.at(-1)?.text).not.toContain('林海燕'); // masked
    expect(cards.at(-1)?.text).toContain('林*燕');
  });

  it('claim status lists the claims and their state', async () => {
    const r = said(await ctx.d.say('demo-worker-1', '我的补助到哪一步了'));
    expect(r).toContain('待审批');
    expect(r).toContain('已支付');
  });

  it('a photo where a number is expected, 5 000 characters and emoji get a clear answer and the form keeps its answers', async () => {
    const w = 'demo-worker-1';
    await ctx.d.say(w, '申请补助');
    await ctx.d.say(w, '海口市人民医院');
    expect(said(await ctx.d.sendImage(w, PHOTO))).toContain('这一步需要文字回答');
    expect(said(await ctx.d.say(w, '住'.repeat(5_000)))).toMatch(/太长/);
    expect(said(await ctx.d.say(w, '😀🏥'))).toContain('请回复例如 3月5日');
    // an interruption: a question is answered and the form waits
    const mid = said(await ctx.d.say(w, '什么时候截止'));
    expect(mid).toContain('重要日期');
    expect(mid).toContain('回复“继续”');
    expect(said(await ctx.d.say(w, '继续'))).toContain('第 2 步');
    expect(said(await ctx.d.say(w, '取消'))).toContain('已取消补助申请');
    expect(said(await ctx.d.say(w, '取消'))).toMatch(/没有|不需要|正在/);
  });

  it('deadlines and help', async () => {
    expect(said(await ctx.d.say('demo-worker-2', '截止日期'))).toMatch(/还有 \d+ 天/);
    expect(said(await ctx.d.say('demo-worker-2', '帮助'))).toContain('我参加了吗');
    expect(said(await ctx.d.say('demo-worker-2', '今天天气怎么样'))).toContain('没看懂');
  });

  it('roles: a worker asking for the unit or the office gets a clear refusal', async () => {
    expect(said(await ctx.d.say('demo-worker-2', '未参名单'))).toContain('仅限');
    expect(said(await ctx.d.say('demo-worker-2', '待审批'))).toContain('仅限');
    expect(said(await ctx.d.say('demo-worker-2', '我单位进度'))).toContain('仅限');
  });

  it('roles: the rep sees their unit and who is missing', async () => {
    const progress = said(await ctx.d.say('demo-rep-1', '我单位进度'));
    expect(progress).toContain('海口市演示单位工会');
    const missing = said(await ctx.d.say('demo-rep-1', '未参名单'));
    expect(missing).toContain('王小梅'); // on the roster, never enrolled
    expect(missing).not.toMatch(/\d{17}[\dX]/);
  });

  it('binding: an unknown user is asked name and last 4, five failures lock it', async () => {
    const u = 'demo-worker-3';
    expect(said(await ctx.d.say(u, '我参加了吗'))).toContain('请回复您的姓名');
    expect(said(await ctx.d.say(u, '王小梅'))).toContain('后 4 位');
    expect(said(await ctx.d.say(u, '0029'))).toContain('身份核对成功');
    expect(said(await ctx.d.say(u, '我参加了吗'))).toContain('王小梅');

    const stranger = 'stranger-1';
    await ctx.d.say(stranger, '你好');
    let last = '';
    for (let i = 0; i < 5; i++) {
      await ctx.d.say(stranger, '张三');
      last = said(await ctx.d.say(stranger, '1234'));
    }
    expect(last).toContain('已暂停绑定 1 小时');
    expect(said(await ctx.d.say(stranger, '王小梅'))).toContain('已暂停绑定');
  });

  it('a retried delivery is answered once', async () => {
    const first = await ctx.d.say('demo-worker-2', '我参加了吗');
    expect(first.length).toBeGreaterThan(0);
    const again = await ctx.d.redeliverLast('demo-worker-2');
    expect(again.filter((m) => m.kind !== 'text' || m.text)).toHaveLength(0);
  });
});

describe.each(platforms)('enrolment after the roster deadline on %s', (platform) => {
  // the demo's roster closes 11 days after the day that plays 2017-03-20: 20 days later it is closed
  const ctx = useApp(platform, { now: () => new Date('2026-03-22T02:17:00Z'), today: '2026-03-02' });
  it('is refused politely, naming the date', async () => {
    const r = said(await ctx.d.say('demo-worker-2', '我要参加'));
    expect(r).toContain('已于 2026-03-13 截止');
  });
});
