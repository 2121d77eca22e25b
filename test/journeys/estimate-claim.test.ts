/**
 * Issue #16: 能报多少 with amounts gives the estimate band by band and offers to apply; 申请 then starts the claim
 * form with those amounts filled in (their questions skipped, shown again to confirm), and a follow-up (那医保报了
 * 2万呢) changes only the amount it names. Through the signed callback on each platform; the stored draft and the
 * claim's amounts are read from the store and the database.
 */
import { describe, expect, it } from 'vitest';
import { readDialog } from '../../src/bot/dialog.js';
import type { Platform } from '../../src/core/messages.js';
import { must } from '../../src/core/must.js';
import { addDays, computeSubsidy, shanghaiDate } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import { FROZEN_NOW } from '../support/app.js';
import { buttonKey } from '../support/cards.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

const yuan = (fen: number) => (fen / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });
const W = 'demo-worker-1';
/** the app's frozen today; demo-worker-1's paid claim is 40–31 days before it */
const today = shanghaiDate(FROZEN_NOW);

describe.each(platforms)('the estimate’s amounts carried into the claim form, on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const db = () => ctx.t.rt.db;
  const say = async (text: string) => said(await ctx.d.say(W, text));
  const draft = async () => {
    const d = await readDialog(ctx.t.app.store, platform as Platform, W);
    return d?.flow === 'claim' ? d : null;
  };

  it('住院花了3万，医保报了1万8 → the estimate with its bands and an offer; a follow-up changes one amount', async () => {
    const { policy } = await currentPeriod(db());
    const r = await say('住院花了3万，医保报了1万8，能报多少');
    expect(r).toContain('住院总费用 30,000 元');
    expect(r).toContain('医保报销 18,000 元');
    expect(r).toContain('个人自付 12,000 元（总费用减医保报销）');
    expect(r).toContain('回复“申请”');
    const s = computeSubsidy(
      policy,
      { totalFen: 3_000_000, basicInsuranceFen: 1_800_000, selfPaidFen: 1_200_000, majorIllness: false },
      { paidThisPeriodFen: 0 },
    );
    for (const seg of s.segments.filter((x) => x.amountFen > 0)) expect(r).toContain(`= ${yuan(seg.subsidyFen)} 元`);
    expect(r).toContain(`预计补助 ${yuan(s.subsidyFen)} 元`);
    expect(await draft()).toBeNull(); // no form started by the question

    // the follow-up names basic insurance only: the total stays, the self-paid part follows
    const again = await say('那医保报了2万呢');
    expect(again).toContain('住院总费用 30,000 元');
    expect(again).toContain('个人自付 10,000 元');
    const s2 = computeSubsidy(
      policy,
      { totalFen: 3_000_000, basicInsuranceFen: 2_000_000, selfPaidFen: 1_000_000, majorIllness: false },
      { paidThisPeriodFen: 0 },
    );
    expect(again).toContain(`预计补助 ${yuan(s2.subsidyFen)} 元`);
  });

  it('申请 starts the form with those amounts: their steps are skipped, the claim stores them', async () => {
    const intro = await say('申请');
    expect(intro).toContain('估算时您说的金额已经填好');
    expect(intro).toContain('住院总费用 30,000 元');
    expect((await draft())?.draft).toEqual({
      totalFen: 3_000_000,
      basicInsuranceFen: 2_000_000,
      selfPaidFen: 1_000_000,
    });
    await say('海南省人民医院');
    await say(addDays(today, -20));
    // after the discharge date the next question is 重大疾病, not the total
    const next = await say(addDays(today, -15));
    expect(next).toContain('第 7 步');
    expect(next).not.toContain('总费用是多少');
    expect((await draft())?.step).toBe('major');
    await say('否');
    await ctx.d.sendImage(W, PHOTO);
    const summary = await say('完成');
    expect(summary).toContain('总费用 30,000 元，医保报销 20,000 元，个人自付 10,000 元');
    const done = await say('确认');
    const id = Number(/#(\d+) 已提交/.exec(done)?.[1]);
    expect(id).toBeGreaterThan(0);
    const c = await db().claim.findUniqueOrThrow({ where: { id } });
    expect([c.totalFen, c.basicInsuranceFen, c.selfPaidFen]).toEqual([3_000_000, 2_000_000, 1_000_000]);
    // the offer was used once: 好的 now is just thanks
    expect(await say('好的')).not.toContain('估算时您说的金额');
  });

  it('a self-paid amount alone is carried too; the total and basic are asked, and one that contradicts it drops it', async () => {
    expect(await say('自付8000能报多少')).toContain('按个人自付 8,000 元估算');
    expect(await say('那两万呢')).toContain('按个人自付 20,000 元估算');
    expect(await say('好的')).toContain('个人自付 20,000 元');
    expect((await draft())?.draft).toEqual({ selfPaidFen: 2_000_000 });
    await say('海南省人民医院');
    await say(addDays(today, -12));
    expect(await say(addDays(today, -8))).toContain('总费用');
    expect(await say('5万')).toContain('第 5 步');
    // 5万 − 4万 leaves 1万, less than the 2万 carried: the self-paid question is asked, with its own checks
    expect(await say('4万')).toContain('第 6 步');
    expect((await draft())?.draft.selfPaidFen).toBeUndefined();
    expect(await say('取消')).toContain('已取消');
  });

  it('a tap on the estimate card’s 用这些金额申请 starts the form the same way; an older card says it is stale', async () => {
    const cardOf = (
      r: { kind: string; card?: { id: string; title: string; buttons: { key: string; text: string }[] } }[],
    ) => {
      const card = must(r.find((m) => m.kind === 'card')?.card, 'a card among the replies');
      expect(card.title).toBe('用估算的金额申请补助');
      return { id: card.id, key: buttonKey(card, '用这些金额申请') };
    };
    const older = cardOf(await ctx.d.say(W, '自付6000能报多少'));
    const r = await ctx.d.say(W, '住院一共花了4万，医保报了2万5，能补多少');
    expect(r.find((m) => m.kind === 'card')?.text).toContain('40,000 元');
    const latest = cardOf(r);
    // the older estimate's card does not start a form with amounts the person has since changed
    expect(said(await ctx.d.click(W, older.id, older.key))).toContain('已经过期');
    expect(await draft()).toBeNull();
    const started = said(await ctx.d.click(W, latest.id, latest.key));
    expect(started).toContain('估算时您说的金额已经填好');
    expect((await draft())?.draft).toEqual({
      totalFen: 4_000_000,
      basicInsuranceFen: 2_500_000,
      selfPaidFen: 1_500_000,
    });
    expect(ctx.d.card(W, latest.id)?.finalText).toContain('已开始填写申请');
    expect(await say('取消')).toContain('已取消');
  });
});
