/**
 * Issue 5: officers approve claims from message cards, through real card-click callbacks; exactly one decision
 * however many clicks; every officer's copy of the card ends in its final state; the worker is told.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import type { Db } from '../../src/db/client.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import type { PlatformDriver } from '../support/driver.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

/** A second officer of the demo office, so "two officers at once" can happen. */
async function addOfficer(db: Db, platform: string, userId: string) {
  const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
  const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
  const m = await db.member.create({
    data: { name: '郑晓东', idHash: `test-${userId}`, idLast4: '0010', status: 'in_service', unitId: unit.id },
  });
  await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
  await db.chatIdentity.create({ data: { platform, userId, memberId: m.id } });
}

/** each claim is a stay of its own: the same stay twice is refused (claims-money.test.ts) */
let stays = 0;

async function submitClaim(
  d: PlatformDriver,
  w: string,
  selfPaid: string,
  total = '3万',
  basic = '1万',
): Promise<number> {
  const day = 1 + 3 * (stays++ % 9);
  for (const text of ['申请补助', '海南省人民医院', `2月${day}日`, `2月${day + 1}日`, total, basic, selfPaid, '否'])
    await d.say(w, text);
  await d.sendImage(w, PHOTO);
  await d.say(w, '完成');
  const r = said(await d.say(w, '确认'));
  const m = /#(\d+)/.exec(r);
  if (!m) throw new Error(`claim not submitted: ${r}`);
  return Number(m[1]);
}

function cardFor(d: PlatformDriver, userId: string, claimId: number) {
  const card = d
    .inbox(userId)
    .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${claimId}`))
    .at(-1)?.card;
  if (!card) throw new Error(`${userId} has no card for claim ${claimId}`);
  return card;
}

// exactly one decision must hold where it matters most: several instances on PostgreSQL sharing Redis
const backends = [
  { backend: 'SQLite, in-process state', provider: 'sqlite' as const, redis: false },
  ...(process.env.TEST_DATABASE_URL_PG && process.env.TEST_REDIS_URL
    ? [{ backend: 'PostgreSQL, Redis', provider: 'postgresql' as const, redis: true }]
    : []),
];
const cases = platforms.flatMap((platform) => backends.map((b) => ({ platform, ...b })));

describe.each(cases)('approvals on $platform ($backend)', ({ platform, provider, redis }) => {
  const ctx = useApp(platform, { provider, redis });
  const db = () => ctx.t.rt.db;

  it('a submitted claim reaches every officer of the office as a card with the breakdown and three buttons', async () => {
    await addOfficer(db(), platform, 'officer-2');
    const id = await submitClaim(ctx.d, 'demo-worker-1', '8000');
    for (const officer of ['demo-officer-1', 'officer-2']) {
      const card = cardFor(ctx.d, officer, id);
      expect(card.buttons.map((b) => b.text)).toEqual(['批准', '驳回', '补材料']);
    }
    const text = must(
      ctx.d
        .inbox('demo-officer-1')
        .filter((m) => m.kind === 'card')
        .at(-1),
      'the officer has a card',
    ).text;
    expect(text).toContain('林*燕');
    expect(text).toContain('海口市演示单位工会');
    expect(text).toMatch(/×\d+%/); // per-segment breakdown
  });

  it('someone who is not an officer of that office is refused and nothing changes', async () => {
    const claim = await db().claim.findFirstOrThrow({ where: { status: 'submitted' }, orderBy: { id: 'desc' } });
    const card = cardFor(ctx.d, 'demo-officer-1', claim.id);
    const r = said(await ctx.d.click('demo-rep-1', card.id, buttonKey(card)));
    expect(r).toBe('无权操作。');
    expect((await db().claim.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe('submitted');
  });

  it('20 concurrent clicks by two officers give exactly one decision; every copy shows who decided', async () => {
    const claim = await db().claim.findFirstOrThrow({ where: { status: 'submitted' }, orderBy: { id: 'desc' } });
    const c1 = cardFor(ctx.d, 'demo-officer-1', claim.id);
    const c2 = cardFor(ctx.d, 'officer-2', claim.id);
    const approve = (c: typeof c1) => buttonKey(c, '批准');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? ctx.d.click('officer-2', c2.id, approve(c2)) : ctx.d.click('demo-officer-1', c1.id, approve(c1)),
      ),
    );
    const approvals = await db().approval.findMany({ where: { claimId: claim.id } });
    expect(approvals).toHaveLength(1);
    expect((await db().claim.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe('approved');
    const all = replies.map(said).join('\n');
    expect(all).toContain(`已批准补助申请 #${claim.id}`);
    expect(all).toContain('无需重复操作');
    for (const officer of ['demo-officer-1', 'officer-2'])
      expect(ctx.d.card(officer, (officer === 'officer-2' ? c2 : c1).id)?.finalText).toMatch(
        /已批准 · (吴文静|郑晓东)/,
      );
    expect(said(ctx.d.inbox('demo-worker-1'))).toContain(`#${claim.id}（海南省人民医院）已批准`);
    const audit = await db().auditLog.findMany({
      where: { subjectType: 'Claim', subjectId: String(claim.id), action: 'claim.approve' },
    });
    expect(audit).toHaveLength(1);
  });

  it('a second click on a decided card shows who decided, and changes nothing', async () => {
    const claim = await db().claim.findFirstOrThrow({ where: { status: 'approved' }, orderBy: { id: 'desc' } });
    const card = cardFor(ctx.d, 'demo-officer-1', claim.id);
    expect(card.buttons).toEqual([]); // shown greyed under the final text
    // a slow client's click on the old card still carries the 驳回 button's key
    const r = said(await ctx.d.click('demo-officer-1', card.id, `reject:${claim.id}`));
    expect(r).toMatch(/已由 (吴文静|郑晓东) 于 .+ 处理/);
    expect(await db().approval.count({ where: { claimId: claim.id } })).toBe(1);
  });

  it('驳回 asks for a reason, then rejects and tells the worker the reason', async () => {
    const id = await submitClaim(ctx.d, 'demo-worker-1', '2000', '5000', '2000');
    const card = cardFor(ctx.d, 'demo-officer-1', id);
    expect(said(await ctx.d.click('demo-officer-1', card.id, buttonKey(card, '驳回')))).toContain('原因');
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('submitted');
    expect(said(await ctx.d.say('demo-officer-1', '发票与结算单金额不一致'))).toContain(`已驳回补助申请 #${id}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('rejected');
    expect(said(ctx.d.inbox('demo-worker-1'))).toContain('原因：发票与结算单金额不一致');
  });

  it('above the policy threshold a claim needs the centre too before it is approved', async () => {
    const period = await currentPeriod(db());
    const threshold = period.policy.claims.secondApprovalAboveFen;
    // self-paid far above the threshold (the subsidy is a share of it, under the cap)
    const id = await submitClaim(
      ctx.d,
      'demo-worker-1',
      `${Math.ceil((threshold * 4) / 100)}`,
      `${Math.ceil((threshold * 6) / 100)}`,
      '0',
    );
    const claim = await db().claim.findUniqueOrThrow({ where: { id } });
    expect(claim.subsidyFen).toBeGreaterThan(threshold);
    expect(claim.levelsRequired).toBe(2);
    const card = cardFor(ctx.d, 'demo-officer-1', id);
    expect(said(await ctx.d.click('demo-officer-1', card.id, buttonKey(card)))).toContain('已转中心复核');
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved_l1');
    const centre = cardFor(ctx.d, 'demo-centre-1', id);
    expect(said(await ctx.d.click('demo-centre-1', centre.id, buttonKey(centre)))).toContain(`已批准补助申请 #${id}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
  });

  it('officer commands: 待审批 as cards, 已批未付, and marking a batch paid tells the workers', async () => {
    const pending = await submitClaim(ctx.d, 'demo-worker-1', '1500', '4000', '1000');
    const before = ctx.d.inbox('demo-officer-1').length;
    const r = said(await ctx.d.say('demo-officer-1', '待审批'));
    expect(r).toMatch(/待审批 \d+ 笔/);
    expect(r).toMatch(/支付截止 \d{4}-\d{2}-\d{2}/);
    expect(
      ctx.d
        .inbox('demo-officer-1')
        .slice(before)
        .some((m) => m.kind === 'card' && m.text.includes(`#${pending}`)),
    ).toBe(true);
    const unpaid = said(await ctx.d.say('demo-officer-1', '已批未付'));
    const approved = await db().claim.findMany({ where: { status: 'approved' } });
    for (const c of approved) expect(unpaid).toContain(`#${c.id}`);
    // 全部已支付 asks first, on a card with the count (claims-payments.test.ts)
    const confirm = must(
      (await ctx.d.say('demo-officer-1', '全部已支付')).find((m) => m.kind === 'card')?.card,
      'the 全部已支付 confirmation card',
    );
    expect(await db().claim.count({ where: { status: 'approved' } })).toBe(approved.length);
    const paid = said(await ctx.d.click('demo-officer-1', confirm.id, buttonKey(confirm)));
    expect(paid).toContain(`已标记支付 ${approved.length} 笔`);
    expect(await db().claim.count({ where: { status: 'approved' } })).toBe(0);
    expect(said(ctx.d.inbox('demo-worker-1'))).toContain('已支付，请注意查收');
    expect(said(await ctx.d.say('demo-worker-1', '待审批'))).toContain('仅限');
  });
});

describe.each(platforms)('the claim cut-off on %s', (platform) => {
  // the demo period's claim cut-off has passed on this day
  const ctx = useApp(platform, { now: () => new Date('2027-02-20T02:17:00Z'), today: '2026-03-02' });
  it('refuses a new claim of the period as soon as the dates are given, naming the date; officers see no days left to the cut-off', async () => {
    const period = await currentPeriod(ctx.t.rt.db);
    const w = 'demo-worker-1';
    for (const text of ['申请补助', '海南省人民医院', '2026-02-03']) await ctx.d.say(w, text);
    // the window is known with the discharge date: refused there, not after the amounts and the photos
    const r = said(await ctx.d.say(w, '2026-02-10'));
    expect(r).toContain(period.policy.claims.cutoffOn);
    expect(said(await ctx.d.say(w, '5000'))).not.toContain('第 5 步');
    expect(await ctx.t.rt.db.claim.count({ where: { status: 'submitted' } })).toBe(0);
    expect(said(await ctx.d.say('demo-officer-1', '待审批'))).toContain('已截止');
  });
});
