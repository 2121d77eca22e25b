/**
 * `huzhu demo` and `huzhu progress export` through the real CLI: the Hainan 2nd-period tables of
 * seed 000_323d04b7f63f3eb1.txt, scaled down, exported as the office's own XLSX.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { cli } from '../support/cli.js';
import { freshDatabaseUrl } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

describe('huzhu demo and progress export (seed 000_323d04b7f63f3eb1.txt)', () => {
  let db: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await freshDatabaseUrl('sqlite');
  });
  afterAll(() => db.drop());

  it('loads the demo once; running it again changes nothing', async () => {
    const first = await cli(db.url, 'demo', '--today', '2026-03-02');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/演示数据已载入：\d+ 个组织，\d+ 名会员/);
    const again = await cli(db.url, 'demo', '--today', '2026-03-02');
    expect(again.code).toBe(0);
    expect(again.out).toContain('未做任何修改');
    // two runs of the real command: migrations, then 11 000 members and 5 000 enrolments written in batches
    // (about 2 s on an idle core, over 20 s seen with the whole suite on a loaded 2-core CI machine)
  }, 90_000);

  it('exports the progress table: one sheet per category, sorted by ratio, totals and the headline', async () => {
    const file = tmpFile('progress.xlsx');
    const r = await cli(db.url, 'progress', 'export', '--out', file);
    expect(r.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['市、县工会', '产业、系统工会', '省直属基层工会', '总计']);
    const city = must(wb.getWorksheet('市、县工会'), 'the 市、县工会 sheet');
    expect(city.getCell('A1').value).toBe('第二期医疗互助工作进度表');
    // as in the notice: 三沙市总工会（筹） first at 100 %, 陵水 second
    expect(city.getRow(4).values).toEqual(expect.arrayContaining([1, '三沙市总工会（筹）']));
    // ratios are numbers, shown as the notice prints them
    expect([city.getRow(4).getCell(5).value, city.getRow(4).getCell(5).numFmt]).toEqual([1, '0%']);
    expect(String(city.getRow(5).getCell(2).value)).toBe('陵水县总工会');
    const industry = must(wb.getWorksheet('产业、系统工会'), 'the 产业、系统工会 sheet');
    const cells = industry.getColumn(5).values.map(String);
    expect(cells).toContain('省本级100%'); // the special cell of 地税工会 is kept, not recomputed
    const ratios = industry.getColumn(5).values.filter((v): v is number => typeof v === 'number');
    expect(ratios.length).toBeGreaterThan(10);
    expect(ratios).toEqual([...ratios].sort((a, b) => b - a));
    const total = must(wb.getWorksheet('总计'), 'the 总计 sheet');
    expect(total.getCell('A1').value).toBe('上期参加数合计');
    expect(total.getCell('B4').numFmt).toBe('0.0%');
    expect(String(total.getCell('A6').value)).toMatch(
      /^截止\d{4}年\d+月\d+日，第二期互助活动统计参与职工\d+人，已达到总目标参与人数（\d+）的[\d.]+%。$/,
    );
  });
});
