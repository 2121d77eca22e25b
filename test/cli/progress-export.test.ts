/**
 * Issue 15 §4: `huzhu progress export` reproduces seed 000's tables row for row — order, counts, ratios as
 * numbers shown as the notice prints them, 合计, the headline sentence — from the Hainan organisations file (会员总数,
 * 上期参加数) set up through the CLI and the notice's 已完成数 as paid enrolments.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { insertMany } from '../../src/db/bulk.js';
import { cli } from '../support/cli.js';
import { freshDb, type TestDb } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'test/fixtures/programmes/hainan-2');
interface Row {
  name: string;
  previous: number;
  participants: number;
  ratio: string | null;
}
const NOTICE = JSON.parse(fs.readFileSync(path.join(ROOT, 'prisma/demo/hainan-2-progress.json'), 'utf8')) as {
  target: number;
  totals: { previous: number; participants: number };
  tables: { category: string; rows: Row[] }[];
};

/** what Excel/WPS shows for a cell: a number through its format, text as it is */
function shown(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (typeof v !== 'number') return v === null ? '' : String(v);
  if (cell.numFmt === '0%') return `${Math.round(v * 100)}%`;
  if (cell.numFmt === '0.0%') return `${(v * 100).toFixed(1)}%`;
  return String(v);
}

describe('progress export reproduces seed 000 (seed 000_323d04b7f63f3eb1.txt)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('sqlite');
    for (const f of ['organisations.csv', 'period.csv'])
      expect((await cli(t.url, 'programme', 'apply', path.join(DIR, f))).code).toBe(0);
    const period = await t.db.period.findFirstOrThrow();
    const orgs = new Map((await t.db.org.findMany()).map((o) => [o.name, o]));
    const stamp = new Date();
    let n = 0;
    const members: Record<string, string | number | boolean | Date | null>[] = [];
    const plan: { unitId: number }[] = [];
    for (const table of NOTICE.tables)
      for (const row of table.rows) {
        const unit = must(orgs.get(row.name), `${row.name} is an organisation of the notice`);
        for (let i = 0; i < row.participants; i++) {
          n++;
          members.push({
            name: '测试',
            idHash: `h${n}`,
            idLast4: '0000',
            status: 'in_service',
            unitId: unit.id,
            hasBasicInsurance: true,
            hasCriticalIllnessInsurance: false,
            createdAt: stamp,
            updatedAt: stamp,
          });
          plan.push({ unitId: unit.id });
        }
      }
    await t.db.$transaction(
      async (tx) => {
        await insertMany(tx, 'sqlite', 'Member', members);
        const ids = await tx.member.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
        await insertMany(
          tx,
          'sqlite',
          'Enrolment',
          plan.map((p, i) => ({
            periodId: period.id,
            memberId: must(ids[i], 'a member for each planned enrolment').id,
            unitId: p.unitId,
            rankUnitId: p.unitId,
            kind: 'new',
            feeFen: 10_000,
            paid: true,
            paidAt: stamp,
            source: 'roster',
            createdAt: stamp,
            updatedAt: stamp,
          })),
        );
      },
      { timeout: 600_000 },
    );
  }, 600_000);
  afterAll(() => t.drop());

  it('every table row for row, 合计, and the headline', async () => {
    const file = tmpFile('progress.xlsx');
    const r = await cli(t.url, 'progress', 'export', '--today', '2017-03-20', '--out', file);
    expect(r.code, r.err).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    for (const table of NOTICE.tables) {
      const ws = must(wb.getWorksheet(table.category), 'the workbook has that sheet');
      expect(ws.getCell('A1').value).toBe('第二期医疗互助工作进度表');
      expect((ws.getRow(3).values as string[]).slice(1)).toEqual([
        '序号',
        table.category,
        '第一期参加数',
        '第二期已完成数',
        '已完成数占会员总数比例',
      ]);
      const got = table.rows.map((_, i) => {
        const row = ws.getRow(4 + i);
        return [
          shown(row.getCell(1)),
          shown(row.getCell(2)),
          row.getCell(3).value,
          row.getCell(4).value,
          shown(row.getCell(5)),
        ];
      });
      const want = table.rows.map((row, i) => [
        row.ratio ? String(i + 1) : '',
        row.name,
        row.previous,
        row.participants,
        row.ratio ?? '',
      ]);
      expect(got).toEqual(want);
      const total = ws.getRow(4 + table.rows.length);
      expect([total.getCell(2).value, total.getCell(3).value, total.getCell(4).value]).toEqual([
        '合计',
        table.rows.reduce((s, x) => s + x.previous, 0),
        table.rows.reduce((s, x) => s + x.participants, 0),
      ]);
    }
    const sum = must(wb.getWorksheet('总计'), 'the 总计 sheet');
    expect(sum.getCell('B1').value).toBe(NOTICE.totals.previous);
    expect(sum.getCell('B2').value).toBe(NOTICE.totals.participants);
    expect(shown(sum.getCell('B4'))).toBe('85.9%');
    // the notice prints 85.8 %; 300772 / 350000 is 85.93 %: we show what we compute (RULES §6)
    expect(sum.getCell('A6').value).toBe(
      '截止2017年3月20日，第二期互助活动统计参与职工300772人，已达到总目标参与人数（35万）的85.9%。',
    );
  });
});
