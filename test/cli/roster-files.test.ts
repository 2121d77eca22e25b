/**
 * Roster files as offices really have them (issue 17), through `huzhu roster import`: a CSV saved by Excel/WPS
 * in China is GBK (or GB18030) without a BOM; an XLSX written by some tools has cells without `r=` references;
 * files far too big are refused before they are read; a file with an error on every row lists the first 100.
 */
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { MAX_ERRORS_LISTED } from '../../src/services/roster/errors.js';
import { MAX_FILE_BYTES, MAX_ROWS, MAX_XLSX_UNPACKED_BYTES } from '../../src/services/roster/read.js';
import { cli } from '../support/cli.js';
import { freshDb, type TestDb } from '../support/db.js';
import { HEADER, person, tmpFile, writeXlsx } from '../support/roster-files.js';
import { seedYunnan12 } from '../support/yunnan12.js';

/** a CSV as Excel/WPS writes it in a Chinese locale: CRLF, no BOM, the system code page */
function writeEncodedCsv(rows: (string | number)[][], encoding: 'gbk' | 'gb18030'): string {
  const file = tmpFile(`roster-${encoding}.csv`);
  fs.writeFileSync(file, iconv.encode(`${[HEADER, ...rows].map((r) => r.join(',')).join('\r\n')}\r\n`, encoding));
  return file;
}

const importInto = (t: TestDb, file: string, unit: string) =>
  cli(t.url, 'roster', 'import', file, '--period', '12', '--unit', unit);

describe('roster files as offices have them (sqlite)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('sqlite');
    await seedYunnan12(t);
  });
  afterAll(() => t.drop());

  const namesOf = async (unit: string) =>
    (await t.db.member.findMany({ where: { unit: { code: unit } }, orderBy: { id: 'asc' } })).map((m) => m.name);

  it('reads a GBK CSV (Excel/WPS "CSV" in China): names kept as written', async () => {
    const file = writeEncodedCsv(
      [person(101, 100, { name: '张三丰' }), person(102, '未参', { name: '欧阳娜娜' })],
      'gbk',
    );
    // the bytes are not UTF-8: this is what was refused with 缺少必需的列 before
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file))).toThrow();
    const r = await importInto(t, file, 'KMUST-LIB');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await namesOf('KMUST-LIB')).toEqual(['张三丰', '欧阳娜娜']);
  });

  it('reads a GB18030 CSV with a name outside GBK (four-byte character)', async () => {
    const file = writeEncodedCsv([person(103, 100, { name: '王𠮷' })], 'gb18030');
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.err).toBe('');
    expect(await namesOf('KMUST-ART')).toEqual(['王𠮷']);
  });

  it('refuses bytes that are neither UTF-8 nor GBK, naming the encodings it reads', async () => {
    const file = tmpFile('latin.csv');
    fs.writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('姓名,身份证号,在职/退休,交费金额\n'),
        Buffer.from([0xff, 0xfe, 0xff, 0x0a]),
      ]).subarray(3),
    );
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/无法识别 CSV 文件的编码.*UTF-8.*GBK/);
  });

  it('reads an XLSX whose cells carry no r= reference (valid SpreadsheetML)', async () => {
    const built = await writeXlsx([person(104, 100, { name: '李四' }), person(105, 100, { name: '王五' })]);
    const zip = await JSZip.loadAsync(fs.readFileSync(built));
    const sheetPath = must(
      Object.keys(zip.files).find((f) => /^xl\/worksheets\/sheet\d+\.xml$/.test(f)),
      'the XLSX has a worksheet part',
    );
    const xml = await must(zip.file(sheetPath), 'the worksheet part').async('string');
    const stripped = xml.replace(/(<(?:c|row)\b[^>]*?)\s+r="[A-Z]*\d+"/g, '$1');
    expect(stripped).not.toMatch(/<c [^>]*r="/);
    zip.file(sheetPath, stripped);
    const file = tmpFile('no-refs.xlsx');
    fs.writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer' }));
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await namesOf('KMUST-ART')).toEqual(['王𠮷', '李四', '王五']);
  });

  it('refuses a file over the size limit before reading it, saying how big it is and what to do', async () => {
    const file = tmpFile('huge.csv');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, MAX_FILE_BYTES + 1); // sparse: nothing written to disk
    const before = await t.db.member.count();
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/文件过大（20\.0 MB），名册文件最大 20 MB，未导入：请按单位拆分/);
    expect(await t.db.member.count()).toBe(before);
  });

  it('refuses a CSV of more rows than the limit', async () => {
    const file = tmpFile('long.csv');
    // blank rows (as Excel leaves below a table) count: the limit is on the lines read, however cheap
    fs.writeFileSync(file, `${HEADER.join(',')}\n${`${','.repeat(HEADER.length - 1)}\n`.repeat(MAX_ROWS + 1)}`);
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/名册超过 200,000 行，未导入/);
  });

  it('refuses an XLSX whose rows go past the limit, without reading the rows in between', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名册');
    ws.addRow(HEADER);
    ws.getRow(MAX_ROWS + 5).values = person(106, 100);
    const file = tmpFile('far.xlsx');
    await wb.xlsx.writeFile(file);
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/名册超过 200,000 行/);
  });

  it('refuses an XLSX that unpacks to far more than a roster (a zip bomb), before unpacking it', async () => {
    const zip = await JSZip.loadAsync(fs.readFileSync(await writeXlsx([person(107, 100)])));
    zip.file('xl/media/padding.bin', Buffer.alloc(MAX_XLSX_UNPACKED_BYTES + 1)); // zeros: a few hundred KB packed
    const file = tmpFile('bomb.xlsx');
    fs.writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    expect(fs.statSync(file).size).toBeLessThan(MAX_FILE_BYTES);
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/文件解压后超过 200 MB，不像是人员名册，未导入/);
  });

  it('refuses a file named .xlsx that is not one, in words', async () => {
    const file = tmpFile('not.xlsx');
    fs.writeFileSync(file, '姓名,身份证号\n张三,1\n');
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^无法读取 XLSX 文件（.*）：请在 Excel\/WPS 中打开后另存为 \.xlsx 再导入$/);
  });

  it('a file with an error on every row: the first 100 listed in row order, then how many more', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => person(200 + i, 120)); // 120: not a fee of this period
    const file = writeEncodedCsv(rows, 'gbk');
    const before = await t.db.member.count();
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.code).toBe(1);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe('名册有 250 处错误，未写入任何数据：');
    const listed = lines.filter((l) => /^ {2}第 \d+ 行：/.test(l));
    expect(listed).toHaveLength(MAX_ERRORS_LISTED);
    expect(listed[0]).toMatch(/^ {2}第 2 行：交费金额 120 元/);
    expect(listed.at(-1)).toMatch(/^ {2}第 101 行：/);
    expect(lines.at(-1)).toBe('  ……以上是前 100 处，另有 150 处未列出（共 250 处）');
    expect(await t.db.member.count()).toBe(before);
  });
});
