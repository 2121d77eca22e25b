/**
 * Seed 004 at the payment desk (issue #15 item 7): a claim approved before its member's unit was found in breach of
 * the entry rules (违反入口规定: 不予退款，不予补助) is never paid. The confirmation card of 全部已支付 leaves it out
 * and says how many were held back and why; a unit found in breach between the card and the click is refused in the
 * commit itself; 已支付 n names the claim and the reason; the finance office's payment list puts it on a sheet of its
 * own, out of the total. Once the office lifts the finding, the claim is paid. Signed callbacks and card clicks, on
 * every platform.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { DEMO_UNIT_CODE } from '../../src/services/demo/load.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { cli } from '../support/cli.js';
import type { PlatformDriver } from '../support/driver.js';
import { tmpFile } from '../support/roster-files.js';
import { fileClaim, platforms, said, useApp } from './harness.js';

const WORKER = 'demo-worker-1';
const OFFICER = 'demo-officer-1';
const REASON = '海口市演示单位工会经核查不符合参加互助活动的入口规定';

function claimCard(d: PlatformDriver, claimId: number) {
  return must(
    d
      .inbox(OFFICER)
      .filter((m) => m.card?.title.includes(`#${claimId}`))
      .at(-1)?.card,
    `the officer has the card of #${claimId}`,
  );
}

describe.each(platforms)('no subsidy for a unit in breach, at payment, on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const db = () => ctx.t.rt.db;
  /** the demo worker's claim, approved while the unit stood well */
  let a: number;
  let unitId: number;
  let officeId: number;

  /** an approved claim of a member of another unit of the same office, which stands well */
  async function otherUnitClaim(subsidyFen: number): Promise<number> {
    const period = await currentPeriod(db());
    const member = await db().member.findFirstOrThrow({
      where: { unitId: { not: unitId }, unit: { officeId }, enrolments: { some: { periodId: period.id } } },
      orderBy: { id: 'asc' },
    });
    const c = await db().claim.create({
      data: {
        periodId: period.id,
        memberId: member.id,
        officeId,
        hospital: '海口市人民医院',
        admittedOn: '2026-02-03',
        dischargedOn: '2026-02-05',
        totalFen: 2_000_000,
        basicInsuranceFen: 1_000_000,
        selfPaidFen: 1_000_000,
        subsidyFen,
        breakdown: JSON.stringify({ uncappedFen: subsidyFen }),
        status: 'approved',
      },
    });
    return c.id;
  }

  const setBreach = (entryBreach: boolean) => db().org.update({ where: { id: unitId }, data: { entryBreach } });

  beforeAll(async () => {
    const unit = await db().org.findUniqueOrThrow({ where: { code: DEMO_UNIT_CODE } });
    unitId = unit.id;
    officeId = must(unit.officeId, 'the demo unit belongs to an office');
    a = (
      await fileClaim(ctx.d, WORKER, {
        admitted: '2026-02-01',
        discharged: '2026-02-10',
        total: '9000',
        basic: '4000',
        selfPaid: '5000',
      })
    ).id;
    const card = claimCard(ctx.d, a);
    expect(said(await ctx.d.click(OFFICER, card.id, buttonKey(card, '批准')))).toContain(`#${a}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id: a } })).status).toBe('approved');
  });

  it('a unit found in breach after the card was shown: the commit refuses that claim, pays the others', async () => {
    const b = await otherUnitClaim(120_000);
    const r = await ctx.d.say(OFFICER, '全部已支付');
    const card = must(r.find((m) => m.kind === 'card')?.card, 'the confirmation card');
    expect(said(r)).toContain(`#${a}、#${b}`);
    expect(said(r)).not.toContain('暂缓支付');

    await setBreach(true);
    const done = said(await ctx.d.click(OFFICER, card.id, buttonKey(card, '确认已支付')));
    expect(done).toContain(`已标记支付 1 笔，合计 1,200 元：#${b}`);
    expect(done).toContain(`#${a} 不能标记支付：${REASON}`);
    expect(done).toContain('不予补助、不予退款');
    expect((await db().claim.findUniqueOrThrow({ where: { id: a } })).status).toBe('approved');
    expect((await db().claim.findUniqueOrThrow({ where: { id: b } })).status).toBe('paid');
    expect(await db().auditLog.count({ where: { action: 'claim.paid', subjectId: String(a) } })).toBe(0);
    expect(said(ctx.d.inbox(WORKER))).not.toContain(`#${a}（海南省人民医院）的补助`);
  });

  it('全部已支付 leaves the claim off its card and says how many were held back and why', async () => {
    const c = await otherUnitClaim(50_000);
    const r = await ctx.d.say(OFFICER, '全部已支付');
    const card = must(r.find((m) => m.kind === 'card')?.card, 'the confirmation card');
    const text = said(r);
    expect(text).toContain('共 1 笔');
    expect(text).toContain('500 元');
    expect(text).toContain(`#${c}`);
    expect(text).toContain(`暂缓支付`);
    expect(text).toContain(`1 笔（#${a}）：${REASON}`);
    const done = said(await ctx.d.click(OFFICER, card.id, buttonKey(card, '确认已支付')));
    expect(done).toContain(`已标记支付 1 笔，合计 500 元：#${c}`);
    expect(done).toContain(`另有 1 笔暂缓支付（#${a}）：${REASON}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id: a } })).status).toBe('approved');

    // with nothing else to pay: no card, the held-back claim explained
    const none = await ctx.d.say(OFFICER, '全部已支付');
    expect(none.some((m) => m.kind === 'card')).toBe(false);
    expect(said(none)).toContain('没有可标记支付的申请');
    expect(said(none)).toContain(`另有 1 笔暂缓支付（#${a}）：${REASON}`);
  });

  it('已批未付 lists the claim with the reason it is held back, out of the payable total', async () => {
    const got = said(await ctx.d.say(OFFICER, '已批未付'));
    expect(got).toContain('笔暂缓支付）');
    expect(got).toMatch(new RegExp(`#${a} .*（暂缓支付：${REASON}）`));
    const held = (await db().claim.findUniqueOrThrow({ where: { id: a } })).subsidyFen;
    const all = await db().claim.findMany({ where: { officeId, status: 'approved' } });
    const payableFen = all.filter((c) => c.id !== a).reduce((s, c) => s + c.subsidyFen, 0);
    expect(held).toBeGreaterThan(0);
    expect(got).toContain(`可支付合计 ${(payableFen / 100).toLocaleString('en-US')} 元`);
  });

  it('已支付 n names the claim and the reason, and writes nothing', async () => {
    const got = said(await ctx.d.say(OFFICER, `已支付 ${a}`));
    expect(got).toContain(`#${a} 不能标记支付：${REASON}。按规定不予补助、不予退款`);
    expect(got).not.toContain('已标记支付');
    const claim = await db().claim.findUniqueOrThrow({ where: { id: a } });
    expect(claim.status).toBe('approved');
    expect(claim.paidAt).toBeNull();
  });

  it('the payment list puts the claim on its own sheet, out of the total', async () => {
    const file = tmpFile('payments-breach.xlsx');
    const r = await cli(ctx.t.rt.config.DATABASE_URL, 'payments', 'export', '--out', file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 笔，合计 0.00 元');
    expect(r.out).toContain('另有 1 笔因单位不符合入口规定暂缓支付');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const rowsOf = (name: string) => {
      const rows: unknown[][] = [];
      must(wb.getWorksheet(name), `the ${name} sheet`).eachRow((row) => {
        rows.push((row.values as unknown[]).slice(1));
      });
      return rows;
    };
    expect(rowsOf('补助支付清单').some((x) => x[0] === a)).toBe(false);
    const held = must(
      rowsOf('暂缓支付').find((x) => x[0] === a),
      `a line for #${a}`,
    );
    expect(held.slice(0, 3)).toEqual([a, '林海燕', '海口市演示单位工会']);
    expect(String(held[6])).toContain(REASON);
  });

  it('once the office lifts the finding, the claim is paid', async () => {
    await setBreach(false);
    const got = said(await ctx.d.say(OFFICER, `已支付 ${a}`));
    expect(got).toContain(`已标记支付 1 笔`);
    expect((await db().claim.findUniqueOrThrow({ where: { id: a } })).status).toBe('paid');
    expect(await db().auditLog.count({ where: { action: 'claim.paid', subjectId: String(a) } })).toBe(1);
  });
});
