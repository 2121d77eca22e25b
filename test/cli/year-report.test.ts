/**
 * Issue 15 §6: `huzhu report year` writes the yearly statistics report of seed 004 (附件1, RULES §10) for
 * Zhangjiakou's 2020 claim year (第十三期), set up from its files: participants and funds by period, remitted,
 * aid by calendar year to 12-30, the balance net of approved but unpaid subsidies.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { cli } from '../support/cli.js';
import { freshDb, type TestDb } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/programmes/zhangjiakou-14');

describe('yearly statistics report (seed 004_9a111ece143f3fb7.txt)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('sqlite');
    const period13 = tmpFile('period-13.csv');
    fs.writeFileSync(
      period13,
      fs.readFileSync(path.join(DIR, 'period.csv'), 'utf8').replace(',14,zhangjiakou-14,', ',13,zhangjiakou-13,'),
    );
    for (const f of [path.join(DIR, 'organisations.csv'), period13, path.join(DIR, 'people.csv')])
      expect((await cli(t.url, 'programme', 'apply', f)).code).toBe(0);
    expect(
      (await cli(t.url, 'roster', 'import', path.join(DIR, 'roster.csv'), '--period', '13', '--unit', 'ZJK-QX-U1'))
        .code,
    ).toBe(0);
    const members = await t.db.member.findMany({ orderBy: { id: 'asc' } });
    const named = (name: string) =>
      must(
        members.find((m) => m.name === name),
        `${name} is on the roster`,
      );
    const list = tmpFile('fees.csv');
    fs.writeFileSync(
      list,
      `单位编码,姓名,身份证后4位,金额,交费日期\n${['吴文静', '林海燕', '王小梅'].map((n) => `ZJK-QX-U1,${n},${named(n).idLast4},100,2020-12-20`).join('\n')}\n`,
    );
    expect((await cli(t.url, 'fees', 'import', list)).code).toBe(0);
    // the year's claims: one paid (major illness), one approved and unpaid, one approved in 2020 and paid in 2021
    const period = await t.db.period.findFirstOrThrow();
    const officer = named('陈建国');
    const claim = async (
      member: string,
      subsidyFen: number,
      status: string,
      approvedOn: string,
      paidOn: string | null,
      major: boolean,
    ) => {
      const c = await t.db.claim.create({
        data: {
          periodId: period.id,
          memberId: named(member).id,
          hospital: '张家口市第一医院',
          admittedOn: '2020-05-01',
          dischargedOn: '2020-05-10',
          totalFen: 2_000_000,
          basicInsuranceFen: 1_000_000,
          selfPaidFen: 1_000_000,
          majorIllness: major,
          subsidyFen,
          breakdown: '{}',
          status,
          paidAt: paidOn ? new Date(`${paidOn}T10:00:00+08:00`) : null,
        },
      });
      await t.db.approval.create({
        data: {
          claimId: c.id,
          approverId: officer.id,
          level: 1,
          decision: 'approve',
          decidedAt: new Date(`${approvedOn}T10:00:00+08:00`),
        },
      });
    };
    await claim('林海燕', 500_000, 'paid', '2020-06-01', '2020-06-10', true);
    await claim('王小梅', 100_000, 'approved', '2020-12-01', null, false);
    await claim('吴文静', 200_000, 'paid', '2020-12-28', '2021-01-05', false);
  });
  afterAll(() => t.drop());

  it('the attachment 1 row for 2020', async () => {
    const out = tmpFile('report.xlsx');
    const r = await cli(t.url, 'report', 'year', '--year', '2020', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('已导出2020年度运行情况统计表（第十三期）');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = must(wb.worksheets[0], 'the workbook has a sheet');
    expect(ws.getCell('A1').value).toBe('2020年度职工大病医疗互助活动运行情况统计表');
    expect(ws.getCell('A2').value).toBe('填报单位：张家口市总工会');
    expect(ws.getCell('I3').value).toBe('截止12月30日账面累计结余资金');
    // 3 paid × 100 元 raised and remitted; 5 000 元 paid in 2020 (major illness); 1 000 + 2 000 元 approved, unpaid on 12-30
    expect((ws.getRow(5).values as unknown[]).slice(1)).toEqual([3, 300, 300, 0, 1, 5000, 1, 5000, -8000]);
  });
});
