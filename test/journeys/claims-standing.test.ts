/**
 * The member's standing (enrolled, and paid unless the policy covers unpaid enrolments: `fees.unpaidMayClaim`,
 * false in the Hainan 2nd-period policy as in every seed) is checked when the form starts AND inside the
 * transaction that writes the claim: a fee recorded as unpaid while the form was open stops the submission.
 */
import { describe, expect, it } from 'vitest';
import { currentPeriod } from '../../src/services/periods.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';

describe.each(platforms)('a claim and the member’s fee on %s', (platform) => {
  const ctx = useApp(platform);
  const db = () => ctx.t.rt.db;

  it('an enrolment found unpaid when the claim is confirmed: refused, nothing stored', async () => {
    const period = await currentPeriod(db());
    const member = await db().member.findFirstOrThrow({ where: { name: '林海燕' } });
    const claims = await db().claim.count({ where: { memberId: member.id } });
    for (const text of ['申请补助', '海南省人民医院', '2月10日', '2月12日', '3万', '1万', '8000', '否'])
      await ctx.d.say(W, text);
    await ctx.d.sendImage(W, PHOTO);
    await ctx.d.say(W, '完成');
    // the unit's remittance turns out not to include her fee (a correction while the form was open)
    await db().enrolment.update({
      where: { periodId_memberId: { periodId: period.id, memberId: member.id } },
      data: { paid: false, paidAt: null },
    });
    const r = said(await ctx.d.say(W, '确认'));
    expect(r).toContain('交费');
    expect(r).not.toMatch(/#\d+ 已提交/);
    expect(await db().claim.count({ where: { memberId: member.id } })).toBe(claims);

    // and a new form does not even start
    expect(said(await ctx.d.say(W, '申请补助'))).toContain('交费');
  });
});
