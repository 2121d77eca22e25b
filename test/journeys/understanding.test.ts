/**
 * Issue #16 through the real callback: people's own words are understood, 能报多少 and rules questions are answered
 * from the period's policy instead of starting the claim form, thanks get a friendly line, an unsure message gets
 * one question with numbered choices, and an officer's announcement reaches the groups with its own punctuation.
 */
import { describe, expect, it } from 'vitest';
import { parseIntent } from '../../src/bot/intent.js';
import { choicesFor } from '../../src/bot/nlu/clarify.js';
import { must } from '../../src/core/must.js';
import { computeSubsidy } from '../../src/rules/index.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

const yuan = (fen: number) => (fen / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });

describe.each(platforms)('understanding people as they write, on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const policy = async () => (await currentPeriod(ctx.t.rt.db)).policy;

  it('am I enrolled, asked with 是否 / typos / traditional / dialect / a run-on sentence, is a status question', async () => {
    for (const q of [
      '请问我是否已经参加了今年的医疗互助',
      '我参家了马',
      '我參加互助了沒有',
      '俺参加了莫得',
      '我是退休的老职工，去年厂里帮我交过，今年不晓得有没有接着给我交，麻烦你帮我看看我还在不在名单上',
    ]) {
      const r = said(await ctx.d.say('demo-worker-1', q));
      expect(r, q).toContain('您已参加第二期');
      expect(r, q).not.toContain('回复“确认”');
    }
  });

  it('能报多少 with amounts gets the estimate at once, band by band, and no claim form starts', async () => {
    const p = await policy();
    const r = said(await ctx.d.say('demo-worker-1', '住院自付8000元，能报多少'));
    const s = computeSubsidy(
      p,
      { totalFen: 800_000, basicInsuranceFen: 0, selfPaidFen: 800_000, majorIllness: false },
      { paidThisPeriodFen: 0 },
    );
    expect(s.subsidyFen).toBeGreaterThan(0);
    expect(r).toContain(`预计补助 ${yuan(s.subsidyFen)} 元`);
    for (const seg of s.segments.filter((x) => x.amountFen > 0)) expect(r).toContain(`= ${yuan(seg.subsidyFen)} 元`);
    // a follow-up with another amount is estimated the same way
    const again = computeSubsidy(
      p,
      { totalFen: 2_000_000, basicInsuranceFen: 0, selfPaidFen: 2_000_000, majorIllness: false },
      { paidThisPeriodFen: 0 },
    );
    expect(said(await ctx.d.say('demo-worker-1', '那两万呢'))).toContain(`预计补助 ${yuan(again.subsidyFen)} 元`);
    // the next message is not read as the hospital of a claim form
    expect(said(await ctx.d.say('demo-worker-1', '海南省人民医院'))).not.toContain('第 2 步');
  });

  it('能报多少 without amounts asks for the amount and tells the policy; rules questions come from the policy', async () => {
    const p = await policy();
    const ask = said(await ctx.d.say('demo-worker-2', '我住院了能报多少'));
    expect(ask).toContain('自付金额');
    expect(ask).toContain(`起付线 ${yuan(p.subsidy.deductibleFen)} 元`);
    expect(said(await ctx.d.say('demo-worker-2', '起付线是多少'))).toContain(`${yuan(p.subsidy.deductibleFen)} 元`);
    expect(said(await ctx.d.say('demo-worker-2', '一年最多能报多少'))).toContain(`封顶 ${yuan(p.subsidy.capFen)} 元`);
    expect(said(await ctx.d.say('demo-worker-2', '参加要交多少钱'))).toContain(`新参 ${yuan(p.fees.newFen)} 元`);
    expect(said(await ctx.d.say('demo-worker-2', '申请补助要带什么材料'))).toContain('出院小结');
  });

  it('thanks and emoji get a friendly line; "what can you do" gets the help without 没看懂', async () => {
    for (const t of ['谢谢', '👍', '好的，辛苦了']) {
      const r = said(await ctx.d.say('demo-worker-1', t));
      expect(r, t).toContain('不客气');
      expect(r, t).not.toContain('没看懂');
    }
    const help = said(await ctx.d.say('demo-worker-1', '这个怎么用啊'));
    expect(help).toContain('我可以帮您');
    expect(help).not.toContain('没看懂');
  });

  it('an unsure message gets one question with numbered choices, and a number picks one', async () => {
    const options = choicesFor(parseIntent('互助', { roles: [] }));
    const pick = options.indexOf('enrol');
    expect(pick).toBeGreaterThanOrEqual(0);
    const asked = said(await ctx.d.say('demo-worker-2', '互助'));
    expect(asked).toContain('您是想');
    expect(asked).toContain(`${pick + 1} 报名参加互助`);
    const picked = said(await ctx.d.say('demo-worker-2', String(pick + 1)));
    expect(picked).toContain('新参');
    await ctx.d.say('demo-worker-2', '取消');
    // a number with nothing asked is not a choice
    expect(said(await ctx.d.say('demo-worker-2', '1'))).toContain('没看懂');
  });

  it('an officer’s announcement in their own words reaches the groups with its ，！：', async () => {
    const text = '名单请于周三前报送：各基层工会核对后，统一交办事处！';
    const asked = await ctx.d.say('demo-officer-1', `通知各基层工会：${text}`);
    const card = must(asked.find((m) => m.kind === 'card')?.card, 'a card among the replies');
    expect(card.buttons.map((b) => b.text)).toEqual(['发布', '取消']);
    await ctx.d.click('demo-officer-1', card.id, buttonKey(card));
    await ctx.t.app.jobs.idle();
    await ctx.t.app.background.idle();
    expect(said(ctx.d.groupInbox(DEMO_GROUP_CHAT))).toContain(text);
  });

  it('a reject reason reaches the worker with the officer’s own ，！', async () => {
    const w = 'demo-worker-1';
    for (const text of ['申请补助', '海南省人民医院', '2月3日', '2月10日', '3万', '1万', '6000', '否'])
      await ctx.d.say(w, text);
    await ctx.d.sendImage(w, PHOTO);
    await ctx.d.say(w, '完成');
    const id = Number(/#(\d+)/.exec(said(await ctx.d.say(w, '确认')))?.[1]);
    expect(id).toBeGreaterThan(0);
    const card = must(
      ctx.d
        .inbox('demo-officer-1')
        .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${id}`))
        .at(-1)?.card,
      'the claim’s card in the inbox',
    );
    await ctx.d.click('demo-officer-1', card.id, buttonKey(card, '驳回'));
    const reason = '发票金额与结算单不一致，请核对后重新提交！';
    expect(said(await ctx.d.say('demo-officer-1', reason))).toContain(`已驳回补助申请 #${id}`);
    await ctx.t.app.background.idle();
    expect(said(ctx.d.inbox(w))).toContain(`原因：${reason}`);
    expect((await ctx.t.rt.db.claim.findUniqueOrThrow({ where: { id } })).status).toBe('rejected');
  });
});
