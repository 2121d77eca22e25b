/**
 * The entry rules on every platform (issue #15 item 7, RULES §4): the demo's unit is made a restructured enterprise
 * (改制或关停并转) of 海口市总工会, whose basic-insurance headcount is set so that its in-service participation falls
 * below Hainan's 40 % (seed 000; seed 002's rule): its worker cannot enrol, and an enrolled worker cannot claim, each
 * told why; a claim filed before is shown to the officer with the reason and cannot be approved (seed 004: no
 * subsidy, no refund). Once the region reaches 40 %, the worker may enrol. A unit flagged in breach stands in breach.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { DEMO_UNIT_CODE } from '../../src/services/demo/load.js';
import { forgetPeople } from '../../src/services/people.js';
import { buttonKey } from '../support/cards.js';
import type { PlatformDriver } from '../support/driver.js';
import { HEADER, person } from '../support/roster-files.js';
import { fileClaim, platforms, said, useApp } from './harness.js';

const WORKER = 'demo-worker-1'; // enrolled and paid
const NEW = 'demo-worker-2'; // not enrolled
const OFFICER = 'demo-officer-1';

function cardFor(d: PlatformDriver, userId: string, claimId: number) {
  return d
    .inbox(userId)
    .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${claimId}`))
    .at(-1);
}

describe.each(platforms)('entry rules on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const db = () => ctx.t.rt.db;
  let officeId: number;
  let participants: number;
  let claimId: number;

  beforeAll(async () => {
    const unit = await db().org.findUniqueOrThrow({ where: { code: DEMO_UNIT_CODE } });
    officeId = must(unit.officeId, 'the demo unit belongs to an office');
    // a claim filed while the unit still stood well
    claimId = (
      await fileClaim(ctx.d, WORKER, {
        admitted: '2026-02-01',
        discharged: '2026-02-10',
        total: '9000',
        basic: '4000',
        selfPaid: '5000',
      })
    ).id;
    const period = await db().period.findFirstOrThrow({ where: { current: true } });
    const units = await db().org.findMany({ where: { OR: [{ id: officeId }, { officeId }] }, select: { id: true } });
    participants = await db().enrolment.count({
      where: {
        periodId: period.id,
        kind: { not: 'none' },
        unitId: { in: units.map((u) => u.id) },
        member: { status: 'in_service' },
      },
    });
    expect(participants).toBeGreaterThan(0);
    await db().org.update({ where: { id: unit.id }, data: { restructured: true } });
    // 40 % needs 2/5 of the headcount: 3 × participants puts the region at 33.3 %
    await db().org.update({ where: { id: officeId }, data: { insuredHeadcount: participants * 3 } });
  });

  it('a worker of the unit cannot enrol while the region is below 40 %, and is told why', async () => {
    const got = said(await ctx.d.say(NEW, '我要参加'));
    expect(got).toContain('暂时不能参加');
    expect(got).toContain('海口市演示单位工会属改制或关停并转企业');
    expect(got).toContain('未达到参加基本医疗保险人数的 40%');
    expect(got).toContain(`至少需要 ${Math.ceil((participants * 3 * 2) / 5)} 人，现有 ${participants} 人`);
    const member = await db().member.findFirstOrThrow({ where: { name: '符明亮' } });
    expect(await db().enrolment.count({ where: { memberId: member.id } })).toBe(0);
  });

  it('an admin’s roster file for the unit is refused with the reason, nothing written', async () => {
    const ident = await db().chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform, userId: OFFICER } },
    });
    const fed = await db().org.findUniqueOrThrow({ where: { code: 'HN' } });
    await db().roleGrant.create({ data: { memberId: ident.memberId, role: 'admin', orgId: fed.id } });
    forgetPeople(db());
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名册');
    for (const r of [HEADER, person(41), person(42)]) ws.addRow(r);
    const members = await db().member.count();
    const got = await ctx.d.sendFile(OFFICER, `${DEMO_UNIT_CODE}.xlsx`, Buffer.from(await wb.xlsx.writeBuffer()));
    expect(got.some((m) => m.kind === 'card')).toBe(false);
    expect(said(got)).toContain('属改制或关停并转企业');
    expect(said(got)).toContain('暂不能吸收其职工参加');
    expect(await db().member.count()).toBe(members);
  });

  it('an enrolled worker cannot claim: no subsidy, no refund, explained', async () => {
    const before = await db().claim.count();
    const got = said(await ctx.d.say(WORKER, '申请补助'));
    expect(got).toContain('暂时不能申请');
    expect(got).toContain('不予补助');
    expect(got).toContain('不予退还');
    expect(await db().claim.count()).toBe(before);
  });

  it('the officer’s card shows the reason, and 批准 is refused while 驳回 stays possible', async () => {
    await ctx.d.say(OFFICER, '待审批');
    const card = cardFor(ctx.d, OFFICER, claimId);
    expect(card?.text, said(ctx.d.inbox(OFFICER).slice(-3))).toContain('属改制或关停并转企业');
    expect(card?.text).toContain('不予补助、不予退款');
    const shown = must(card?.card, 'the officer has the claim’s card');
    const r = said(await ctx.d.click(OFFICER, shown.id, buttonKey(shown, '批准')));
    expect(r).toContain(`补助申请 #${claimId} 未能批准`);
    expect(r).toContain('不予补助');
    const claim = await db().claim.findUniqueOrThrow({ where: { id: claimId } });
    expect(claim.status).toBe('submitted');
    expect(await db().approval.count({ where: { claimId } })).toBe(0);
  });

  it('once the region reaches 40 % the worker may enrol', async () => {
    // exactly 40 %: participants / (2.5 × participants)
    await db().org.update({ where: { id: officeId }, data: { insuredHeadcount: Math.floor((participants * 5) / 2) } });
    const got = said(await ctx.d.say(NEW, '我要参加'));
    expect(got).toContain('您可以参加');
    expect(got).not.toContain('不能参加');
    expect(said(await ctx.d.say(NEW, '取消'))).toContain('已取消');
  });

  it('a unit the office found in breach (违反入口规定): no claim, whatever the ratio', async () => {
    await db().org.update({ where: { code: DEMO_UNIT_CODE }, data: { restructured: false, entryBreach: true } });
    const got = said(await ctx.d.say(WORKER, '申请补助'));
    expect(got).toContain('海口市演示单位工会经核查不符合参加互助活动的入口规定');
    expect(got).toContain('不予补助');
  });
});
