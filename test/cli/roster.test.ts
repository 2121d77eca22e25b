/**
 * `huzhu roster import` through the real CLI on both databases (seed 003: the 参互人员名册 with 100 / 80 / 未参).
 * The demo's programme is Hainan; these tests load the Yunnan 12th period policy (seed 003) for its fees.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { cli } from '../support/cli.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { person, tmpFile, writeCsv, writeXlsx } from '../support/roster-files.js';
import { seedYunnan12 } from '../support/yunnan12.js';

describe.each(providers)('roster import on %s (seed 003)', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
    await seedYunnan12(t);
  });
  afterAll(() => t.drop());

  it('imports a valid XLSX roster: fee 100 = 新参, 未参 stays on the roster, accounts bound', async () => {
    const file = await writeXlsx([
      person(1, 100, { wecom: 'zhang-1' }),
      person(2, 100),
      person(3, '未参'),
      person(4, '100.00', { dingtalk: 'dd-4' }),
    ]);
    const r = await cli(t.url, 'roster', 'import', file, '--period', '12', '--unit', 'KMUST-LIB');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/新增会员 4/);
    expect(await t.db.member.count()).toBe(4);
    const kinds = await t.db.enrolment.groupBy({ by: ['kind'], _count: { _all: true }, orderBy: { kind: 'asc' } });
    expect(kinds.map((k) => [k.kind, k._count._all])).toEqual([
      ['new', 3],
      ['none', 1],
    ]);
    expect(await t.db.chatIdentity.count()).toBe(2);
    // the ID number is never stored in clear
    const m = await t.db.member.findFirstOrThrow();
    expect(JSON.stringify(m)).not.toMatch(/\d{17}[\dX]/);
    expect(m.idLast4).toHaveLength(4);
  });

  it('re-importing the same file changes nothing', async () => {
    const file = await writeXlsx([
      person(1, 100, { wecom: 'zhang-1' }),
      person(2, 100),
      person(3, '未参'),
      person(4, '100.00', { dingtalk: 'dd-4' }),
    ]);
    const before = await t.db.auditLog.count();
    const r = await cli(t.url, 'roster', 'import', file, '--period', '12', '--unit', 'KMUST-LIB');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/新增会员 0，更新 0；新增参互记录 0，更新 0/);
    expect(await t.db.member.count()).toBe(4);
    expect(await t.db.auditLog.count()).toBe(before);
  });

  it('refuses a roster with errors, names every bad row, and writes nothing', async () => {
    const bad = person(10, 100);
    bad[1] = `${String(bad[1]).slice(0, 17)}${String(bad[1]).endsWith('0') ? '1' : '0'}`; // checksum broken
    const rows = [
      person(11, 100), // line 2: fine
      bad, // line 3: ID checksum
      person(12, 120), // line 4: fee not 100/80
      person(13, 100, { status: '临时工' }), // line 5
      person(11, 100), // line 6: duplicate of line 2
      person(14, 100, { name: '<b>x</b>' }), // line 7: HTML in a name
      person(15, 100, { phone: '12345' }), // line 8
      person(1, 100), // line 9: already on 图书馆分工会's roster
    ];
    const file = writeCsv(rows);
    const before = await t.db.member.count();
    const r = await cli(t.url, 'roster', 'import', file, '--period', '12', '--unit', 'KMUST-ART');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/未写入任何数据/);
    expect(r.err).toMatch(/第 3 行：身份证号无效/);
    expect(r.err).toMatch(/第 4 行：交费金额 120 元与本期标准不符：续互 80 元，新参 100 元/);
    expect(r.err).toMatch(/第 5 行：“在职\/退休”应填/);
    expect(r.err).toMatch(/第 6 行：身份证号与第 2 行重复/);
    expect(r.err).toMatch(/第 7 行：姓名只能包含/);
    expect(r.err).toMatch(/第 8 行：手机号应为 11 位/);
    expect(r.err).toMatch(/第 9 行：此人已在“图书馆分工会”的名册中/);
    expect(r.err).not.toMatch(/第 2 行：/);
    expect(await t.db.member.count()).toBe(before);
  });

  it('refuses a file without the required columns', async () => {
    const file = writeCsv([['张三', '1']], ['姓名', '备注']);
    const r = await cli(t.url, 'roster', 'import', file, '--period', '12', '--unit', 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/名册缺少必需的列：身份证号、在职\/退休、交费金额/);
  });

  it('exports the roster as XLSX with masked ID numbers and 未参 kept', async () => {
    const out = tmpFile('export.xlsx');
    const r = await cli(t.url, 'roster', 'export', '--unit', 'KMUST-LIB', '--out', out);
    expect(r.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = must(wb.worksheets[0], 'the workbook has a sheet');
    expect(ws.getRow(1).values).toContain('身份证号');
    const rows = ws.getSheetValues().slice(2) as unknown[][];
    expect(rows).toHaveLength(4);
    expect(rows.map((x) => x[5])).toContain('未参');
    expect(String(rows[0]?.[3])).toMatch(/^\*{14}[\dX]{4}$/);
  });

  it('explains bad arguments', async () => {
    expect((await cli(t.url, 'roster', 'export', '--unit', 'KMUST-LIB', '--out', 'x.pdf')).err).toMatch(/\.xlsx/);
    expect((await cli(t.url, 'roster', 'import', 'nope.xlsx', '--period', 'x', '--unit', 'A')).err).toMatch(
      /期次应为正整数/,
    );
    expect((await cli(t.url, 'frobnicate')).code).toBe(2);
  });
});
