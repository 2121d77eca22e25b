import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readXlsxHeader } from '../../../src/services/roster/header.js';
import { readRoster } from '../../../src/services/roster/read.js';
import { isXlsxStreamRace } from '../../../src/services/xlsx-stream-race.js';

// exceljs's streaming reader fails about 1 read in 200–700 of a good file (src/services/xlsx-stream-race.ts); a
// few hundred reads of the same file would see it most of the time without the retry, and a good file must be
// read every time
const READS = 400;

async function roster(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名册');
  ws.addRow(['姓名', '身份证号', '人员状态', '交费金额']);
  for (let i = 0; i < 20; i++) ws.addRow([`张${i}`, `5301021990${String(i).padStart(8, '0')}`, '在职', 100]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('a good XLSX is read every time', () => {
  it('its header, from the bytes a chat file arrives as', async () => {
    const bytes = await roster();
    for (let i = 0; i < READS; i++) expect((await readXlsxHeader(bytes)).header).toContain('身份证号');
  });

  it('its rows, from the file an import reads', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-race-')), 'r.xlsx');
    fs.writeFileSync(file, await roster());
    for (let i = 0; i < READS; i++) {
      let rows = 0;
      for await (const _ of readRoster(file, [])) rows++;
      expect(rows).toBe(20);
    }
  });

  it('only the reader’s race is retried, not a broken file', () => {
    expect(isXlsxStreamRace(new TypeError("Cannot read properties of undefined (reading 'sheets')"))).toBe(true);
    expect(isXlsxStreamRace(new Error('invalid signature: 0x6c6c756e'))).toBe(false);
  });
});
