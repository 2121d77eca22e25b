/**
 * Issue 14: the policy decides whether the same or an overlapping stay of a member is refused at submission
 * (`claims.overlappingStays: 'refuse'`, the default and every seed's) or accepted and flagged on the officer's card
 * (`'flag'`: 重叠住院 with the other claim's number). Both settings, through signed callbacks on every platform.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { addDays, type Policy } from '../../src/rules/index.js';
import { currentPeriod, forgetCurrentPeriod } from '../../src/services/periods.js';
import { fileClaim, platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe.each(platforms)('overlapping stays by the policy on %s', (platform) => {
  const ctx = useApp(platform);
  const db = () => ctx.t.rt.db;

  /** the period's policy with the switch set, as `huzhu programme apply` would store it */
  async function setOverlapping(value: Policy['claims']['overlappingStays']) {
    const period = await currentPeriod(db());
    const policy = { ...period.policy, claims: { ...period.policy.claims, overlappingStays: value } };
    await db().period.update({ where: { id: period.id }, data: { policy: JSON.stringify(policy) } });
    forgetCurrentPeriod(db());
  }

  const cardsOf = (claimId: number) =>
    ctx.d.inbox(OFFICER).filter((m) => m.kind === 'card' && m.card?.title.includes(`#${claimId}`));

  let first = 0;

  it("'refuse' (the default): an overlapping stay ends the form at the discharge date, nothing stored", async () => {
    const { policy } = await currentPeriod(db());
    expect(policy.claims.overlappingStays).toBe('refuse');
    ({ id: first } = await fileClaim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 5),
      discharged: addDays(policy.startsOn, 10),
      total: '2万',
      basic: '5000',
      selfPaid: '1万',
    }));
    expect(cardsOf(first)[0]?.text).not.toContain('重叠住院');
    const before = await db().claim.count();
    await ctx.d.say(W, '申请补助');
    await ctx.d.say(W, '海南省人民医院');
    await ctx.d.say(W, addDays(policy.startsOn, 8));
    const answer = said(await ctx.d.say(W, addDays(policy.startsOn, 14)));
    expect(answer).toContain(`#${first}`);
    expect(answer).toContain('日期重叠');
    expect(answer).toContain('本次未提交');
    expect(await db().claim.count()).toBe(before);
  });

  it("'flag': the overlapping stay is accepted and the officer's card names the other claim", async () => {
    await setOverlapping('flag');
    const { policy } = await currentPeriod(db());
    const { id } = await fileClaim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 8),
      discharged: addDays(policy.startsOn, 14),
      total: '1万',
      basic: '2000',
      selfPaid: '6000',
    });
    expect(id).not.toBe(first);
    const stored = await db().claim.findUniqueOrThrow({ where: { id } });
    expect(stored.status).toBe('submitted');
    const card = must(cardsOf(id).at(-1), 'the officer has the claim’s card');
    expect(card.text).toContain(`重叠住院：与#${first}`);
    expect(card.text).toContain('日期重叠');
    const audit = await db().auditLog.findFirstOrThrow({
      where: { subjectType: 'Claim', subjectId: String(id), action: 'claim.submit' },
    });
    expect(JSON.parse(must(audit.details, 'the audit entry has details'))).toMatchObject({ overlapping: [first] });
    // the same stay again is also the officer's to judge, and says so
    const same = await fileClaim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 5),
      discharged: addDays(policy.startsOn, 10),
      total: '2万',
      basic: '5000',
      selfPaid: '1万',
    });
    const sameCard = must(cardsOf(same.id).at(-1), 'the officer has the second claim’s card');
    expect(sameCard.text).toContain(`重叠住院：与#${first}`);
    expect(sameCard.text).toContain('是同一次住院');
    expect(sameCard.text).toContain(`#${id}`);
  });

  it("back to 'refuse': the next overlapping stay is refused again", async () => {
    await setOverlapping('refuse');
    const { policy } = await currentPeriod(db());
    await ctx.d.say(W, '申请补助');
    await ctx.d.say(W, '海南省人民医院');
    await ctx.d.say(W, addDays(policy.startsOn, 6));
    expect(said(await ctx.d.say(W, addDays(policy.startsOn, 7)))).toContain('本次未提交');
  });
});
