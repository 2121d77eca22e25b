/**
 * Issue 14, marking claims paid: 全部已支付 shows the count and the total behind a confirmation card and marks only
 * what it showed; a repeated 已支付 n says when and by whom; the finance office's payment list as XLSX through the
 * real CLI. Signed callbacks and card clicks, on every platform.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { addDays } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { cli } from '../support/cli.js';
import type { PlatformDriver } from '../support/driver.js';
import { tmpFile } from '../support/roster-files.js';
import { PHOTO, platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

async function approvedClaim(d: PlatformDriver, startsOn: string, offset: number, selfPaid: string): Promise<number> {
  for (const text of [
    '申请补助',
    '海南省人民医院',
    addDays(startsOn, offset),
    addDays(startsOn, offset + 2),
    '2万',
    '5000',
    selfPaid,
    '否',
  ])
    await d.say(W, text);
  await d.sendImage(W, PHOTO);
  await d.say(W, '完成');
  const id = Number(/#(\d+) 已提交/.exec(said(await d.say(W, '确认')))?.[1]);
  const card = d
    .inbox(OFFICER)
    .filter((m) => m.card?.title.includes(`#${id}`))
    .at(-1)?.card;
  if (!card) throw new Error(`no card for #${id}`);
  await d.click(OFFICER, card.id, `approve:${id}`);
  return id;
}

describe.each(platforms)('marking paid on %s', (platform) => {
  const ctx = useApp(platform);
  const db = () => ctx.t.rt.db;

  it('全部已支付 shows count and total on a card; 确认 marks exactly those; a repeat says when and by whom', async () => {
    const { policy } = await currentPeriod(db());
    const a = await approvedClaim(ctx.d, policy.startsOn, 2, '8000'); // 4 000×50 % + 3 000×60 % = 3 800 元
    const b = await approvedClaim(ctx.d, policy.startsOn, 6, '3000'); // 2 000×50 % = 1 000 元
    expect((await db().claim.findMany({ where: { id: { in: [a, b] } } })).map((c) => c.subsidyFen)).toEqual([
      380_000, 100_000,
    ]);

    const r = await ctx.d.say(OFFICER, '全部已支付');
    const card = must(r.find((m) => m.kind === 'card')?.card, 'a card among the replies');
    expect(card.title).toBe('标记支付确认');
    const text = said(r);
    expect(text).toContain('共 2 笔');
    expect(text).toContain('4,800 元');
    expect(text).toContain(`#${a}、#${b}`);
    // nothing is paid on the word alone
    expect(await db().claim.count({ where: { id: { in: [a, b] }, status: 'approved' } })).toBe(2);

    // approved after the card was shown: not part of what the officer confirmed
    const c = await approvedClaim(ctx.d, policy.startsOn, 10, '2000');
    expect(said(await ctx.d.click('demo-worker-1', card.id, buttonKey(card)))).toBe('无权操作。');
    const done = said(await ctx.d.click(OFFICER, card.id, buttonKey(card, '确认已支付')));
    expect(done).toContain('已标记支付 2 笔，合计 4,800 元');
    expect((await db().claim.findUniqueOrThrow({ where: { id: c } })).status).toBe('approved');
    for (const id of [a, b]) expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('paid');
    expect(said(ctx.d.inbox(W))).toContain(`#${a}（海南省人民医院）的补助 3,800 元已支付`);
    // the approval cards follow
    const officerCard = must(
      ctx.d
        .inbox(OFFICER)
        .filter((m) => m.card?.title.includes(`#${a}`))
        .at(-1)?.card,
      'the claim’s card in the inbox',
    );
    expect(ctx.d.card(OFFICER, officerCard.id)?.finalText).toMatch(/^已支付 · \d{4}-\d{2}-\d{2}/);

    const again = said(await ctx.d.say(OFFICER, `已支付 ${a}`));
    expect(again).toMatch(new RegExp(`#${a} 已于 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} 由 吴文静 标记支付`));
    expect(again).not.toContain('没有可标记的申请');
    const mixed = said(await ctx.d.say(OFFICER, `已支付 ${c}, 999999`));
    expect(mixed).toContain(`已标记支付 1 笔，合计 500 元：#${c}`);
    expect(mixed).toContain('#999999 不是您办事处的申请');
    expect(await db().auditLog.count({ where: { action: 'claim.paid' } })).toBe(3);
  });

  it('the finance office gets the payment list as XLSX from the CLI', async () => {
    const { policy } = await currentPeriod(db());
    const d = await approvedClaim(ctx.d, policy.startsOn, 14, '5000'); // 2 000 元
    const file = tmpFile('payments.xlsx');
    const r = await cli(ctx.t.rt.config.DATABASE_URL, 'payments', 'export', '--out', file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 笔，合计 2000.00 元');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = must(wb.getWorksheet('补助支付清单'), 'the 补助支付清单 sheet');
    const rows: unknown[][] = [];
    ws.eachRow((row) => {
      rows.push((row.values as unknown[]).slice(1));
    });
    expect(rows.find((x) => x[0] === '申请编号')).toEqual(
      expect.arrayContaining(['姓名', '单位', '补助金额（元）', '办事处批准']),
    );
    const line = must(
      rows.find((x) => x[0] === d),
      `a line for claim #${d}`,
    );
    expect(line.slice(0, 3)).toEqual([d, '林海燕', '海口市演示单位工会']);
    expect(line[6]).toBe(2000);
    expect(String(line[7])).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const all = await cli(ctx.t.rt.config.DATABASE_URL, 'payments', 'export', '--out', file, '--all');
    expect(all.out).toMatch(/5 笔/); // the demo's paid claim, the three paid here, and d
    const bad = await cli(ctx.t.rt.config.DATABASE_URL, 'payments', 'export', '--out', 'x.csv');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('.xlsx');
  });
});
