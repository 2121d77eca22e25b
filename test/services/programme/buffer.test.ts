/**
 * Issue 15: the set-up service as an admin's chat file will use it — an XLSX filled in from `huzhu template`, as
 * bytes: checked into a summary with nothing written, then applied on confirmation (checked again, all or nothing).
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformLabels, platformNames } from '../../../src/channels/index.js';
import { must } from '../../../src/core/must.js';
import { applyProgrammeFile, checkProgrammeFile } from '../../../src/services/programme/index.js';
import { writeTemplate } from '../../../src/services/programme/template.js';
import { freshDb, type TestDb } from '../../support/db.js';
import { tmpFile } from '../../support/roster-files.js';

const platforms = platformNames.map((name) => ({ name, label: platformLabels[name] ?? name }));

async function filledTemplate(rows: (string | number)[][]): Promise<Buffer> {
  const file = tmpFile('organisations.xlsx');
  await writeTemplate('organisations', platforms, file);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = must(wb.worksheets[0], 'the workbook has a sheet');
  const header = (ws.getRow(1).values as string[]).slice(1);
  for (const r of rows)
    ws.addRow(
      header.map(
        (h) => r[['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'].indexOf(h)] ?? '',
      ),
    );
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('a set-up file as bytes (the chat path)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('sqlite');
  });
  afterAll(() => t.drop());

  it('checks into a summary without writing, then applies on confirmation', async () => {
    const buffer = await filledTemplate([
      ['YN', '云南省总工会', '总工会', '', '', ''],
      ['YN-KM', '昆明市总工会', '办事处', 'YN', '州、市总工会', 12000],
    ]);
    const input = { db: t.db, source: { buffer, fileName: '组织.xlsx' }, platforms, hashKey: 'k' };
    const checked = await checkProgrammeFile(input);
    expect(checked).toMatchObject({
      ok: true,
      summary: { kind: 'organisations', created: 2, changed: 0, unchanged: 0 },
    });
    expect(await t.db.org.count()).toBe(0);
    const applied = await applyProgrammeFile({ ...input, actor: 'wecom:admin-1' });
    expect(applied).toMatchObject({ ok: true, summary: { created: 2 } });
    expect(await t.db.org.findUniqueOrThrow({ where: { code: 'YN-KM' } })).toMatchObject({
      memberTotal: 12000,
      category: '州、市总工会',
    });
    expect((await t.db.auditLog.findFirstOrThrow({ where: { action: 'org.create' } })).actor).toBe('wecom:admin-1');
    // the same bytes asked for as another kind
    expect(await checkProgrammeFile({ ...input, kind: 'people' })).toMatchObject({
      ok: false,
      issues: [{ line: 1, message: expect.stringContaining('这是组织文件，不是人员文件') }],
    });
  });
});
