/**
 * Issue 14: claims the union can trust, driven through signed callbacks and card clicks on every platform.
 * Figures are the Hainan 2nd-period policy's (prisma/policies/hainan-2.json, seed 000: cap 80 000 元 per member per
 * period; RULES §12 segment table, deductible 1 000 元). demo-worker-1 was already paid 4 280 元 this period.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { addDays, capGrant, computeSubsidy, shanghaiDate } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import { FROZEN_NOW } from '../support/app.js';
import type { PlatformDriver } from '../support/driver.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';
const CENTRE = 'demo-centre-1';

/** Fills the claim form up to the answer that is refused (or to the end); returns every answer of the bot. */
async function claim(
  d: PlatformDriver,
  who: string,
  f: { admitted: string; discharged: string; total: string; basic: string; selfPaid: string },
) {
  const answers: string[] = [];
  for (const text of ['申请补助', '海南省人民医院', f.admitted, f.discharged, f.total, f.basic, f.selfPaid, '否']) {
    const r = said(await d.say(who, text));
    answers.push(r);
    if (/不能|已经申请过/.test(r)) return { answers, id: null };
  }
  await d.sendImage(who, PHOTO);
  answers.push(said(await d.say(who, '完成')));
  const r = said(await d.say(who, '确认'));
  answers.push(r);
  const m = /#(\d+) 已提交/.exec(r);
  return { answers, id: m ? Number(m[1]) : null };
}

function cardFor(d: PlatformDriver, userId: string, claimId: number) {
  const msg = d
    .inbox(userId)
    .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${claimId}`))
    .at(-1);
  if (!msg?.card) throw new Error(`${userId} has no card for claim ${claimId}`);
  return { ...msg.card, text: msg.text };
}

const button = (c: { buttons: { key: string; text: string }[] }, text: string) =>
  c.buttons.find((b) => b.text === text)?.key ?? `${text}`;

describe.each(platforms)('money rules at every step on %s', (platform) => {
  const ctx = useApp(platform);
  const db = () => ctx.t.rt.db;
  const ids = { a: 0, b: 0, c: 0 };

  it('the same stay, or an overlapping one, is refused as soon as the discharge date is given', async () => {
    const { policy } = await currentPeriod(db());
    const start = policy.startsOn;
    const a = await claim(ctx.d, W, {
      admitted: addDays(start, 5),
      discharged: addDays(start, 15),
      total: '20万',
      basic: '0',
      selfPaid: '20万',
    });
    ids.a = must(a.id, 'the claim was submitted');
    // the rules' amount for 20万 self-paid is far above the cap; the estimate is what the cap leaves: 80 000 − 4 280
    const stored = await db().claim.findUniqueOrThrow({ where: { id: ids.a } });
    expect(stored.subsidyFen).toBe(7_572_000);

    const before = await db().claim.count();
    const same = await claim(ctx.d, W, {
      admitted: addDays(start, 5),
      discharged: addDays(start, 15),
      total: '20万',
      basic: '0',
      selfPaid: '20万',
    });
    expect(same.answers).toHaveLength(4); // refused at the discharge date, not after 8 steps and the photos
    expect(same.answers.at(-1)).toContain(`#${ids.a}`);
    expect(same.answers.at(-1)).toContain('同一次住院');
    const overlap = await claim(ctx.d, W, {
      admitted: addDays(start, 10),
      discharged: addDays(start, 18),
      total: '1万',
      basic: '0',
      selfPaid: '1万',
    });
    expect(overlap.answers.at(-1)).toContain('日期重叠');
    expect(await db().claim.count()).toBe(before);
    // the form ended: the next message is not taken as an answer
    expect(said(await ctx.d.say(W, '100'))).not.toContain('住院总费用');
  });

  it('an admission date outside the period is refused at once, and asked again', async () => {
    const { policy } = await currentPeriod(db());
    await ctx.d.say(W, '申请补助');
    await ctx.d.say(W, '海南省人民医院');
    const r = said(await ctx.d.say(W, addDays(policy.startsOn, -3)));
    expect(r).toContain(`早于${policy.periodName}开始日期 ${policy.startsOn}`);
    expect(r).toContain('重新输入入院日期');
    await ctx.d.say(W, '取消');
  });

  it('each approval grants only what the cap leaves, re-checked at both levels; the cards say so', async () => {
    const { policy } = await currentPeriod(db());
    const start = policy.startsOn;
    const b = await claim(ctx.d, W, {
      admitted: addDays(start, 20),
      discharged: addDays(start, 25),
      total: '6万',
      basic: '1万',
      selfPaid: '5万',
    });
    ids.b = must(b.id, 'the claim was submitted');
    const bFen = computeSubsidy(
      policy,
      { totalFen: 6_000_000, basicInsuranceFen: 1_000_000, selfPaidFen: 5_000_000, majorIllness: false },
      { paidThisPeriodFen: 0 },
    ).subsidyFen;
    expect(bFen).toBe(3_300_000); // 4 000×50 % + 5 000×60 % + 40 000×70 %

    // B through both levels
    const cb = cardFor(ctx.d, OFFICER, ids.b);
    expect(said(await ctx.d.click(OFFICER, cb.id, button(cb, '批准')))).toContain('已转中心复核');
    expect(ctx.d.card(OFFICER, cb.id)?.finalText).toMatch(/^办事处已同意 · 吴文静 · .+待中心复核$/);
    const centreB = cardFor(ctx.d, CENTRE, ids.b);
    expect(centreB.text).toMatch(/初审：吴文静 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 同意/);
    await ctx.d.click(CENTRE, centreB.id, button(centreB, '批准'));
    expect((await db().claim.findUniqueOrThrow({ where: { id: ids.b } })).status).toBe('approved');
    // every copy shows the final state: the office's card follows the centre's decision
    expect(ctx.d.card(OFFICER, cb.id)?.finalText).toMatch(/^中心已批准 · 黄志强/);
    expect(ctx.d.card(CENTRE, centreB.id)?.finalText).toMatch(/^中心已批准 · 黄志强/);

    // A was estimated 75 720 at submission; now only 80 000 − 4 280 − 33 000 = 42 720 is left
    const left = capGrant(policy, 13_800_000, 428_000 + bFen);
    expect(left.grantedFen).toBe(4_272_000);
    await ctx.d.say(OFFICER, '待审批');
    const ca = cardFor(ctx.d, OFFICER, ids.a);
    expect(ca.text).toContain('42,720 元');
    expect(ca.text).toContain('测算 138,000'); // the rules' amount for the stay, before any cap
    expect(ca.text).toMatch(/封顶：80,000，批后剩 0/);
    expect(ca.text).toContain(`#${ids.b} 33,000 已批准`);
    expect(said(await ctx.d.click(OFFICER, ca.id, button(ca, '批准')))).toContain('补助 42,720 元');
    const centreA = cardFor(ctx.d, CENTRE, ids.a);
    expect(centreA.text).toContain('42,720 元');
    await ctx.d.click(CENTRE, centreA.id, button(centreA, '批准'));
    const a = await db().claim.findUniqueOrThrow({ where: { id: ids.a } });
    expect(a.status).toBe('approved');
    expect(a.subsidyFen).toBe(4_272_000);
    const member = a.memberId;
    const held = await db().claim.aggregate({
      where: { memberId: member, status: { in: ['approved_l1', 'approved', 'paid'] } },
      _sum: { subsidyFen: true },
    });
    expect(held._sum.subsidyFen).toBe(policy.subsidy.capFen);
    expect(said(ctx.d.inbox(W))).toContain(`#${ids.a}（海南省人民医院）已批准，补助 42,720 元`);
  });

  it('with the cap used up an approval grants nothing and changes nothing', async () => {
    const { policy } = await currentPeriod(db());
    const c = await claim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 28),
      discharged: addDays(policy.startsOn, 30),
      total: '8000',
      basic: '3000',
      selfPaid: '5000',
    });
    ids.c = must(c.id, 'the claim was submitted');
    const card = cardFor(ctx.d, OFFICER, ids.c);
    const r = said(await ctx.d.click(OFFICER, card.id, button(card, '批准')));
    expect(r).toContain('封顶');
    expect(r).toContain('未做任何修改');
    expect((await db().claim.findUniqueOrThrow({ where: { id: ids.c } })).status).toBe('submitted');
    expect(await db().approval.count({ where: { claimId: ids.c } })).toBe(0);
  });

  it('a click by someone without the role reveals nothing but 无权操作', async () => {
    const decided = cardFor(ctx.d, OFFICER, ids.a);
    const pending = cardFor(ctx.d, OFFICER, ids.c);
    for (const [who, card, key] of [
      [W, decided, `approve:${ids.a}`],
      [W, pending, `reject:${ids.c}`],
      ['demo-rep-1', pending, `approve:${ids.c}`],
      [W, pending, 'approve:999999'],
      // the centre has no say on a one-level claim
      [CENTRE, pending, `approve:${ids.c}`],
    ] as const) {
      const r = said(await ctx.d.click(who, card.id, key));
      expect(r).toBe('无权操作。');
    }
    expect((await db().claim.findUniqueOrThrow({ where: { id: ids.c } })).status).toBe('submitted');
    expect(await db().approval.count({ where: { claimId: ids.c } })).toBe(0);
  });

  it('a cancelled reason prompt gives the card back; the centre rejecting shows on the office card', async () => {
    const card = cardFor(ctx.d, OFFICER, ids.c);
    expect(said(await ctx.d.click(OFFICER, card.id, button(card, '驳回')))).toContain('原因');
    await ctx.d.say(OFFICER, '取消');
    const after = ctx.d.card(OFFICER, card.id);
    expect(after?.finalText).toBeUndefined();
    expect(after?.buttons.map((b) => b.text)).toEqual(['批准', '驳回', '补材料']);
    // the same click again would be the platform's retry (same user, second and key): a fresh card from 待审批
    await ctx.d.say(OFFICER, '待审批');
    const fresh = cardFor(ctx.d, OFFICER, ids.c);
    expect(fresh.id).not.toBe(card.id);
    expect(said(await ctx.d.click(OFFICER, fresh.id, button(fresh, '驳回')))).toContain('原因');
    expect(said(await ctx.d.say(OFFICER, '本期补助已达封顶'))).toContain(`已驳回补助申请 #${ids.c}`);
    for (const id of [card.id, fresh.id]) expect(ctx.d.card(OFFICER, id)?.finalText).toMatch(/^已驳回 · 吴文静/);
  });
});

describe.each(platforms)('the centre rejects after the office approved, on %s', (platform) => {
  const ctx = useApp(platform);
  it('every copy of every card reads 中心已驳回', async () => {
    const { policy } = await currentPeriod(ctx.t.rt.db);
    const r = await claim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 3),
      discharged: addDays(policy.startsOn, 9),
      total: '5万',
      basic: '1万',
      selfPaid: '4万',
    });
    const id = must(r.id, 'the claim was submitted');
    const c1 = cardFor(ctx.d, OFFICER, id);
    await ctx.d.click(OFFICER, c1.id, button(c1, '批准'));
    const c2 = cardFor(ctx.d, CENTRE, id);
    await ctx.d.click(CENTRE, c2.id, button(c2, '驳回'));
    await ctx.d.say(CENTRE, '住院天数与结算单不符');
    expect(ctx.d.card(OFFICER, c1.id)?.finalText).toMatch(/^中心已驳回 · 黄志强/);
    expect(ctx.d.card(CENTRE, c2.id)?.finalText).toMatch(/^中心已驳回 · 黄志强/);
    expect((await ctx.t.rt.db.claim.findUniqueOrThrow({ where: { id } })).status).toBe('rejected');
  });
});

describe.each(platforms)('enrolment confirmed after the deadline on %s', (platform) => {
  const ctx = useApp(platform);
  it('is refused when the answer arrives after the roster closed, though the dialog opened before', async () => {
    const { policy } = await currentPeriod(ctx.t.rt.db);
    const deadline = must(
      policy.timeline.find((e) => e.key === 'roster_close'),
      'the policy has a roster_close date',
    ).date;
    expect(shanghaiDate(FROZEN_NOW) <= deadline).toBe(true);
    expect(said(await ctx.d.say('demo-worker-2', '我要参加'))).toContain('回复“确认”报名');
    ctx.t.app.clock.travelTo(addDays(deadline, 9));
    try {
      const r = said(await ctx.d.say('demo-worker-2', '确认'));
      expect(r).toContain(`已于 ${deadline} 截止`);
    } finally {
      ctx.t.app.clock.travelTo(null);
    }
    const member = await ctx.t.rt.db.chatIdentity.findFirstOrThrow({ where: { platform, userId: 'demo-worker-2' } });
    const e = await ctx.t.rt.db.enrolment.findFirst({ where: { memberId: member.memberId, kind: { not: 'none' } } });
    expect(e).toBeNull();
  });
});

// the cap must hold where approvals really run side by side: PostgreSQL with several connections
const pgBackends =
  process.env.TEST_DATABASE_URL_PG && process.env.TEST_REDIS_URL
    ? [{ provider: 'postgresql' as const, redis: true }]
    : [];
describe.each(platforms.flatMap((platform) => pgBackends.map((b) => ({ platform, ...b }))))(
  'two officers approving two claims of one member at once on $platform (PostgreSQL, Redis)',
  ({ platform, provider, redis }) => {
    const ctx = useApp(platform, { provider, redis });
    it('grant no more than the cap between them', async () => {
      const db = ctx.t.rt.db;
      const { policy } = await currentPeriod(db);
      const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
      const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
      const m = await db.member.create({
        data: { name: '郑晓东', idHash: 'test-officer-2', idLast4: '0010', status: 'in_service', unitId: unit.id },
      });
      await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
      await db.chatIdentity.create({ data: { platform, userId: 'officer-2', memberId: m.id } });
      const ids: number[] = [];
      for (const offset of [2, 12]) {
        const r = await claim(ctx.d, W, {
          admitted: addDays(policy.startsOn, offset),
          discharged: addDays(policy.startsOn, offset + 5),
          total: '20万',
          basic: '0',
          selfPaid: '20万',
        });
        ids.push(must(r.id, 'the claim was submitted'));
      }
      // each alone would get 75 720 (what 4 280 paid leaves of the cap); both may not
      const first = must(ids[0], 'the first claim');
      const second = must(ids[1], 'the second claim');
      const [c1, c2] = [cardFor(ctx.d, OFFICER, first), cardFor(ctx.d, 'officer-2', second)];
      await Promise.all([
        ctx.d.click(OFFICER, c1.id, `approve:${first}`),
        ctx.d.click('officer-2', c2.id, `approve:${second}`),
      ]);
      const claims = await db.claim.findMany({ where: { id: { in: ids } } });
      expect(claims.map((c) => c.status).sort()).toEqual(['approved_l1', 'submitted']);
      const held = await db.claim.aggregate({
        where: {
          memberId: must(claims[0], 'the claims').memberId,
          status: { in: ['approved_l1', 'approved', 'paid'] },
        },
        _sum: { subsidyFen: true },
      });
      expect(held._sum.subsidyFen).toBe(policy.subsidy.capFen);
    });
  },
);
