/**
 * The kind of an office file from its content (programme/file-kind.ts) and the table reader under it: the format
 * from the bytes, a title row above the header, CSV as RFC 4180 says; the name only breaks ties.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { recogniseTable } from '../../../src/services/programme/file-kind.js';
import { csvRecords, readTable, tableFormat } from '../../../src/services/programme/table.js';

const platforms = [
  { name: 'wecom', label: '企业微信' },
  { name: 'dingtalk', label: '钉钉' },
];

const table = (header: string[], sheetName: string | null = 'Sheet1') => ({ sheetName, header, rows: [] });
const kindOf = (header: string[], name = '', sheet: string | null = 'Sheet1') => {
  const r = recogniseTable(table(header, sheet), name, platforms);
  return r.ok ? r.kind : `✗ ${r.problem}`;
};

describe('recognising a file by its header', () => {
  it('each kind by its columns, whatever the name', () => {
    expect(kindOf(['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'])).toBe('organisations');
    expect(kindOf(['姓名', '身份证号', '所在单位编码', '角色', '负责单位编码'])).toBe('people');
    expect(kindOf(['方案编码', '方案名称', '总工会编码', '期次', '政策'])).toBe('period');
    expect(kindOf(['姓名', '身份证号', '在职/退休', '交费金额'])).toBe('roster');
    expect(kindOf(['单位编码', '姓名', '身份证后4位', '金额', '交费日期'])).toBe('remittance');
    expect(kindOf(['单位编码', '申请人数', '金额'])).toBe('application');
    expect(kindOf(['单位编码', '参加人数'])).toBe('application');
  });

  it('the content wins over a name that says another kind', () => {
    expect(kindOf(['单位编码', '申请人数', '金额'], '缴费清单.xlsx')).toBe('application');
    expect(kindOf(['姓名', '身份证号', '在职/退休', '交费金额'], '团体申请表.xlsx')).toBe('roster');
  });

  it('the name breaks a tie the header leaves: a unit code and an amount only', () => {
    expect(kindOf(['单位编码', '金额'], '2026 团体申请表.xlsx')).toBe('application');
    expect(kindOf(['单位编码', '金额'], '缴费清单.xlsx')).toBe('remittance');
    expect(kindOf(['单位编码', '金额'], '', '团体申请表')).toBe('application');
  });

  it('a header of no kind is named as such; a kind with columns missing names them', () => {
    expect(kindOf(['甲', '乙'])).toMatch(/^✗ 无法识别文件种类/);
    expect(kindOf(['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员人数'])).toContain(
      '组织文件缺少必需的列：会员总数',
    );
    expect(kindOf(['姓名', '身份证号', '交费金额'])).toContain('名册缺少必需的列');
  });
});

describe('reading a table', () => {
  it('the format comes from the bytes; the name only where the bytes cannot tell', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').addRow(['单位编码', '申请人数']);
    const zip = Buffer.from(await wb.xlsx.writeBuffer());
    expect(tableFormat(zip, '')).toBe('xlsx');
    expect(tableFormat(zip, 'download.dat')).toBe('xlsx');
    expect(tableFormat(zip, 'a.csv')).toBe('xlsx');
    const csv = Buffer.from('单位编码,申请人数\nHN-1,3\n');
    expect(tableFormat(csv, '')).toBe('csv');
    expect(tableFormat(csv, 'file')).toBe('csv');
    expect(tableFormat(csv, '照片.jpg')).toBeNull();
    expect(tableFormat(Buffer.from('no separators here'), '')).toBeNull();
    expect((await readTable({ buffer: zip, fileName: '' })).header).toEqual(['单位编码', '申请人数']);
  });

  it('a title row above the header is skipped; the rows keep the numbers Excel shows', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['2026年度团体申请表']);
    ws.mergeCells('A1:C1');
    ws.addRow(['单位编码', '申请人数', '金额']);
    ws.addRow(['HN-1', 3, 450]);
    const t = await readTable({ buffer: Buffer.from(await wb.xlsx.writeBuffer()), fileName: '' });
    expect(t.header).toEqual(['单位编码', '申请人数', '金额']);
    expect(t.rows).toEqual([{ line: 3, cells: ['HN-1', '3', '450'] }]);
  });

  it('CSV records as RFC 4180: quoted commas, newlines and quotes; short rows stay short', () => {
    expect(csvRecords('a,"b,c",d\r\n"x""y","two\nlines",z\n1\n')).toEqual([
      ['a', 'b,c', 'd'],
      ['x"y', 'two\nlines', 'z'],
      ['1'],
    ]);
    expect(() => csvRecords('a,"b\n')).toThrow('引号没有闭合');
  });
});
