/**
 * Issue #16: refunds and claim materials are answered from the current period's policy data, per programme, through
 * the real signed callback on each platform. Each programme's notice says something different about refunds
 * (seed 003: never refunded; seed 004: units breaking the entry rules get neither refund nor subsidy; seeds 000,
 * 001, 002: nothing), and where a notice is silent the bot says so instead of inventing a rule.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/rules/policy.js';
import { currentPeriod, forgetCurrentPeriod } from '../../src/services/periods.js';
import { loadPolicyFile } from '../../src/services/policies.js';
import { platforms, said, useApp } from './harness.js';

describe.each(platforms)('refunds and materials from each programme’s policy, on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });

  /** The demo's current period runs under another programme's policy, as `huzhu programme apply` would set it. */
  async function runUnder(policy: Policy): Promise<void> {
    const db = ctx.t.rt.db;
    const p = await currentPeriod(db);
    await db.period.update({ where: { id: p.id }, data: { policy: JSON.stringify(policy) } });
    forgetCurrentPeriod(db);
  }
  /** the demo's own policy (Hainan 2 with its dates moved to play 2017-03-20), put back after each test */
  let demo: Policy;
  beforeAll(async () => {
    demo = (await currentPeriod(ctx.t.rt.db)).policy;
  });
  afterEach(async () => runUnder(demo));

  const ask = async (q: string) => said(await ctx.d.say('demo-worker-1', q));

  it('Yunnan 12 quotes its notice: the fee is never refunded', async () => {
    await runUnder(loadPolicyFile('yunnan-12'));
    const r = await ask('交了钱还能退吗');
    expect(r).toContain('互助金一经缴纳，不再退还');
    expect(r).toContain('第十二期');
    expect(r).not.toContain('没有写');
  });

  it('Zhangjiakou 14 says its notice has no refund rule for a member, only the one for units breaking the rules', async () => {
    await runUnder(loadPolicyFile('zhangjiakou-14'));
    const r = await ask('不参加了退不退钱');
    expect(r).toContain('没有写个人退还互助金的办法');
    expect(r).toContain('不予退款，不予补助');
    expect(r).not.toContain('一经缴纳');
  });

  it('Hainan 2 (the demo) is silent on refunds: the bot says so politely and points to the union', async () => {
    const r = await ask('互助金能退吗');
    expect(r).toContain('没有写个人退还互助金的办法');
    expect(r).toContain('代办员或办事处');
    expect(r).not.toContain('一经缴纳');
    expect(r).not.toContain('不予退款');
  });

  it('materials: the usual list said as such where the notice lists none, the notice’s own list, or none at all', async () => {
    const usual = await ask('申请补助要带什么材料');
    const hainan = demo;
    expect(hainan.materials).toEqual(loadPolicyFile('hainan-2').materials);
    for (const d of hainan.materials?.documents ?? ['(missing)']) expect(usual).toContain(d);
    expect(usual).toContain('通知没有列出申请材料');
    expect(usual).toContain('以单位工会或办事处的要求为准');

    // a programme whose notice prints its own list
    await runUnder({
      ...hainan,
      materials: { documents: ['医保结算单原件', '住院费用总清单'], majorIllness: [], fromNotice: true },
    });
    const own = await ask('需要准备哪些材料');
    expect(own).toContain('医保结算单原件');
    expect(own).toContain('住院费用总清单');
    expect(own).not.toContain('出院小结');
    expect(own).not.toContain('重大疾病另附');
    expect(own).not.toContain('没有列出');
    // the claim form's photo step asks for the same list
    await ctx.d.say('demo-worker-1', '申请补助');
    for (const a of ['海南省人民医院', '前天', '昨天', '2万', '1万', '8000']) await ask(a);
    const photos = await ask('否');
    expect(photos).toContain('第 8 步');
    expect(photos).toContain('医保结算单原件、住院费用总清单');
    expect(photos).not.toContain('出院小结');
    await ask('取消');

    // and one that says nothing about documents
    await runUnder({ ...hainan, materials: null });
    const none = await ask('要交哪些单据');
    expect(none).toContain('通知没有列出申请补助要带的材料');
    expect(none).not.toContain('出院小结');
  });
});
